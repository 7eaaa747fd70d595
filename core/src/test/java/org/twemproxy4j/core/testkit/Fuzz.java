package org.twemproxy4j.core.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * Seeded fuzzing support for the protocol parsers' property tests: reproducible per-case seeds, the ways a
 * stream is cut into reads, mutations of a valid stream and pure garbage, and a runner that fails (naming the
 * case's seed) on any exception, and on a case that does not finish in time (a parser loop within one call).
 *
 * <p>Every case is a function of its own seed ({@link #caseSeed}), so a failure is replayed from that one
 * number. System properties: {@code fuzz.cases} (cases per test; the fast slice otherwise), {@code fuzz.seed}
 * (the base seed; otherwise a fixed one, so {@code mvn verify} is deterministic), {@code fuzz.case} (replay one
 * case seed only).
 */
public final class Fuzz {
    /** The base seed of the fast slice. */
    public static final long DEFAULT_SEED = 0x7F4A7C15_2545F491L;

    private Fuzz() {
    }

    /** Cases to run: {@code -Dfuzz.cases}, else {@code dflt}. */
    public static long cases(long dflt) {
        String v = System.getProperty("fuzz.cases", "");
        return v.isBlank() ? dflt : Long.parseLong(v.trim().replace("_", ""));
    }

    /** The base seed: {@code -Dfuzz.seed}, else {@link #DEFAULT_SEED}. */
    public static long baseSeed() {
        String v = System.getProperty("fuzz.seed", "");
        return v.isBlank() ? DEFAULT_SEED : Long.decode(v.trim());
    }

    /** The seed of case {@code i} of a run from {@code base} (a splitmix64 step: independent streams). */
    public static long caseSeed(long base, long i) {
        long z = base + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Runs {@code n} cases of {@code body} (given each case's seed) on a worker thread. Fails with the seed of
     * the first case that throws, or of a case still running after {@code stuckMs}. Returns the cases run.
     * With {@code -Dfuzz.case=<seed>} runs that one case only.
     */
    public static long run(String name, long n, long stuckMs, LongConsumer body) {
        String one = System.getProperty("fuzz.case", "");
        long base = baseSeed();
        AtomicLong done = new AtomicLong();
        AtomicLong current = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> failedSeed = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            long i = 0;
            try {
                if (!one.isBlank()) {
                    long s = Long.decode(one.trim());
                    current.set(s);
                    body.accept(s);
                    done.incrementAndGet();
                    return;
                }
                for (; i < n; i++) {
                    long s = caseSeed(base, i);
                    current.set(s);
                    body.accept(s);
                    done.incrementAndGet();
                }
            } catch (Throwable t) {
                failedSeed.set(hex(current.get()));
                failure.set(t);
            }
        }, "fuzz-" + name);
        worker.setDaemon(true);
        long t0 = System.nanoTime();
        worker.start();
        long lastDone = -1;
        long lastProgress = System.nanoTime();
        long lastReport = t0;
        try {
            while (worker.isAlive()) {
                worker.join(200);
                long d = done.get();
                long now = System.nanoTime();
                if (d != lastDone) {
                    lastDone = d;
                    lastProgress = now;
                } else if (now - lastProgress > stuckMs * 1_000_000L && worker.isAlive()) {
                    throw new AssertionError(name + ": case seed " + hex(current.get()) + " has run for over "
                            + stuckMs + " ms (a parser loop?); replay with -Dfuzz.case=" + hex(current.get()));
                }
                if (now - lastReport > 60_000_000_000L) {
                    lastReport = now;
                    System.out.printf("%s: %,d of %,d cases, %.0f s%n", name, d, n, (now - t0) / 1e9);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(name + " interrupted at case seed " + hex(current.get()), e);
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError(name + ": case seed " + failedSeed.get() + " failed after " + done.get()
                    + " good cases; replay with -Dfuzz.case=" + failedSeed.get() + ": " + t, t);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: %,d cases passed in %.1f s (%.0f cases/s), base seed %s%n", name, done.get(), secs,
                done.get() / Math.max(secs, 1e-9), hex(base));
        return done.get();
    }

    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // ---- reads: where a stream is cut ----

    /**
     * Cut points for reads of {@code len} bytes, in one of several styles: reads of 512 B to 16 KiB, reads of
     * one byte, reads of 1 to 64 bytes, a single cut at a random point, or reads ending just around the
     * multiples of the mbuf size (where a token straddles two mbufs).
     */
    public static List<Integer> cuts(SplittableRandom r, int len, int mbufSize) {
        List<Integer> c = new ArrayList<>();
        if (len <= 1) {
            return c;
        }
        switch (r.nextInt(5)) {
            case 0:
                for (int p = 512 + r.nextInt(16384 - 512 + 1); p < len; p += 512 + r.nextInt(16384 - 512 + 1)) {
                    c.add(p);
                }
                break;
            case 1: // one byte per read (long streams: the first and last 4 KiB of them)
                for (int p = 1; p < len; p++) {
                    c.add(p);
                    if (p == 4096 && len > 8192) {
                        p = len - 4096;
                    }
                }
                break;
            case 2:
                for (int p = 1 + r.nextInt(64); p < len; p += 1 + r.nextInt(64)) {
                    c.add(p);
                }
                break;
            case 3:
                c.add(1 + r.nextInt(len - 1));
                break;
            default:
                for (int p = Math.max(1, mbufSize - r.nextInt(8)); p < len; p += Math.max(1, mbufSize - r.nextInt(8))) {
                    c.add(p);
                }
                break;
        }
        return c;
    }

    /** An mbuf size: the smallest (512), the default (16 KiB), or any size between. */
    public static int mbufSize(SplittableRandom r) {
        switch (r.nextInt(4)) {
            case 0:
                return 512;
            case 1:
                return 16384;
            default:
                return 512 + r.nextInt(16384 - 512 + 1);
        }
    }

    // ---- mutations and garbage ----

    /** Bytes a protocol gives meaning to, most likely to reach unusual parser states. */
    private static final byte[][] TOKENS = ascii("\r\n", "\r", "\n", "*", "$", ":", "+", "-", " ", "\"", "'",
            "\\", "\0", "0", "-1", "9", "*-1\r\n", "$-1\r\n", "*0\r\n", "$0\r\n\r\n", "99999999999999999999",
            "*2147483648\r\n", "$536870913\r\n", "-0", "\\x4", "\\xzz", "noreply", "VALUE ", "END\r\n",
            "get ", "set k 0 0 ", "cas ", "incr ", "\r\r\n", "  ", "*1\r\n$3\r\nGET\r\n", "STORED\r\n");

    private static byte[][] ascii(String... s) {
        byte[][] out = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return out;
    }

    /** {@code data} with 1 to 4 random edits: byte flips, inserted tokens or bytes, deleted, repeated or cut ranges. */
    public static byte[] mutate(SplittableRandom r, byte[] data) {
        byte[] d = data;
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int len = d.length;
            int at = len == 0 ? 0 : r.nextInt(len + 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream(len + 64);
            switch (r.nextInt(7)) {
                case 0: // change one byte
                    if (len == 0) {
                        out.write(r.nextInt(256));
                    } else {
                        out.write(d, 0, len);
                        byte[] b = out.toByteArray();
                        int i = r.nextInt(len);
                        b[i] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) (b[i] ^ (1 << r.nextInt(8)));
                        d = b;
                        continue;
                    }
                    break;
                case 1: // insert a token
                    out.write(d, 0, at);
                    out.writeBytes(TOKENS[r.nextInt(TOKENS.length)]);
                    out.write(d, at, len - at);
                    break;
                case 2: // insert random bytes
                    out.write(d, 0, at);
                    for (int k = 1 + r.nextInt(8); k > 0; k--) {
                        out.write(r.nextInt(256));
                    }
                    out.write(d, at, len - at);
                    break;
                case 3: { // delete a range
                    int n = Math.min(len - at, 1 + r.nextInt(16));
                    out.write(d, 0, at);
                    out.write(d, at + n, len - at - n);
                    break;
                }
                case 4: { // repeat a range
                    int n = Math.min(len - at, 1 + r.nextInt(64));
                    out.write(d, 0, at + n);
                    out.write(d, at, len - at);
                    break;
                }
                case 5: // truncate
                    out.write(d, 0, at);
                    break;
                default: // replace a digit run's digit with a big number
                    out.write(d, 0, at);
                    out.writeBytes(Long.toString(r.nextLong()).getBytes(StandardCharsets.ISO_8859_1));
                    out.write(d, at, len - at);
                    break;
            }
            d = out.toByteArray();
        }
        return d;
    }

    /** Pure garbage: random bytes, random protocol tokens, or a mix, up to {@code max} bytes. */
    public static byte[] garbage(SplittableRandom r, int max) {
        int len = r.nextInt(max + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 32);
        int style = r.nextInt(3);
        while (out.size() < len) {
            if (style == 0 || (style == 2 && r.nextBoolean())) {
                out.write(r.nextInt(256));
            } else {
                out.writeBytes(TOKENS[r.nextInt(TOKENS.length)]);
            }
        }
        return out.toByteArray();
    }

    /** Random bytes (any of 256) of {@code len}. */
    public static byte[] bytes(SplittableRandom r, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** A length: mostly short, sometimes up to a few KiB, rarely up to {@code big}. */
    public static int length(SplittableRandom r, int big) {
        int k = r.nextInt(100);
        if (k < 70) {
            return r.nextInt(16);
        }
        if (k < 98) {
            return r.nextInt(600);
        }
        return r.nextInt(big + 1);
    }
}
