package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Await;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.core.CoreSettings;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;
import org.twemproxy4j.stats.StatsPoolField;

/**
 * The per-client limit ({@code --client-max-pending}, here through its system property): a client that does
 * not read its replies while it keeps pipelining is not read any more (backpressure), its memory stays bounded,
 * every other client keeps being served, and once it reads it gets every reply in order; a client that goes
 * past the hard limit is closed. Runs the core in this JVM to count its buffers.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SlowClientIT {
    private static final int MBUF = 16384;

    private static InProcessProxy proxy(int listen, RedisServer redis, long limit) throws Exception {
        String yaml = "p:\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n  timeout: 20000\n  servers:\n"
                + "   - 127.0.0.1:" + redis.port() + ":1\n";
        return new InProcessProxy(yaml, MBUF, CoreSettings.clientMaxPending(limit));
    }

    private static Socket connect(int port, int rcvbuf) throws IOException {
        Socket s = new Socket();
        if (rcvbuf > 0) {
            s.setReceiveBufferSize(rcvbuf);
        }
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(20_000);
        return s;
    }

    /** Reads a value on the loop thread. */
    private static <T> T onLoop(InProcessProxy p, Supplier<T> what) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        p.core.execute(() -> f.complete(what.get()));
        return f.get(10, TimeUnit.SECONDS);
    }

    private static String bulk(String value) {
        return "$" + value.length() + "\r\n" + value + "\r\n";
    }

    private static void assertOtherClientServed(Socket other, String key, String value) throws IOException {
        long t0 = System.nanoTime();
        other.getOutputStream().write(Resp.command("GET", key));
        String r = new String(Resp.readReply(other.getInputStream()), StandardCharsets.ISO_8859_1);
        assertEquals(bulk(value), r, "another client is served while one is stalled");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "and not held up behind it");
    }

    @Test
    void aClientThatDoesNotReadIsNoLongerReadAndGetsEveryReplyOnceItReads() throws Exception {
        String k1 = "a".repeat(1000);             // fat requests, so that the pipeline outgrows socket buffers
        String k2 = "b".repeat(1000);
        String v1 = "x".repeat(8000);
        String v2 = "y".repeat(8000);
        int n = 40_000;                            // ~40 MB of requests, ~320 MB of replies
        long limit = 4 << 20;
        try (RedisServer redis = RedisServer.start()) {
            redis.command("SET", k1, v1);
            redis.command("SET", "small", "s");
            redis.command("SET", k2, v2);
            int listen = Ports.free();
            try (InProcessProxy p = proxy(listen, redis, limit);
                    Socket slow = connect(listen, 16384);
                    Socket other = connect(listen, 0)) {
                byte[] r1 = Resp.command("GET", k1);
                byte[] r2 = Resp.command("GET", k2);
                AtomicLong written = new AtomicLong();
                Thread writer = new Thread(() -> {
                    try {
                        OutputStream out = slow.getOutputStream();
                        for (int i = 0; i < n; i++) {
                            byte[] r = (i & 1) == 0 ? r1 : r2;
                            out.write(r);
                            written.addAndGet(r.length);
                        }
                        out.flush();
                    } catch (IOException e) {
                        written.set(-1);
                    }
                }, "slow-writer");
                writer.setDaemon(true);
                writer.start();

                int maxMbufs = 0;
                for (int i = 0; i < 40; i++) {
                    Thread.sleep(50); // the scenario: 2 s of sampling while the slow client stays stalled
                    assertOtherClientServed(other, "small", "s");
                    maxMbufs = Math.max(maxMbufs, onLoop(p, p.core::nusedMbuf));
                }
                long total = (long) n * r1.length;
                assertTrue(written.get() >= 0 && written.get() < total,
                        "the proxy stopped reading the slow client (wrote " + written.get() + " of " + total + ")");
                // bounded: the hard limit (4x) plus the replies already asked for; unbounded it would be
                // thousands of buffers per second
                assertTrue((long) maxMbufs * MBUF <= 4 * limit + (8L << 20), "buffers held: " + maxMbufs);

                // now it reads: every reply, in order, and the writer completes
                InputStream in = slow.getInputStream();
                String e1 = bulk(v1);
                String e2 = bulk(v2);
                for (int i = 0; i < n; i++) {
                    String r = new String(Resp.readReply(in), StandardCharsets.ISO_8859_1);
                    if (!r.equals((i & 1) == 0 ? e1 : e2)) {
                        assertEquals((i & 1) == 0 ? e1 : e2, r, "reply " + i);
                    }
                }
                writer.join(20_000);
                assertEquals(total, written.get(), "every request was eventually read");
                assertOtherClientServed(other, "small", "s");
                assertEquals(0L, (long) onLoop(p, () -> p.core.poolStats(0)[StatsPoolField.CLIENT_ERR.ordinal()]));
            }
        }
    }

    @Test
    void aClientPastTheHardLimitIsClosedAndEveryoneElseGoesOn() throws Exception {
        String v = "z".repeat(100_000);
        long limit = 256 << 10;                     // hard limit 1 MiB: ten 100 KB replies
        try (RedisServer redis = RedisServer.start()) {
            redis.command("SET", "big", v);
            redis.command("SET", "small", "s");
            int listen = Ports.free();
            try (InProcessProxy p = proxy(listen, redis, limit);
                    Socket slow = connect(listen, 4096);
                    Socket other = connect(listen, 0)) {
                byte[] req = Resp.command("GET", "big");
                OutputStream out = slow.getOutputStream();
                for (int i = 0; i < 200; i++) {
                    out.write(req);                 // 20 MB of replies asked for, none read
                }
                out.flush();
                long clientErr = Await.value("the client over the hard limit closed (client_err)",
                        Duration.ofSeconds(20),
                        () -> onLoop(p, () -> p.core.poolStats(0)[StatsPoolField.CLIENT_ERR.ordinal()]),
                        e -> e != 0);
                assertEquals(1L, clientErr, "the client over the hard limit was closed (client_err)");
                assertOtherClientServed(other, "small", "s");
                assertOtherClientServed(other, "big", v);
                // its buffers went back: what is left is a handful, not its 20 MB
                Await.value("the closed client's buffers back in the pool", Duration.ofSeconds(5),
                        () -> onLoop(p, p.core::nusedMbuf), mbufs -> mbufs <= 16);
                // the stalled client sees the end of the stream after whatever had been written to it
                InputStream in = slow.getInputStream();
                byte[] buf = new byte[65536];
                long got = 0;
                try {
                    for (int r; (r = in.read(buf)) >= 0; ) {
                        got += r;
                    }
                } catch (IOException e) {
                    // a reset is a close too
                }
                assertTrue(got < 200L * v.length(), "not every reply was delivered: " + got);
            }
        }
    }

    @Test
    void theCommandLineOptionSetsTheLimit() throws Exception {
        String v = "z".repeat(100_000);
        try (RedisServer redis = RedisServer.start()) {
            redis.command("SET", "big", v);
            int listen = Ports.free();
            String yaml = "p:\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n  servers:\n   - "
                    + redis.address() + ":1\n";
            try (Twemproxy4jProcess p = Twemproxy4jProcess.start(yaml, "--client-max-pending=262144");
                    Socket slow = connect(listen, 4096);
                    Socket other = connect(listen, 0)) {
                OutputStream out = slow.getOutputStream();
                byte[] req = Resp.command("GET", "big");
                for (int i = 0; i < 200; i++) {
                    out.write(req);
                }
                out.flush();
                Await.until("the log reports the hard limit of 1048576 bytes", Duration.ofSeconds(20),
                        () -> p.log().contains("over the hard limit of 1048576 bytes"));
                assertOtherClientServed(other, "big", v);
            }
        }
    }
}
