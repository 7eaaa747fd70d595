package org.twemproxy4j.proto.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The core and the redis protocol together over real sockets and a real redis-server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisProxyCoreTest {
    private ProxyHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new ProxyHarness();
        int r1 = h.startRedis();
        int r2 = h.startRedis();
        h.startProxy("alpha:\n  listen: 127.0.0.1:$PORT\n  redis: true\n  hash: md5\n  servers:\n   - 127.0.0.1:" + r1
                + ":1\n   - 127.0.0.1:" + r2 + ":1\n", 16384);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void setGetPing() throws Exception {
        try (Socket s = h.client()) {
            assertEquals("+PONG\r\n", ProxyHarness.roundTrip(s, "*1\r\n$4\r\nPING\r\n", 7));
            assertEquals("+OK\r\n", ProxyHarness.roundTrip(s, "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$3\r\nxyz\r\n", 5));
            assertEquals("$3\r\nxyz\r\n", ProxyHarness.roundTrip(s, "*2\r\n$3\r\nGET\r\n$1\r\na\r\n", 9));
            assertEquals("$3\r\nxyz\r\n", ProxyHarness.roundTrip(s, "GET a\r\n", 9));
        }
    }

    @Test
    void pipelineAcrossServersKeepsOrder() throws Exception {
        try (Socket s = h.client()) {
            StringBuilder req = new StringBuilder();
            StringBuilder want = new StringBuilder();
            for (int i = 0; i < 1000; i++) {
                String k = "key" + i;
                String v = "v" + i;
                req.append("*3\r\n$3\r\nSET\r\n$").append(k.length()).append("\r\n").append(k).append("\r\n$")
                        .append(v.length()).append("\r\n").append(v).append("\r\n");
                want.append("+OK\r\n");
            }
            for (int i = 0; i < 1000; i++) {
                String k = "key" + i;
                String v = "v" + i;
                req.append("*2\r\n$3\r\nGET\r\n$").append(k.length()).append("\r\n").append(k).append("\r\n");
                want.append("$").append(v.length()).append("\r\n").append(v).append("\r\n");
            }
            assertEquals(want.toString(), ProxyHarness.roundTrip(s, req.toString(), want.length()));
        }
    }

    @Test
    void localErrorsKeepConnectionOpen() throws Exception {
        try (Socket s = h.client()) {
            String want = "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"
                    + "-ERR wrong number of arguments for 'get' command\r\n"
                    + "+OK\r\n"
                    + "-ERR DB index is out of range\r\n"
                    + "$1\r\na\r\n"
                    + "+PONG\r\n";
            assertEquals(want, ProxyHarness.roundTrip(s,
                    "FOO a b\r\nGET\r\nSELECT 0\r\nSELECT 1\r\nPING a\r\n*1\r\n$4\r\nping\r\n", want.length()));
        }
    }

    @Test
    void protocolErrorAfterEarlierReplies() throws Exception {
        try (Socket s = h.client()) {
            String want = "+PONG\r\n$-1\r\n-ERR Protocol error: expected '$', got '*'\r\n";
            assertEquals(want, ProxyHarness.roundTrip(s, "PING\r\nGET nokey\r\n*3\r\n*abcde\r\n", want.length()));
            assertTrue(ProxyHarness.closedByPeer(s));
        }
    }

    @Test
    void buffersAndMessagesReturnToThePools() throws Exception {
        try (Socket s = h.client(); Socket bad = h.client()) {
            StringBuilder req = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                req.append("*3\r\n$3\r\nSET\r\n$5\r\nk").append(i % 1000 + 1000).append("\r\n$1\r\nv\r\n");
            }
            String want = "+OK\r\n".repeat(2000);
            assertEquals(want, ProxyHarness.roundTrip(s, req.toString(), want.length()));
            // a client that leaves with a half-sent request and one with replies still owed
            bad.getOutputStream().write("*2\r\n$3\r\nGET\r\n$10\r\nabc".getBytes());
            // owed replies, among them multi-key requests split over both servers, when the client leaves
            String mget = "MGET k1000 k1001 k1002 k1003 k1004 k1005 k1006 k1007 k1008 k1009 k1010 k1011\r\n";
            s.getOutputStream().write(("GET k1000\r\n" + mget + "GET k1001\r\n" + mget + "DEL k1998 k1999 k1500\r\n")
                    .getBytes());
        }
        int[] used = h.stopAndCountInUse(2);
        assertEquals(0, used[0], "messages in use" + h.trace);
        assertEquals(0, used[1], "mbufs in use");
    }

    private long frags() throws Exception {
        java.util.concurrent.CompletableFuture<Long> f = new java.util.concurrent.CompletableFuture<>();
        h.core.execute(() -> f.complete(h.core.poolStats(0)[org.twemproxy4j.stats.StatsPoolField.FRAGMENTS.ordinal()]));
        return f.get();
    }

    @Test
    void multiKeyAcrossServers() throws Exception {
        try (Socket s = h.client()) {
            StringBuilder set = new StringBuilder("MSET");
            StringBuilder get = new StringBuilder("MGET");
            StringBuilder want = new StringBuilder("*30\r\n");
            for (int i = 0; i < 30; i++) {
                set.append(" mk").append(i).append(" v").append(i);
                get.append(" mk").append(i);
                want.append("$").append(("v" + i).length()).append("\r\n").append("v").append(i).append("\r\n");
            }
            assertEquals("+OK\r\n", ProxyHarness.roundTrip(s, set + "\r\n", 5));
            assertEquals(want.toString(), ProxyHarness.roundTrip(s, get + " \r\n", want.length()));
            assertEquals(":30\r\n", ProxyHarness.roundTrip(s, "EXISTS" + get.substring(4) + "\r\n", 5));
            assertEquals(":30\r\n", ProxyHarness.roundTrip(s, "DEL" + get.substring(4) + " nope\r\n", 5));
            assertEquals("*2\r\n$-1\r\n$-1\r\n", ProxyHarness.roundTrip(s, "MGET mk1 mk2\r\n", 14));
        }
        long n = frags();
        assertTrue(n >= 8, "requests were split over both servers: " + n);
    }

    @Test
    void quitRepliesOkThenCloses() throws Exception {
        try (Socket s = h.client()) {
            assertEquals("+PONG\r\n+OK\r\n", ProxyHarness.roundTrip(s, "PING\r\nQUIT\r\nPING\r\n", 12));
            assertTrue(ProxyHarness.closedByPeer(s));
        }
    }
}
