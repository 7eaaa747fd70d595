import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load of bench/soak: a single-file program (run with {@code java SoakLoad.java ...}, no build) that drives a
 * redis pool and a memcache pool of one proxy with a mixed, pipelined, rate-limited load for a given time.
 *
 * <pre>
 *   java SoakLoad.java REDIS_PORT MEMCACHE_PORT SECONDS RATE CONNS
 * </pre>
 *
 * Each of CONNS redis threads and CONNS/2 memcache threads sends batches of 1 to 16 commands (SET, GET, MSET,
 * MGET, DEL, INCR; memcache set, get, multi-get, delete) over a bounded key space (so the backends' memory stays
 * flat), with values from 1 byte to 64 KiB, and reconnects every 200 to 2000 batches (connection churn). The
 * total is held to RATE commands/s. Replies are read in full and error replies counted; a reply of the wrong
 * type, or a lost connection, counts as a failure. Prints one line every 10 s and a summary; exits 1 on failures.
 */
public final class SoakLoad {
    static final int KEYS = 20_000;
    static final AtomicLong OPS = new AtomicLong();
    static final AtomicLong ERR_REPLIES = new AtomicLong();
    static final AtomicLong FAILURES = new AtomicLong();
    static final AtomicLong RECONNECTS = new AtomicLong();
    static volatile long deadline;
    static double perThreadRate;

    public static void main(String[] args) throws Exception {
        int redisPort = Integer.parseInt(args[0]);
        int mcPort = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        int rate = Integer.parseInt(args[3]);
        int conns = Integer.parseInt(args[4]);
        deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int mcConns = Math.max(1, conns / 2);
        perThreadRate = (double) rate / (conns + mcConns);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            threads.add(new Thread(() -> run(redisPort, true), "redis-" + i));
        }
        for (int i = 0; i < mcConns; i++) {
            threads.add(new Thread(() -> run(mcPort, false), "mc-" + i));
        }
        threads.forEach(Thread::start);
        long start = System.nanoTime();
        long last = 0;
        while (threads.stream().anyMatch(Thread::isAlive)) {
            Thread.sleep(10_000);
            long ops = OPS.get();
            System.out.printf("load t=%ds ops=%d rate=%d/s err_replies=%d failures=%d reconnects=%d%n",
                    (System.nanoTime() - start) / 1_000_000_000L, ops, (ops - last) / 10, ERR_REPLIES.get(),
                    FAILURES.get(), RECONNECTS.get());
            last = ops;
        }
        System.out.printf("load done: ops=%d err_replies=%d failures=%d reconnects=%d%n", OPS.get(),
                ERR_REPLIES.get(), FAILURES.get(), RECONNECTS.get());
        System.exit(FAILURES.get() == 0 ? 0 : 1);
    }

    static void run(int port, boolean redis) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long sent = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(30_000);
                s.setTcpNoDelay(true);
                OutputStream out = s.getOutputStream();
                InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
                int batches = 200 + r.nextInt(1800);
                for (int b = 0; b < batches && System.nanoTime() < deadline; b++) {
                    int n = 1 + r.nextInt(16);
                    ByteArrayOutputStream req = new ByteArrayOutputStream();
                    char[] kinds = new char[n];
                    for (int i = 0; i < n; i++) {
                        kinds[i] = redis ? redisCommand(req, r) : memcacheCommand(req, r);
                    }
                    out.write(req.toByteArray());
                    out.flush();
                    for (int i = 0; i < n; i++) {
                        if (redis) {
                            readRedis(in, kinds[i]);
                        } else {
                            readMemcache(in, kinds[i]);
                        }
                    }
                    OPS.addAndGet(n);
                    sent += n;
                    // hold this thread to its share of the rate
                    long due = t0 + (long) (sent / perThreadRate * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    }
                }
                RECONNECTS.incrementAndGet();
            } catch (IOException e) {
                FAILURES.incrementAndGet();
                System.out.println("failure on " + Thread.currentThread().getName() + ": " + e);
                sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    static String key(ThreadLocalRandom r) {
        return "soak:" + r.nextInt(KEYS);
    }

    static byte[] value(ThreadLocalRandom r) {
        int len = r.nextInt(100) < 95 ? 1 + r.nextInt(512) : 1 + r.nextInt(65536);
        byte[] v = new byte[len];
        r.nextBytes(v);
        return v;
    }

    /** Appends one redis command; returns the reply kind expected: S status, B bulk, A array, I integer. */
    static char redisCommand(ByteArrayOutputStream out, ThreadLocalRandom r) {
        int c = r.nextInt(100);
        if (c < 30) {
            resp(out, "SET".getBytes(), key(r).getBytes(), value(r));
            return 'S';
        } else if (c < 65) {
            resp(out, "GET".getBytes(), key(r).getBytes());
            return 'B';
        } else if (c < 75) {
            int n = 2 + r.nextInt(8);
            byte[][] a = new byte[1 + 2 * n][];
            a[0] = "MSET".getBytes();
            for (int i = 0; i < n; i++) {
                a[1 + 2 * i] = key(r).getBytes();
                a[2 + 2 * i] = value(r);
            }
            resp(out, a);
            return 'S';
        } else if (c < 90) {
            int n = 2 + r.nextInt(15);
            byte[][] a = new byte[1 + n][];
            a[0] = "MGET".getBytes();
            for (int i = 0; i < n; i++) {
                a[1 + i] = key(r).getBytes();
            }
            resp(out, a);
            return 'A';
        } else if (c < 96) {
            int n = 1 + r.nextInt(4);
            byte[][] a = new byte[1 + n][];
            a[0] = "DEL".getBytes();
            for (int i = 0; i < n; i++) {
                a[1 + i] = key(r).getBytes();
            }
            resp(out, a);
            return 'I';
        } else {
            resp(out, "INCR".getBytes(), ("soak:ctr:" + r.nextInt(100)).getBytes());
            return 'I';
        }
    }

    static void resp(ByteArrayOutputStream out, byte[]... args) {
        out.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            out.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(a);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    static void readRedis(InputStream in, char kind) throws IOException {
        String line = line(in);
        char t = line.charAt(0);
        if (t == '-') {
            ERR_REPLIES.incrementAndGet();
            return;
        }
        boolean ok = switch (kind) {
            case 'S' -> t == '+';
            case 'B' -> t == '$';
            case 'A' -> t == '*';
            default -> t == ':';
        };
        if (!ok) {
            throw new IOException("unexpected reply " + line + " for a command expecting " + kind);
        }
        skipRedisBody(in, line);
    }

    static void skipRedisBody(InputStream in, String line) throws IOException {
        char t = line.charAt(0);
        if (t == '$') {
            int len = Integer.parseInt(line.substring(1));
            if (len >= 0) {
                skip(in, len + 2);
            }
        } else if (t == '*') {
            int n = Integer.parseInt(line.substring(1));
            for (int i = 0; i < n; i++) {
                skipRedisBody(in, line(in));
            }
        }
    }

    /** Appends one memcache command; returns the kind: T stored, V retrieval, D delete. */
    static char memcacheCommand(ByteArrayOutputStream out, ThreadLocalRandom r) {
        int c = r.nextInt(100);
        if (c < 35) {
            byte[] v = value(r);
            out.writeBytes(("set " + key(r) + " 0 0 " + v.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(v);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            return 'T';
        } else if (c < 90) {
            int n = c < 70 ? 1 : 2 + r.nextInt(15);
            StringBuilder sb = new StringBuilder("get");
            for (int i = 0; i < n; i++) {
                sb.append(' ').append(key(r));
            }
            out.writeBytes(sb.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            return 'V';
        } else {
            out.writeBytes(("delete " + key(r) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            return 'D';
        }
    }

    static void readMemcache(InputStream in, char kind) throws IOException {
        while (true) {
            String line = line(in);
            if (line.startsWith("SERVER_ERROR") || line.startsWith("CLIENT_ERROR") || line.equals("ERROR")) {
                ERR_REPLIES.incrementAndGet();
                return;
            }
            switch (kind) {
                case 'T' -> {
                    if (!line.equals("STORED")) {
                        throw new IOException("unexpected reply to set: " + line);
                    }
                    return;
                }
                case 'D' -> {
                    if (!line.equals("DELETED") && !line.equals("NOT_FOUND")) {
                        throw new IOException("unexpected reply to delete: " + line);
                    }
                    return;
                }
                default -> {
                    if (line.equals("END")) {
                        return;
                    }
                    if (!line.startsWith("VALUE ")) {
                        throw new IOException("unexpected reply to get: " + line);
                    }
                    String[] f = line.split(" ");
                    skip(in, Integer.parseInt(f[3]) + 2);
                }
            }
        }
    }

    static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("closed mid-reply");
            }
            if (prev == '\r' && c == '\n') {
                sb.setLength(sb.length() - 1);
                return sb.toString();
            }
            sb.append((char) c);
            prev = c;
        }
    }

    static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long k = in.skip(n);
            if (k <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("closed mid-value");
                }
                k = 1;
            }
            n -= k;
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
