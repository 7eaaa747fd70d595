package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Await;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.stats.StatsPoolField;
import org.twemproxy4j.stats.StatsServerField;

/**
 * Liveness rules with the counters nutcracker keeps for them (server_ejects, server_ejected_at in usec,
 * server_err, server_timedout, forward_error), on real redis-server backends stopped, paused and restarted;
 * the core runs in this JVM so the counters are read exactly.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LivenessIT {
    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(15_000);
        return s;
    }

    private static String request(Socket s, String... args) throws IOException {
        s.getOutputStream().write(Resp.command(args));
        return new String(Resp.readReply(s.getInputStream()), StandardCharsets.ISO_8859_1);
    }

    private static <T> T onLoop(InProcessProxy p, Supplier<T> what) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        p.core.execute(() -> f.complete(what.get()));
        return f.get(10, TimeUnit.SECONDS);
    }

    private static long server(InProcessProxy p, int i, StatsServerField f) throws Exception {
        return onLoop(p, () -> p.core.serverStats(0, i)[f.ordinal()]);
    }

    private static long pool(InProcessProxy p, StatsPoolField f) throws Exception {
        return onLoop(p, () -> p.core.poolStats(0)[f.ordinal()]);
    }

    @Test
    void anEjectedOneServerPoolRefusesWithoutConnectingUntilTheRetryTime() throws Exception {
        int port = Ports.free();
        int listen = Ports.free();
        RedisServer redis = RedisServer.start(port, false);
        String yaml = "p:\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n  auto_eject_hosts: true\n"
                + "  server_failure_limit: 1\n  server_retry_timeout: 5000\n  servers:\n"
                + "   - 127.0.0.1:" + port + ":1\n";
        try (InProcessProxy p = new InProcessProxy(yaml, 16384); Socket c = connect(listen)) {
            redis.close();
            long before = System.currentTimeMillis() * 1000L;
            assertEquals("-ERR Connection refused\r\n", request(c, "GET", "a")); // failure 1: ejected
            assertEquals("-ERR Connection refused\r\n", request(c, "GET", "a")); // ejected: not even tried
            assertEquals(1, server(p, 0, StatsServerField.SERVER_ERR), "one connect attempt only");
            assertEquals(1, pool(p, StatsPoolField.SERVER_EJECTS));
            assertEquals(2, pool(p, StatsPoolField.FORWARD_ERROR));
            long at = server(p, 0, StatsServerField.SERVER_EJECTED_AT);
            assertTrue(at >= before - 1_000_000 && at <= System.currentTimeMillis() * 1000L + 1_000_000,
                    "server_ejected_at is in microseconds: " + at);
            redis = RedisServer.start(port, false);
            redis.command("SET", "a", "back");
            int[] refusedAfterRestart = {0};
            Await.until("re-admitted after server_retry_timeout", Duration.ofSeconds(15), () -> {
                String r = request(c, "GET", "a");
                if (r.equals("$4\r\nback\r\n")) {
                    return true;
                }
                assertEquals("-ERR Connection refused\r\n", r, "refused until the retry time");
                refusedAfterRestart[0]++;
                return false;
            });
            assertEquals(1, server(p, 0, StatsServerField.SERVER_ERR), "no connect while ejected");
            assertTrue(refusedAfterRestart[0] >= 1, "still ejected right after the restart");
        } finally {
            redis.close();
        }
    }

    @Test
    void withEveryServerEjectedAMultiKeyRequestIsRefusedAndTheClientStays() throws Exception {
        RedisServer a = RedisServer.start();
        RedisServer b = RedisServer.start();
        int listen = Ports.free();
        String yaml = "p:\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n  hash: md5\n  auto_eject_hosts: true\n"
                + "  server_failure_limit: 1\n  server_retry_timeout: 30000\n  servers:\n"
                + "   - " + a.address() + ":1\n   - " + b.address() + ":1\n";
        try (InProcessProxy p = new InProcessProxy(yaml, 16384); Socket c = connect(listen)) {
            a.close();
            b.close();
            // connect failures eject both servers, one request each at most
            for (int i = 0; i < 4; i++) {
                assertEquals("-ERR Connection refused\r\n", request(c, "GET", "k" + i));
            }
            assertEquals(2, pool(p, StatsPoolField.SERVER_EJECTS));
            assertEquals("-ERR Connection refused\r\n", request(c, "MGET", "x", "y", "z", "w"));
            assertEquals("+PONG\r\n", request(c, "PING"), "the client stays (nutcracker closes it)");
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aTimeoutClosesTheServerConnectionAndAnswersEachRequestInFlightOnce() throws Exception {
        RedisServer redis = RedisServer.start();
        int listen = Ports.free();
        String yaml = "p:\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n  timeout: 800\n  servers:\n   - "
                + redis.address() + ":1\n";
        try (InProcessProxy p = new InProcessProxy(yaml, 16384); Socket c = connect(listen)) {
            assertEquals("+OK\r\n", request(c, "SET", "a", "1"));
            redis.pause();
            long t0 = System.nanoTime();
            byte[] three = new byte[0];
            for (String k : new String[] {"a", "b", "a"}) {
                byte[] r = Resp.command("GET", k);
                byte[] n = new byte[three.length + r.length];
                System.arraycopy(three, 0, n, 0, three.length);
                System.arraycopy(r, 0, n, three.length, r.length);
                three = n;
            }
            c.getOutputStream().write(three);
            for (int i = 0; i < 3; i++) {
                assertEquals("-ERR Connection timed out\r\n",
                        new String(Resp.readReply(c.getInputStream()), StandardCharsets.ISO_8859_1));
            }
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(700), "not before the timeout");
            assertEquals(1, server(p, 0, StatsServerField.SERVER_TIMEDOUT), "one connection closed");
            assertEquals(3, pool(p, StatsPoolField.FORWARD_ERROR));
            redis.resume();
            // no fourth reply: the next one is the answer to the next request
            assertEquals("$1\r\n1\r\n", request(c, "GET", "a"));
            c.setSoTimeout(300);
            try {
                int x = c.getInputStream().read();
                assertEquals(-2, x, "an extra byte arrived");
            } catch (SocketTimeoutException e) {
                // nothing more: each request was answered exactly once
            }
        } finally {
            redis.resume();
            redis.close();
        }
    }
}
