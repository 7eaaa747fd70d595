package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.twemproxy4j.it.ChaosLoad.Kind;
import org.twemproxy4j.it.fixture.ManagedProcess;
import org.twemproxy4j.it.fixture.MemcachedServer;
import org.twemproxy4j.it.fixture.NutcrackerProcess;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.ProxyProcess;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;
import org.twemproxy4j.stats.StatsPoolField;

/**
 * Chaos with tagged replies: {@link ChaosLoad} (100 pipelining clients, 10 of them cut on purpose again and
 * again) runs through twemproxy4j over two real backends while the test, in cycles: closes the proxy's server
 * connections from the backend side (redis: {@code CLIENT KILL TYPE normal}; memcached has no such command, so
 * its sockets are destroyed with {@code ss -K}), SIGSTOPs a backend for longer than the pool's {@code timeout}
 * and SIGCONTs it, SIGKILLs the other backend and restarts it on its port, and fills a backend's memory (redis:
 * {@code maxmemory} below its use with {@code noeviction}, writes get -OOM; memcached: {@code -M} and a filler
 * until it answers out of memory), then frees it.
 *
 * <p>Passes when every request got exactly one reply that answers it (its value or an error, checked by tag), no
 * client other than the cut ones lost its connection, the proxy is still up and serves again, and it returns to
 * idle: no client connection and empty server queues in the stats JSON (proxy as a process), and also no
 * message or mbuf in use (proxy in this JVM, where the core's counters can be read).
 *
 * <p>Each case runs one fault cycle (about 5 s); {@code -Dchaos.seconds=N} repeats cycles for N seconds per case.
 */
class ChaosIT {
    private static final int TIMEOUT_MS = 400;
    private static final long RUN_MS = Long.getLong("chaos.seconds", 0) * 1000;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(Kind.REDIS, false, false),
                Arguments.of(Kind.REDIS, true, false),
                Arguments.of(Kind.MEMCACHE, false, false),
                Arguments.of(Kind.MEMCACHE, true, false),
                Arguments.of(Kind.REDIS, true, true),
                Arguments.of(Kind.MEMCACHE, false, true));
    }

    @ParameterizedTest(name = "{0} auto_eject_hosts={1} inProcess={2}")
    @MethodSource("cases")
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void everyRequestGetsExactlyItsOwnReplyWhileBackendsMisbehave(Kind kind, boolean eject, boolean inProcess)
            throws Exception {
        Backend a = start(kind);
        Backend b = start(kind);
        int listen = Ports.free();
        String yaml = "chaos:\n  listen: 127.0.0.1:" + listen + "\n  redis: " + (kind == Kind.REDIS)
                + "\n  hash: fnv1a_64\n  distribution: ketama\n  timeout: " + TIMEOUT_MS
                + "\n  server_connections: 1\n  auto_eject_hosts: " + eject
                + "\n  server_failure_limit: 2\n  server_retry_timeout: 1000\n  preconnect: false\n  servers:\n"
                + "   - " + a.address() + ":1 a\n   - " + b.address() + ":1 b\n";
        try (Proxy proxy = inProcess ? new InProcess(yaml) : new AsProcess(yaml)) {
            ChaosLoad load = new ChaosLoad(kind, listen, 100, 10, kind.ordinal() * 10 + (eject ? 1 : 0));
            load.start();
            long start = System.nanoTime();
            int cycles = 0;
            long fullErrors = 0;
            do {
                fullErrors += cycle(a, b, load);
                cycles++;
            } while (System.nanoTime() - start < RUN_MS * 1_000_000L);
            load.stop();
            String summary = load.summary() + "; auto_eject_hosts=" + eject + ", " + (inProcess ? "in-process" : "process")
                    + ", " + cycles + " fault cycles in " + (System.nanoTime() - start) / 1_000_000 + " ms, "
                    + fullErrors + " errors while a backend was full";
            System.out.println("chaos: " + summary + "\n  " + load.marks());

            List<String> failures = load.failures();
            assertTrue(failures.isEmpty(), summary + "\n" + String.join("\n", failures));
            assertEquals(0, load.disconnected.get(), summary);
            assertTrue(load.requests.get() > 2000, "too little load to judge: " + summary);
            assertTrue(load.errorReplies.get() > 0, "the faults produced no error reply: " + summary);
            assertTrue(load.values.get() > 0, "no value read back: " + summary);
            assertTrue(load.cuts.get() > 10, "too few cut clients: " + summary);
            // redis: -OOM is a server failure, answered "-ERR Invalid argument" as nutcracker does; memcached's
            // "SERVER_ERROR out of memory" is passed through
            // (the window is sampled by the fault cycle; an out-of-memory reply counted by the load itself shows it too)
            assertTrue(fullErrors > 0 || load.oomReplies.get() > 0, "no error while a backend was full: " + summary);
            assertTrue(proxy.alive(), "the proxy died: " + summary);
            awaitServing(kind, listen);
            proxy.awaitIdle();
        } finally {
            a.close();
            b.close();
        }
    }

    /**
     * The misdelivery the chaos run found: a -OOM reply (a server failure) closes the server connection, and the
     * replies already read behind it must not be handed to the requests that follow (each of them gets the
     * error, as from nutcracker 0.5.0), byte for byte the same as nutcracker.
     */
    @org.junit.jupiter.api.Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void repliesReadAfterAFailureReplyAreNotDeliveredToOtherRequests() throws Exception {
        RedisServer redis = RedisServer.start("--maxmemory-policy", "noeviction");
        try {
            redis.command("SET", "there", "v");
            assertTrue(redis.command("CONFIG", "SET", "maxmemory", "1").startsWith("+OK"));
            String yaml = "f:\n  listen: 127.0.0.1:%d\n  redis: true\n  timeout: 2000\n  servers:\n   - "
                    + redis.address() + ":1\n";
            byte[] pipeline = concat(Resp.command("SET", "a", "b"), Resp.command("GET", "there"),
                    Resp.command("SET", "c", "d"), Resp.command("GET", "there"));
            String[] got = new String[2];
            for (int i = 0; i < 2; i++) {
                int listen = Ports.free();
                String y = String.format(yaml, listen);
                try (ProxyProcess p = i == 0 ? NutcrackerProcess.start(y) : Twemproxy4jProcess.start(y);
                        Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listen), 2000);
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(pipeline);
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    StringBuilder sb = new StringBuilder();
                    for (int r = 0; r < 4; r++) {
                        sb.append(new String(Resp.readReply(in), StandardCharsets.ISO_8859_1));
                    }
                    got[i] = sb.toString();
                }
            }
            String err = "-ERR Invalid argument\r\n";
            assertEquals(err.repeat(4), got[0], "nutcracker");
            assertEquals(got[0], got[1], "twemproxy4j answers as nutcracker");
        } finally {
            redis.close();
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** One round of every fault, about 5 s; returns the error replies seen while a backend was full. */
    private static long cycle(Backend a, Backend b, ChaosLoad load) throws Exception {
        Thread.sleep(300);
        load.mark("start");
        for (int i = 0; i < 3; i++) {
            b.closeServerSide();
            Thread.sleep(300);
        }
        load.mark("server-side closes");
        b.pause();
        Thread.sleep(3L * TIMEOUT_MS);
        b.resume();
        load.mark("paused");
        Thread.sleep(300);
        a.kill();
        Thread.sleep(300);
        a.restart();
        load.mark("killed");
        Thread.sleep(500);
        a.fillMemory();
        load.mark("filled");
        long before = load.errorReplies.get();
        Thread.sleep(800);
        long during = load.errorReplies.get() - before;
        a.freeMemory();
        load.mark("full");
        Thread.sleep(700);
        load.mark("end");
        return during;
    }

    /** A fresh client gets a non-error reply for keys on both servers again within 15 s. */
    private static void awaitServing(Kind kind, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String last = "";
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                InputStream in = new BufferedInputStream(s.getInputStream());
                boolean ok = true;
                for (int i = 0; i < 20 && ok; i++) {
                    String k = "after:" + i;
                    if (kind == Kind.REDIS) {
                        out.write(("*3\r\n$3\r\nSET\r\n$" + k.length() + "\r\n" + k + "\r\n$1\r\nv\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                    } else {
                        out.write(("set " + k + " 0 0 1\r\nv\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    }
                    out.flush();
                    last = line(in);
                    ok = last.equals("+OK") || last.equals("STORED");
                }
                if (ok) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the proxy does not serve again after the faults; last reply: " + last);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("closed");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------------ the proxy

    private interface Proxy extends Closeable {
        boolean alive();

        /** Waits until the proxy holds no client connection and no queued request (and no message or mbuf). */
        void awaitIdle() throws Exception;
    }

    private static final class AsProcess implements Proxy {
        private static final Pattern CLIENTS = Pattern.compile("\"client_connections\":(\\d+)");
        private static final Pattern QUEUES = Pattern.compile("\"(?:in|out)_queue(?:_bytes)?\":(\\d+)");
        private final ProxyProcess p;

        AsProcess(String yaml) {
            // -Dchaos.proxy=nutcracker runs the same chaos against nutcracker 0.5.0 (for comparison)
            p = "nutcracker".equals(System.getProperty("chaos.proxy")) ? NutcrackerProcess.start(yaml)
                    : Twemproxy4jProcess.start(yaml);
        }

        @Override
        public boolean alive() {
            return p.isAlive();
        }

        @Override
        public void awaitIdle() throws Exception {
            String stats = "";
            for (int i = 0; i < 150; i++) {
                stats = p.stats();
                if (sum(CLIENTS, stats) == 0 && sum(QUEUES, stats) == 0 && count(QUEUES, stats) == 8) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("not idle after the run: " + stats);
        }

        private static long sum(Pattern p, String s) {
            long n = 0;
            for (Matcher m = p.matcher(s); m.find(); ) {
                n += Long.parseLong(m.group(1));
            }
            return n;
        }

        private static int count(Pattern p, String s) {
            int n = 0;
            for (Matcher m = p.matcher(s); m.find(); ) {
                n++;
            }
            return n;
        }

        @Override
        public void close() {
            p.close();
        }
    }

    private static final class InProcess implements Proxy {
        private final InProcessProxy p;

        InProcess(String yaml) throws Exception {
            p = new InProcessProxy(yaml, 16384);
        }

        private <T> T onLoop(Supplier<T> what) throws Exception {
            CompletableFuture<T> f = new CompletableFuture<>();
            p.core.execute(() -> f.complete(what.get()));
            return f.get(10, TimeUnit.SECONDS);
        }

        @Override
        public boolean alive() {
            return true;
        }

        @Override
        public void awaitIdle() throws Exception {
            String last = "";
            for (int i = 0; i < 150; i++) {
                int msgs = onLoop(p.core::nusedMsg);
                int mbufs = onLoop(p.core::nusedMbuf);
                long clients = onLoop(() -> p.core.poolStats(0)[StatsPoolField.CLIENT_CONNECTIONS.ordinal()]);
                last = msgs + " messages, " + mbufs + " mbufs in use, " + clients + " client connections";
                if (msgs == 0 && mbufs == 0 && clients == 0) {
                    System.out.println("chaos: in-process proxy idle: " + last);
                    return;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("not idle after the run: " + last);
        }

        @Override
        public void close() {
            p.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ backends

    private static Backend start(Kind kind) {
        return kind == Kind.REDIS ? new RedisBackend(Ports.free()) : new MemcachedBackend(Ports.free());
    }

    private abstract static class Backend implements Closeable {
        final int port;
        ManagedProcess proc;

        Backend(int port) {
            this.port = port;
        }

        String address() {
            return "127.0.0.1:" + port;
        }

        abstract ManagedProcess launch();

        void kill() throws InterruptedException {
            proc.signal("KILL");
            proc.process().waitFor(10, TimeUnit.SECONDS);
        }

        void restart() {
            proc = launch();
        }

        void pause() {
            proc.pause();
        }

        void resume() {
            proc.resume();
        }

        abstract void closeServerSide() throws Exception;

        abstract void fillMemory() throws Exception;

        abstract void freeMemory() throws Exception;

        @Override
        public void close() {
            if (proc != null) {
                proc.resume();
                proc.close();
            }
        }
    }

    private static final class RedisBackend extends Backend {
        RedisBackend(int port) {
            super(port);
            proc = launch();
        }

        @Override
        ManagedProcess launch() {
            return RedisServer.start(port, false, "--maxmemory-policy", "noeviction");
        }

        private RedisServer redis() {
            return (RedisServer) proc;
        }

        @Override
        void closeServerSide() {
            String r = redis().command("CLIENT", "KILL", "TYPE", "normal");
            assertTrue(r.startsWith(":"), "CLIENT KILL answered " + r);
        }

        @Override
        void fillMemory() {
            // below what redis already uses: every write is refused with -OOM, reads and DEL still work
            String r = redis().command("CONFIG", "SET", "maxmemory", "1");
            assertTrue(r.startsWith("+OK"), r);
        }

        @Override
        void freeMemory() {
            String r = redis().command("CONFIG", "SET", "maxmemory", "0");
            assertTrue(r.startsWith("+OK"), r);
        }
    }

    private static final class MemcachedBackend extends Backend {
        MemcachedBackend(int port) {
            super(port);
            proc = launch();
        }

        @Override
        ManagedProcess launch() {
            // a small memory that is not evicted from: once full, stores answer SERVER_ERROR out of memory
            return MemcachedServer.start(port, "-m", "8", "-M");
        }

        @Override
        void closeServerSide() throws Exception {
            // memcached cannot close a client on request: destroy its end of every established connection
            Process ss = new ProcessBuilder("ss", "-K", "-tn", "( sport = :" + port + " )")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(ss.waitFor(10, TimeUnit.SECONDS) && ss.exitValue() == 0, "ss -K failed");
        }

        @Override
        void fillMemory() throws Exception {
            Random r = new Random(port);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                s.setSoTimeout(5000);
                s.setTcpNoDelay(true);
                OutputStream out = s.getOutputStream();
                InputStream in = new BufferedInputStream(s.getInputStream());
                int refused = 0;
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3000);
                for (int i = 0; i < 5000 && refused < 20 && System.nanoTime() < until; i++) {
                    int len = 64 + r.nextInt(60_000);
                    java.io.ByteArrayOutputStream req = new java.io.ByteArrayOutputStream(len + 64);
                    req.writeBytes(("set fill:" + i + " 0 0 " + len + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    req.writeBytes(new byte[len]);
                    req.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.write(req.toByteArray());
                    out.flush();
                    if (line(in).startsWith("SERVER_ERROR")) {
                        refused++;
                    }
                }
                assertTrue(refused > 0, "memcached did not fill up");
            }
        }

        @Override
        void freeMemory() throws Exception {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                s.setSoTimeout(5000);
                s.getOutputStream().write("flush_all\r\n".getBytes(StandardCharsets.ISO_8859_1));
                String r = line(new BufferedInputStream(s.getInputStream()));
                assertEquals("OK", r);
            }
        }
    }
}
