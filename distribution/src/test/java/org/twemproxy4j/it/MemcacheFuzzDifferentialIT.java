package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.diff.Bytes;
import org.twemproxy4j.it.fixture.MemcachedServer;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * Differential fuzzing against memcached: random request sequences from a grammar of the commands the proxy
 * supports (get, gets, set, add, replace, append, prepend, cas, delete, incr, decr, touch), with and without
 * noreply, on a small key space (keys of 1 to 250 bytes), with random values (binary with CR and LF in them,
 * empty, numeric, up to 64 KiB), and a few requests memcached refuses (unknown command, a 251-byte key, a bad
 * delta, a data block longer than declared), pipelined in random batches of 1 to 500. Each batch goes through
 * twemproxy4j ({@code -m 512}, one pool with ONE memcached) and, on another connection, straight to a second,
 * identical memcached; the two reply streams must be the same bytes. Each batch ends with a get of a sentinel
 * key, so the reply stream of a batch is read to its end whatever noreply suppressed.
 *
 * <p>Allowed differences: the two in {@link #ALLOWED_DIFFERENCES}; the harness also pauses where memcached
 * itself would answer differently ({@link #ORACLE_SYNC}). The sequence is a function of the seed
 * ({@code -Dfuzz.seed}, else a fixed one); {@code -Dfuzz.commands=N} sets the number of commands (the
 * {@code mvn verify} slice: 3,000). A failure names the seed, the segment and both reply streams, and writes every
 * byte sent to the direct memcached so far to a temporary file, for a replay.
 *
 * <p>Long runs ({@code -Dfuzz.commands=1000000}) once ended in a mismatch that was memcached's, not the proxy's:
 * see {@link #MINUS_IN_SLAB}.
 */
class MemcacheFuzzDifferentialIT {
    /**
     * The one difference allowed between the proxy's replies and memcached's: trailing spaces after the digits
     * of a number in a VALUE block. When incr or decr makes a number shorter, memcached writes it in place,
     * padded with spaces to the old length, if no unsent reply still holds the item, and otherwise stores the
     * exact digits; which one depends on how far earlier replies had been written, so two identical servers
     * fed the same requests at a different pace store different padding. Such blocks are compared without the
     * padding (and with the length adjusted). So that padding never leaks into other bytes, incr and decr work
     * on their own keys ({@code n0..n11}), which append and prepend never touch.
     *
     * <p>And the value of a cas unique: memcached draws them from one counter whose steps also depend on pace
     * (the same bytes sent to one memcached in one write and in 4 KiB writes end with different uniques). So
     * each side's uniques are compared only as present or absent, and a cas request carries, on each side,
     * that side's last reported unique of the key (or a stale one on both).
     */
    static final Set<String> ALLOWED_DIFFERENCES = Set.of("incr/decr padding of a number in a VALUE block",
            "the value of a cas unique in a VALUE block");

    /**
     * Why a get with an over-long key starts a new segment (sent once the replies to everything before it are
     * in): memcached 1.6.18 itself, when a get or gets fails on a key over 250 bytes, drops the replies it has
     * not yet written for the earlier requests of the same read ({@code incr a 1\r\ndelete b\r\nget <251 bytes>\r\n}
     * in one write gets only {@code CLIENT_ERROR bad command line format}; in two writes, every reply). The
     * proxy answers every request, so without the pause the oracle, not the proxy, would be wrong.
     */
    static final String ORACLE_SYNC = "memcached 1.6.18 drops unsent replies when a get fails on a long key";

    /**
     * Why random values never hold the byte {@code '-'}: memcached 1.6.18 checks a number of 2^63 or more for a
     * minus sign with {@code strchr} from the start of the item's data, and the data is not NUL-terminated, so the
     * scan runs on past the {@code \r\n} into the rest of the slab chunk, which still holds the bytes of whatever
     * item used that chunk before. A {@code '-'} left there turns an incr or decr of a large number into
     * {@code CLIENT_ERROR cannot increment or decrement non-numeric value}. Which chunk an item gets depends on
     * pace (incr and decr rewrite in place only when no unsent reply holds the item), so two identical servers
     * fed the same bytes can disagree. Reproduced without the proxy: set 2,000 keys to 28 dashes, delete them,
     * then set 2,000 other keys of the same length to 9223372036854775808 and decr each: some answer that error.
     * This harness once reported it as a mismatch at command 412,592 of seed 0x5eed0ff022.
     */
    static final String MINUS_IN_SLAB = "memcached 1.6.18 scans slab bytes past a large number for a minus sign";

    private static boolean syncBefore(byte[] request) {
        if (!Bytes.startsWith(request, "get")) {
            return false;
        }
        int run = 0;
        for (byte c : request) {
            run = c == ' ' || c == '\r' || c == '\n' ? 0 : run + 1;
            if (run > 250) {
                return true;
            }
        }
        return false;
    }

    private static final String SENTINEL = "fz:sentinel";
    private static final byte[] SENTINEL_GET = b("get " + SENTINEL + "\r\n");
    private static final String[] STORE = {"set", "add", "replace", "append", "prepend"};

    /**
     * Both memcached without their background threads (LRU maintainer and crawler, slab mover, hash expansion),
     * which act at their own pace on the items of the run and so would make two identical servers differ.
     */
    private static final String[] QUIET = {"-o", "no_lru_crawler,no_lru_maintainer,no_slab_reassign,slab_automove=0,"
        + "no_hashexpand"};

    private static MemcachedServer behind;
    private static MemcachedServer direct;
    private static Twemproxy4jProcess proxy;
    private static int port;

    @BeforeAll
    static void start() {
        behind = MemcachedServer.start(QUIET);
        direct = MemcachedServer.start(QUIET);
        port = Ports.free();
        proxy = Twemproxy4jProcess.start("fz:\n  listen: 127.0.0.1:" + port + "\n  hash: fnv1a_64\n"
                + "  distribution: ketama\n  timeout: 30000\n  servers:\n   - " + behind.address() + ":1\n",
                "-m", "512");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (behind != null) {
            behind.close();
        }
        if (direct != null) {
            direct.close();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---- the grammar ----

    /** A key: mostly one of 24 short ones, sometimes one with high bytes, of 250 bytes, or (rarely) of 251. */
    static String key(SplittableRandom r) {
        int k = r.nextInt(1000);
        if (k < 3) {
            return "k".repeat(251);
        }
        if (k < 20) {
            return "K" + r.nextInt(3) + "x".repeat(248);
        }
        if (k < 60) {
            return "\u00e9\u00ff" + r.nextInt(4);
        }
        return "k" + r.nextInt(24);
    }

    /** A key of the numeric family: holds numbers (rarely a word), the only keys incr and decr touch. */
    static String numKey(SplittableRandom r) {
        return "n" + r.nextInt(12);
    }

    static byte[] number(SplittableRandom r) {
        int k = r.nextInt(20);
        return b(k == 0 ? "abc" : k == 1 ? "18446744073709551614" : Integer.toString(r.nextInt(100_000)));
    }

    static byte[] value(SplittableRandom r) {
        int k = r.nextInt(100);
        if (k < 8) {
            return new byte[0];
        }
        if (k < 35) {
            return b(Long.toUnsignedString(r.nextInt(10) == 0 ? -1L - r.nextInt(3) : r.nextInt(100_000)));
        }
        int len = r.nextInt(100) < 97 ? r.nextInt(120) : r.nextInt(65536);
        byte[] v = new byte[len];
        for (int i = 0; i < len; i++) {
            byte c = (byte) r.nextInt(256);
            v[i] = c == '-' ? (byte) '+' : c; // see MINUS_IN_SLAB
        }
        return v;
    }

    /** An exptime that never fires during a run: 0, a day, or negative (expired at once). */
    static String exptime(SplittableRandom r) {
        int k = r.nextInt(10);
        return k < 6 ? "0" : k < 9 ? Integer.toString(86_400 + r.nextInt(1000)) : "-1";
    }

    private final ByteArrayOutputStream history = new ByteArrayOutputStream();
    private long padded;
    /** The last cas unique each side reported per key (see ALLOWED_DIFFERENCES). */
    private final java.util.Map<String, String> casViaProxy = new java.util.HashMap<>();
    private final java.util.Map<String, String> casDirect = new java.util.HashMap<>();

    private static final String CAS_MARK = "#cas#";

    /**
     * The bytes of {@code request} for one side: a cas request's unique is that side's last reported unique of
     * the key (or 0 if none), or a stale one that never matches.
     */
    private static byte[] render(byte[] request, java.util.Map<String, String> casOf) {
        String s = new String(request, StandardCharsets.ISO_8859_1);
        int m = s.indexOf(CAS_MARK);
        if (m < 0) {
            return request;
        }
        String key = s.split(" ")[1];
        String unique = s.startsWith(CAS_MARK + "stale", m) ? "99999999999" : casOf.getOrDefault(key, "0");
        int end = s.indexOf('#', m + CAS_MARK.length()) + 1;
        return b(s.substring(0, m) + unique + s.substring(end));
    }

    /** One random request, as bytes. */
    byte[] request(SplittableRandom r) {
        String nr = r.nextInt(6) == 0 ? " noreply" : "";
        int k = r.nextInt(1000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (k < 300) {
            StringBuilder sb = new StringBuilder(r.nextInt(3) == 0 ? "gets" : "get");
            for (int i = 1 + r.nextInt(r.nextInt(10) == 0 ? 40 : 4); i > 0; i--) {
                sb.append(' ').append(r.nextInt(4) == 0 ? numKey(r) : key(r));
            }
            out.writeBytes(b(sb.append("\r\n").toString()));
        } else if (k < 600) {
            boolean cas = r.nextInt(5) == 0;
            boolean numeric = r.nextInt(3) == 0;
            String store = numeric ? STORE[r.nextInt(3)] : STORE[r.nextInt(STORE.length)]; // no append to numbers
            byte[] v = numeric ? number(r) : value(r);
            String flags = r.nextInt(4) == 0 ? Long.toString(r.nextLong() & 0xffffffffL) : "0";
            out.writeBytes(b((cas ? "cas" : store) + " " + (numeric ? numKey(r) : key(r)) + " " + flags + " "
                    + exptime(r) + " " + v.length + (cas ? " " + CAS_MARK + (r.nextInt(4) == 0 ? "stale#" : "last#") : "") + nr + "\r\n"));
            out.writeBytes(v);
            out.writeBytes(b("\r\n"));
        } else if (k < 750) {
            String delta = r.nextInt(50) == 0 ? "x1" : r.nextInt(10) == 0 ? "18446744073709551615"
                    : Integer.toString(r.nextInt(1000));
            out.writeBytes(b((r.nextBoolean() ? "incr " : "decr ") + numKey(r) + " "
                    + delta + nr + "\r\n"));
        } else if (k < 850) {
            out.writeBytes(b("delete " + (r.nextInt(3) == 0 ? numKey(r) : key(r)) + (r.nextInt(10) == 0 ? " 0" : "") + nr + "\r\n"));
        } else if (k < 990) {
            out.writeBytes(b("touch " + (r.nextInt(3) == 0 ? numKey(r) : key(r)) + " " + exptime(r) + nr + "\r\n"));
        } else if (k < 995) {
            out.writeBytes(b("bogus " + key(r) + "\r\n"));
        } else {
            // a data block longer than declared: memcached's "bad data chunk", then the rest as a line
            byte[] v = value(r);
            out.writeBytes(b("set " + key(r) + " 0 0 " + v.length + "\r\n"));
            out.writeBytes(v);
            out.writeBytes(b("zz\r\n"));
        }
        return out.toByteArray();
    }

    // ---- reading ----

    private static byte[] line(InputStream in, ByteArrayOutputStream all) throws IOException {
        ByteArrayOutputStream l = new ByteArrayOutputStream();
        int c;
        do {
            c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed after " + all.size() + " bytes of a batch's replies");
            }
            l.write(c);
        } while (c != '\n');
        byte[] out = l.toByteArray();
        all.writeBytes(out);
        return out;
    }

    /** Reads a batch's replies up to and including the sentinel's VALUE block and its END. */
    private byte[] readBatch(InputStream in, java.util.Map<String, String> casOf) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (;;) {
            byte[] l = line(in, all);
            if (!Bytes.startsWith(l, "VALUE ")) {
                continue;
            }
            String[] w = new String(l, 0, l.length - 2, StandardCharsets.ISO_8859_1).split(" ");
            int len = Integer.parseInt(w[3]);
            if (w.length > 4) {
                casOf.put(w[1], w[4]);
                w[4] = "C"; // compared without its value (see ALLOWED_DIFFERENCES)
            }
            byte[] data = in.readNBytes(len + 2);
            if (data.length != len + 2) {
                throw new EOFException("connection closed in a value");
            }
            int digits = 0;
            while (digits < len && data[digits] >= '0' && data[digits] <= '9') {
                digits++;
            }
            int end = digits;
            while (end < len && data[end] == ' ') {
                end++;
            }
            byte[] header = all.toByteArray();
            all.reset();
            all.write(header, 0, header.length - l.length);
            if (digits > 0 && end == len && digits < len) {
                // a padded number (see ALLOWED_DIFFERENCES): compared without its padding
                w[3] = Integer.toString(digits);
                all.writeBytes(b(String.join(" ", w) + "\r\n"));
                all.write(data, 0, digits);
                all.writeBytes(b("\r\n"));
                padded++;
            } else {
                all.writeBytes(b(String.join(" ", w) + "\r\n"));
                all.writeBytes(data);
            }
            if (w[1].equals(SENTINEL)) {
                line(in, all); // its END
                return all.toByteArray();
            }
        }
    }

    private static String show(List<byte[]> batch) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < batch.size(); i++) {
            sb.append("\n  #").append(i).append(' ').append(Bytes.label(batch.get(i), 100));
        }
        return sb.toString();
    }

    @Test
    @Timeout(7200)
    void everyReplyThroughTheProxyIsMemcachedsOwn() throws Exception {
        long seed = FuzzConn.seed();
        long total = FuzzConn.commands();
        SplittableRandom r = new SplittableRandom(seed);
        long done = 0;
        long batches = 0;
        long replyBytes = 0;
        long segments = 0;
        long t0 = System.nanoTime();
        long lastReport = t0;
        try (FuzzConn viaProxy = new FuzzConn(port, "proxy"); FuzzConn viaDirect = new FuzzConn(direct.port(), "direct")) {
            byte[] init = b("set " + SENTINEL + " 0 0 3\r\nend\r\n");
            history.writeBytes(init);
            viaProxy.send(init);
            viaDirect.send(init);
            assertEquals("STORED\r\n", new String(line(viaProxy.in, new ByteArrayOutputStream()), StandardCharsets.ISO_8859_1));
            assertEquals("STORED\r\n", new String(line(viaDirect.in, new ByteArrayOutputStream()), StandardCharsets.ISO_8859_1));
            while (done < total) {
                int n = (int) Math.min(total - done, r.nextInt(10) == 0 ? 1 + r.nextInt(500) : 1 + r.nextInt(20));
                List<byte[]> batch = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    batch.add(request(r));
                }
                // segments: a get with an over-long key starts a new one (see ORACLE_SYNC)
                int from = 0;
                while (from < n) {
                    int to = from + 1;
                    while (to < n && !syncBefore(batch.get(to))) {
                        to++;
                    }
                    ByteArrayOutputStream outProxy = new ByteArrayOutputStream();
                    ByteArrayOutputStream outDirect = new ByteArrayOutputStream();
                    for (int i = from; i < to; i++) {
                        outProxy.writeBytes(render(batch.get(i), casViaProxy));
                        outDirect.writeBytes(render(batch.get(i), casDirect));
                    }
                    outProxy.writeBytes(SENTINEL_GET);
                    outDirect.writeBytes(SENTINEL_GET);
                    byte[] bytes = outDirect.toByteArray();
                    if (history.size() < (64 << 20)) {
                        history.writeBytes(bytes);
                    }
                    viaProxy.send(outProxy.toByteArray());
                    viaDirect.send(bytes);
                    byte[] p = readBatch(viaProxy.in, casViaProxy);
                    byte[] d = readBatch(viaDirect.in, casDirect);
                    if (!Arrays.equals(p, d)) {
                        int at = Bytes.firstDifference(p, d);
                        java.nio.file.Path dump = java.nio.file.Files.createTempFile("t4j-memcache-fuzz-", ".bin");
                        java.nio.file.Files.write(dump, history.toByteArray());
                        throw new AssertionError("seed 0x" + Long.toHexString(seed) + ", batch " + batches
                                + " (commands #" + (done + from) + " to #" + (done + to - 1) + ") differs at reply byte "
                                + at + "\n proxy:  " + Bytes.show(p, Math.max(0, at - 120), Math.min(p.length, at + 200))
                                + "\n direct: " + Bytes.show(d, Math.max(0, at - 120), Math.min(d.length, at + 200))
                                + "\n requests:" + show(batch.subList(from, to))
                                + "\n every byte sent so far (this segment's last): " + dump);
                    }
                    replyBytes += p.length;
                    segments++;
                    from = to;
                }
                viaProxy.sent();
                viaDirect.sent();
                done += n;
                batches++;
                long now = System.nanoTime();
                if (now - lastReport > 60_000_000_000L) {
                    lastReport = now;
                    System.out.printf("memcache differential fuzz: %,d of %,d commands%n", done, total);
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("memcache differential fuzz: %,d commands in %,d batches (%,d segments), 0 mismatches"
                + " (%,d reply bytes compared, %,d padded numbers unpadded), seed 0x%x, %.1f s (%.0f commands/s)%n",
                done, batches, segments, replyBytes, padded, seed, secs, done / secs);
        assertEquals(total, done);
    }
}
