package org.twemproxy4j.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator whose every reply can be checked against its own request. Clients pipeline batches of
 * single-key and multi-key commands (redis: SET, GET, MSET, MGET, DEL; memcache: set, get, multi-key get, delete)
 * on keys of their own ({@code c<client>:<n>}). Every value written is a tag {@code c<client>.s<seq>.k<key>.}
 * plus padding, so a value read back names the key it was written under: a reply that belongs to another
 * request (another key, another client, another position in the pipeline) shows up as a wrong key, a wrong
 * reply type, a wrong count or a value from the future, and is recorded as a misdelivery. A request answered by an
 * error is fine (backends die during the run); a client whose connection ends, or that waits for a reply too long,
 * is recorded as a failure. When stopped, each client checks that nothing more arrives (no extra reply).
 *
 * <p>The last {@code cutters} clients are the ones cut on purpose: they send a few requests, check their replies,
 * then send part of a request (or a whole pipeline they will not read) and close, some with a reset, and
 * connect again.
 */
final class ChaosLoad {
    enum Kind { REDIS, MEMCACHE }

    private static final int KEYS_PER_CLIENT = 32;

    private final Kind kind;
    private final int port;
    private final int clients;
    private final int cutters;
    private final long seed;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    final AtomicLong requests = new AtomicLong();     // requests whose reply was read and checked
    final AtomicLong errorReplies = new AtomicLong(); // of which: answered by an error
    final AtomicLong oomReplies = new AtomicLong();   // of which: the backend's out-of-memory error
    final AtomicLong values = new AtomicLong();       // tagged values read back and checked
    final AtomicLong cuts = new AtomicLong();         // connections cut on purpose
    final AtomicLong disconnected = new AtomicLong(); // clients (not cutters) whose connection ended
    private final List<String> failures = new ArrayList<>();

    ChaosLoad(Kind kind, int port, int clients, int cutters, long seed) {
        this.kind = kind;
        this.port = port;
        this.clients = clients;
        this.cutters = cutters;
        this.seed = seed;
    }

    void start() {
        running = true;
        t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            final int id = c;
            boolean cutter = c >= clients - cutters;
            Thread t = new Thread(() -> {
                try {
                    if (cutter) {
                        runCutter(id);
                    } else {
                        runClient(id);
                    }
                } catch (Throwable e) {
                    fail("client " + id + " crashed: " + e);
                }
            }, "chaos-" + id);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    /** Stops the clients after their current batch and waits for them (each checks for stray replies). */
    void stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(60_000);
            if (t.isAlive()) {
                fail(t.getName() + " did not finish");
            }
        }
    }

    private final StringBuilder marks = new StringBuilder();
    private long t0 = System.nanoTime();

    /** Notes the counters at a point of the run (for the log of a failed or slow case). */
    void mark(String what) {
        marks.append(String.format(" | %s t=%dms req=%d err=%d oom=%d", what, (System.nanoTime() - t0) / 1_000_000,
                requests.get(), errorReplies.get(), oomReplies.get()));
    }

    String marks() {
        return marks.toString();
    }

    synchronized List<String> failures() {
        return new ArrayList<>(failures);
    }

    private synchronized void fail(String what) {
        if (failures.size() < 50) {
            failures.add("t=" + (System.nanoTime() - t0) / 1_000_000 + "ms " + what);
        }
    }

    String summary() {
        return kind + ": " + requests.get() + " requests checked (" + errorReplies.get() + " answered by an error, "
                + oomReplies.get() + " of them out of memory), " + values.get() + " tagged values read back, "
                + cuts.get() + " connections cut on purpose, " + disconnected.get() + " unexpected disconnects";
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        s.setTcpNoDelay(true);
        s.setSoTimeout(20_000);
        return s;
    }

    private void runClient(int id) throws IOException {
        Random r = new Random(seed * 1000 + id);
        Client cl = new Client(id, r);
        try (Socket s = connect()) {
            InputStream in = new BufferedInputStream(s.getInputStream(), 32768);
            OutputStream out = s.getOutputStream();
            while (running) {
                int n = 1 + r.nextInt(8);
                ByteArrayOutputStream req = new ByteArrayOutputStream();
                List<Check> checks = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    checks.add(cl.request(req));
                }
                out.write(req.toByteArray());
                out.flush();
                for (Check c : checks) {
                    String bad = readAndCheck(in, c, cl);
                    if (bad != null) {
                        fail("client " + id + " misdelivered reply: " + bad);
                        return;            // the stream can no longer be trusted
                    }
                    requests.incrementAndGet();
                }
            }
            // every request had its reply; nothing more may come
            s.setSoTimeout(300);
            try {
                int b = in.read();
                fail("client " + id + ": " + (b < 0 ? "closed by the proxy at the end" : "an extra reply byte " + b));
            } catch (SocketTimeoutException expected) {
                // quiet: exactly one reply per request
            }
        } catch (IOException e) {
            disconnected.incrementAndGet();
            fail("client " + id + " lost its connection: " + e);
        }
    }

    private void runCutter(int id) throws InterruptedException {
        Random r = new Random(seed * 1000 + id);
        Client cl = new Client(id, r);
        while (running) {
            try (Socket s = connect()) {
                InputStream in = new BufferedInputStream(s.getInputStream(), 32768);
                OutputStream out = s.getOutputStream();
                int full = r.nextInt(4);
                ByteArrayOutputStream req = new ByteArrayOutputStream();
                List<Check> checks = new ArrayList<>();
                for (int i = 0; i < full; i++) {
                    checks.add(cl.request(req));
                }
                out.write(req.toByteArray());
                out.flush();
                for (Check c : checks) {
                    String bad = readAndCheck(in, c, cl);
                    if (bad != null) {
                        fail("cut client " + id + " misdelivered reply: " + bad);
                        return;
                    }
                    requests.incrementAndGet();
                }
                // now the cut: part of a request, or whole requests whose replies are never read
                ByteArrayOutputStream tail = new ByteArrayOutputStream();
                int more = 1 + r.nextInt(3);
                for (int i = 0; i < more; i++) {
                    cl.request(tail);
                }
                byte[] t = tail.toByteArray();
                int len = r.nextBoolean() ? 1 + r.nextInt(t.length - 1) : t.length;
                out.write(t, 0, len);
                out.flush();
                if (r.nextBoolean()) {
                    s.setSoLinger(true, 0);     // a reset instead of a FIN
                }
                cuts.incrementAndGet();
            } catch (IOException e) {
                fail("cut client " + id + " failed before its cut: " + e);
                Thread.sleep(50);
            }
        }
    }

    /** One request's expected reply. */
    private record Check(char type, String[] keys, int seqAtSend) {
    }

    /** A client's key space, sequence numbers and request builder. */
    private final class Client {
        final int id;
        final Random r;
        int seq;

        Client(int id, Random r) {
            this.id = id;
            this.r = r;
        }

        String key(int n) {
            return "c" + id + ":" + n;
        }

        String[] keys(int n) {
            int start = r.nextInt(KEYS_PER_CLIENT);
            String[] k = new String[n];
            for (int i = 0; i < n; i++) {
                k[i] = key((start + i * 7) % KEYS_PER_CLIENT);  // distinct keys
            }
            return k;
        }

        byte[] value(String key) {
            StringBuilder sb = new StringBuilder("c").append(id).append(".s").append(seq).append(".k").append(key).append('.');
            int pad = r.nextInt(50) == 0 ? 20_000 + r.nextInt(20_000) : r.nextInt(200);
            for (int i = 0; i < pad; i++) {
                sb.append((char) ('a' + (i % 26)));
            }
            return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        Check request(ByteArrayOutputStream out) {
            seq++;
            int c = r.nextInt(100);
            if (kind == Kind.REDIS) {
                if (c < 30) {
                    String k = keys(1)[0];
                    resp(out, bytes("SET"), bytes(k), value(k));
                    return new Check('S', new String[] {k}, seq);
                } else if (c < 60) {
                    String[] k = keys(1);
                    resp(out, bytes("GET"), bytes(k[0]));
                    return new Check('G', k, seq);
                } else if (c < 75) {
                    String[] k = keys(2 + r.nextInt(4));
                    byte[][] a = new byte[1 + 2 * k.length][];
                    a[0] = bytes("MSET");
                    for (int i = 0; i < k.length; i++) {
                        a[1 + 2 * i] = bytes(k[i]);
                        a[2 + 2 * i] = value(k[i]);
                    }
                    resp(out, a);
                    return new Check('S', k, seq);
                } else if (c < 92) {
                    String[] k = keys(2 + r.nextInt(5));
                    resp(out, withCommand("MGET", k));
                    return new Check('M', k, seq);
                } else {
                    String[] k = keys(1 + r.nextInt(4));
                    resp(out, withCommand("DEL", k));
                    return new Check('D', k, seq);
                }
            }
            if (c < 35) {
                String k = keys(1)[0];
                byte[] v = value(k);
                out.writeBytes(bytes("set " + k + " 0 0 " + v.length + "\r\n"));
                out.writeBytes(v);
                out.writeBytes(bytes("\r\n"));
                return new Check('T', new String[] {k}, seq);
            } else if (c < 92) {
                String[] k = keys(c < 65 ? 1 : 2 + r.nextInt(5));
                out.writeBytes(bytes("get " + String.join(" ", k) + "\r\n"));
                return new Check('V', k, seq);
            } else {
                String[] k = keys(1);
                out.writeBytes(bytes("delete " + k[0] + "\r\n"));
                return new Check('X', k, seq);
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[][] withCommand(String cmd, String[] keys) {
        byte[][] a = new byte[1 + keys.length][];
        a[0] = bytes(cmd);
        for (int i = 0; i < keys.length; i++) {
            a[1 + i] = bytes(keys[i]);
        }
        return a;
    }

    private static void resp(ByteArrayOutputStream out, byte[]... args) {
        out.writeBytes(bytes("*" + args.length + "\r\n"));
        for (byte[] a : args) {
            out.writeBytes(bytes("$" + a.length + "\r\n"));
            out.writeBytes(a);
            out.writeBytes(bytes("\r\n"));
        }
    }

    /** Reads one reply and returns null when it answers {@code c}, or what is wrong with it. */
    private String readAndCheck(InputStream in, Check c, Client cl) throws IOException {
        return kind == Kind.REDIS ? checkRedis(in, c, cl) : checkMemcache(in, c, cl);
    }

    private String error(String line) {
        errorReplies.incrementAndGet();
        if (line.contains("OOM") || line.contains("out of memory")) {
            oomReplies.incrementAndGet();
        }
        return null;
    }

    private String checkRedis(InputStream in, Check c, Client cl) throws IOException {
        String line = line(in);
        if (line.startsWith("-")) {
            return error(line);
        }
        switch (c.type()) {
            case 'S':
                return line.equals("+OK") ? null : "expected +OK, got " + line;
            case 'D': {
                if (!line.startsWith(":")) {
                    return "expected an integer for DEL of " + c.keys().length + ", got " + line;
                }
                long n = Long.parseLong(line.substring(1));
                return n >= 0 && n <= c.keys().length ? null : "DEL of " + c.keys().length + " keys answered " + line;
            }
            case 'G':
                return bulk(in, line, c.keys()[0], c, cl);
            default: {
                if (!line.equals("*" + c.keys().length)) {
                    return "MGET of " + c.keys().length + " keys answered " + line;
                }
                for (String k : c.keys()) {
                    String bad = bulk(in, line(in), k, c, cl);
                    if (bad != null) {
                        return bad;
                    }
                }
                return null;
            }
        }
    }

    private String bulk(InputStream in, String line, String key, Check c, Client cl) throws IOException {
        if (line.equals("$-1")) {
            return null;
        }
        if (!line.startsWith("$")) {
            return "expected a bulk for " + key + ", got " + line;
        }
        byte[] v = exactly(in, Integer.parseInt(line.substring(1)) + 2);
        return tag(v, v.length - 2, key, c, cl);
    }

    /** Checks a value read back for {@code key}: written by this client, under this key, before this request. */
    private String tag(byte[] v, int len, String key, Check c, Client cl) {
        values.incrementAndGet();
        String s = new String(v, 0, Math.min(len, 80), StandardCharsets.ISO_8859_1);
        String prefix = "c" + cl.id + ".s";
        int k = s.indexOf(".k");
        if (!s.startsWith(prefix) || k < 0) {
            return "value for " + key + " is not this client's: " + s;
        }
        int seq = Integer.parseInt(s.substring(prefix.length(), k));
        if (!s.startsWith(key + ".", k + 2)) {
            return "value read for " + key + " was written for another key: " + s;
        }
        if (seq >= c.seqAtSend()) {
            return "value read for " + key + " by request " + c.seqAtSend() + " was written later: " + s;
        }
        return null;
    }

    private String checkMemcache(InputStream in, Check c, Client cl) throws IOException {
        String line = line(in);
        if (line.startsWith("SERVER_ERROR") || line.startsWith("CLIENT_ERROR") || line.equals("ERROR")) {
            return error(line);
        }
        switch (c.type()) {
            case 'T':
                return line.equals("STORED") ? null : "expected STORED, got " + line;
            case 'X':
                return line.equals("DELETED") || line.equals("NOT_FOUND") ? null : "expected DELETED, got " + line;
            default: {
                // each key asked for at most once; not necessarily in the order asked (nutcracker's coalescing of
                // a multi-key get reorders the values when some keys are missing, and twemproxy4j does the same)
                boolean[] seen = new boolean[c.keys().length];
                while (!line.equals("END")) {
                    String[] f = line.split(" ");
                    if (f.length != 4 || !f[0].equals("VALUE")) {
                        return "expected VALUE or END for get " + String.join(" ", c.keys()) + ", got " + line;
                    }
                    int i = java.util.Arrays.asList(c.keys()).indexOf(f[1]);
                    if (i < 0 || seen[i]) {
                        return "VALUE " + f[1] + " not asked for (or twice) in get " + String.join(" ", c.keys());
                    }
                    seen[i] = true;
                    int len = Integer.parseInt(f[3]);
                    byte[] v = exactly(in, len + 2);
                    String bad = tag(v, len, f[1], c, cl);
                    if (bad != null) {
                        return bad;
                    }
                    line = line(in);
                }
                return null;
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed after " + sb.length() + " bytes of a reply line");
            }
            if (prev == '\r' && b == '\n') {
                sb.setLength(sb.length() - 1);
                return sb.toString();
            }
            sb.append((char) b);
            prev = b;
        }
    }

    private static byte[] exactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("closed after " + b.length + " of " + n + " bytes of a value");
        }
        return b;
    }
}
