package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Await;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisCluster;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.RespConn;

/**
 * CLIENT REPLY ON|OFF|SKIP through twemproxy4j (in this JVM) in front of 2 real redis-server backends, on raw
 * sockets: muted requests still run on the servers and their replies are dropped in order (pipelines, split
 * multi-key commands, errors), SKIP mutes exactly one request, a subscribed client keeps receiving its
 * confirmations and messages while muted, other clients of the pool are untouched, and every message and mbuf
 * goes back to the pool. A redis_cluster pool mutes the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientReplyIT {
    private final List<RedisServer> backends = new ArrayList<>();
    private InProcessProxy proxy;
    private int port;

    @BeforeAll
    void start() throws Exception {
        RedisServer.startAll(backends, 2);
        port = Ports.free();
        proxy = new InProcessProxy("p:\n  listen: 127.0.0.1:" + port + "\n  redis: true\n  hash: fnv1a_64\n"
                + "  distribution: ketama\n  hash_tag: \"{}\"\n  timeout: 2000\n  servers:\n   - "
                + backends.get(0).address() + ":1\n   - " + backends.get(1).address() + ":1\n", 16384);
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        RedisServer.closeAll(backends);
    }

    @BeforeEach
    void flush() {
        RedisServer.flushAll(backends);
    }

    private static String[] c(String... a) {
        return a;
    }

    /** The value of {@code key} on whichever backend holds it, or null. */
    private String backendGet(String key) {
        for (RedisServer b : backends) {
            String v = b.command("GET", key);
            if (!v.equals("$-1\r\n")) {
                return v;
            }
        }
        return null;
    }

    /** Messages and mbufs in use, read on the loop. */
    private long[] used() throws Exception {
        CompletableFuture<long[]> f = new CompletableFuture<>();
        proxy.core.execute(() -> f.complete(new long[] {proxy.core.nusedMsg(), proxy.core.nusedMbuf()}));
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Waits until the proxy holds what it held with no client (the figures of {@link #idle}). */
    private void assertBackToIdle(long[] idle) {
        Await.until("messages and mbufs back to idle", Duration.ofSeconds(10),
                () -> java.util.Arrays.equals(idle, used()));
    }

    /** What the proxy holds with no client, once its server connections are open. */
    private long[] idle() throws Exception {
        try (RespConn w = new RespConn(port)) {
            for (int i = 0; i < 8; i++) {
                assertEquals("+OK\r\n", w.call("SET", "warm" + i, "x"));
            }
        }
        return Await.value("the proxy idle", Duration.ofSeconds(10), () -> {
            long[] a = used();
            long[] b = used();
            return java.util.Arrays.equals(a, b) ? a : null;
        }, v -> v != null);
    }

    /** Nothing was written to this client before the reply to a PING sent now. */
    private static void assertNothingPending(RespConn c) throws IOException {
        assertEquals("+PONG\r\n", c.call("PING"), "a muted reply reached the client");
    }

    @Test
    void offMutesEveryReplyUntilOnWhichAloneIsAnswered() throws Exception {
        long[] idle = idle();
        try (RespConn a = new RespConn(port)) {
            String[][] cmds = new String[22][];
            cmds[0] = c("CLIENT", "REPLY", "OFF");
            for (int i = 0; i < 20; i++) {
                cmds[1 + i] = c("SET", "off:" + i, "v" + i);
            }
            cmds[21] = c("CLIENT", "REPLY", "ON");
            a.pipeline(cmds);
            assertEquals("+OK\r\n", a.read(), "only CLIENT REPLY ON is answered");
            assertNothingPending(a);
            for (int i = 0; i < 20; i++) {
                assertEquals("$" + ("v" + i).length() + "\r\nv" + i + "\r\n", backendGet("off:" + i), "off:" + i);
            }
            // muted: split multi-key commands, whole-pool commands, errors, local replies
            a.pipeline(c("CLIENT", "REPLY", "OFF"), c("MSET", "m1", "1", "m2", "2", "m3", "3", "m4", "4"),
                    c("MGET", "m1", "m2", "m3", "m4"), c("INCR", "off:0"), c("DBSIZE"), c("NOSUCHCOMMAND"),
                    c("ECHO", "quiet"), c("GET", "m4"), c("CLIENT", "REPLY", "ON"), c("GET", "m3"));
            assertEquals("+OK\r\n", a.read());
            assertEquals("$1\r\n3\r\n", a.read());
            assertNothingPending(a);
        }
        assertBackToIdle(idle);
    }

    @Test
    void skipMutesItselfAndTheNextRequestOnly() throws Exception {
        long[] idle = idle();
        try (RespConn a = new RespConn(port)) {
            a.pipeline(c("SET", "a", "1"), c("CLIENT", "REPLY", "SKIP"), c("SET", "b", "2"), c("GET", "a"),
                    c("GET", "b"), c("MGET", "a", "b"));
            assertEquals("+OK\r\n", a.read());
            assertEquals("$1\r\n1\r\n", a.read());
            assertEquals("$1\r\n2\r\n", a.read());
            assertEquals("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", a.read());
            assertNothingPending(a);
            // SKIP while OFF keeps OFF; SKIP twice mutes two requests; a bad mode is a syntax error
            a.pipeline(c("CLIENT", "REPLY", "OFF"), c("CLIENT", "REPLY", "SKIP"), c("GET", "a"), c("GET", "b"),
                    c("CLIENT", "REPLY", "ON"), c("CLIENT", "REPLY", "SKIP"), c("CLIENT", "REPLY", "SKIP"),
                    c("GET", "a"), c("GET", "b"), c("CLIENT", "REPLY", "MAYBE"), c("CLIENT", "REPLY"));
            assertEquals("+OK\r\n", a.read());
            assertEquals("$1\r\n2\r\n", a.read());
            assertEquals("-ERR syntax error\r\n", a.read());
            assertEquals("-ERR wrong number of arguments for 'client|reply' command\r\n", a.read());
            assertNothingPending(a);
        }
        assertBackToIdle(idle);
    }

    @Test
    void aMutedSubscriberStillGetsItsConfirmationsAndMessages() throws Exception {
        long[] idle = idle();
        try (RespConn sub = new RespConn(port); RespConn pub = new RespConn(port)) {
            sub.pipeline(c("CLIENT", "REPLY", "OFF"), c("SUBSCRIBE", "news", "sport"));
            assertEquals("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", sub.read());
            assertEquals("*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n", sub.read());
            sub.pipeline(c("PSUBSCRIBE", "n*"));
            assertEquals("*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n", sub.read());
            sub.pipeline(c("PING")); // a reply, not a push: muted
            assertEquals(":2\r\n", pub.call("PUBLISH", "news", "hello"));
            assertEquals("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n", sub.read());
            assertEquals("*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n", sub.read());
            assertEquals(":1\r\n", pub.call("PUBLISH", "sport", "goal"));
            assertEquals("*3\r\n$7\r\nmessage\r\n$5\r\nsport\r\n$4\r\ngoal\r\n", sub.read());
            sub.pipeline(c("UNSUBSCRIBE"), c("PUNSUBSCRIBE"));
            assertEquals("*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:2\r\n", sub.read());
            assertEquals("*3\r\n$11\r\nunsubscribe\r\n$5\r\nsport\r\n:1\r\n", sub.read());
            assertEquals("*3\r\n$12\r\npunsubscribe\r\n$2\r\nn*\r\n:0\r\n", sub.read());
            // SKIP before a subscription: the confirmation is a push and arrives
            sub.pipeline(c("CLIENT", "REPLY", "ON"), c("CLIENT", "REPLY", "SKIP"), c("SUBSCRIBE", "news"));
            assertEquals("+OK\r\n", sub.read());
            assertEquals("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", sub.read());
            sub.pipeline(c("UNSUBSCRIBE", "news"), c("PING"));
            assertEquals("*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:0\r\n", sub.read());
            assertEquals("+PONG\r\n", sub.read());
        }
        assertBackToIdle(idle);
    }

    @Test
    void otherClientsAndClientsThatNeverMuteAreUntouched() throws Exception {
        long[] idle = idle();
        try (RespConn muted = new RespConn(port); RespConn plain = new RespConn(port)) {
            muted.pipeline(c("CLIENT", "REPLY", "OFF"));
            String[][] cmds = new String[200][];
            for (int i = 0; i < 200; i += 2) {
                cmds[i] = c("SET", "p" + i, "v" + i);
                cmds[i + 1] = c("GET", "p" + i);
            }
            muted.pipeline(cmds);
            plain.pipeline(cmds);
            for (int i = 0; i < 200; i += 2) {
                assertEquals("+OK\r\n", plain.read());
                assertEquals("$" + ("v" + i).length() + "\r\nv" + i + "\r\n", plain.read());
            }
            assertNothingPending(plain);
            assertEquals("+OK\r\n", muted.call("CLIENT", "REPLY", "ON"));
            assertNothingPending(muted);
            // a client that never sent CLIENT REPLY gets what redis itself answers, byte for byte
            RedisServer direct = backends.get(0);
            String[][] probe = {c("SET", "x{t}", "1"), c("INCR", "x{t}"), c("GET", "x{t}"), c("LPUSH", "l{t}", "a"),
                c("INCR", "l{t}"), c("EXISTS", "x{t}", "l{t}", "none{t}"), c("DEL", "x{t}", "l{t}")};
            List<String> through = new ArrayList<>();
            for (String[] p : probe) {
                through.add(plain.call(p));
            }
            List<String> want = new ArrayList<>(); // the probe ends with DEL: the backend is as before
            for (String[] p : probe) {
                want.add(direct.command(p));
            }
            assertEquals(want, through);
        }
        assertBackToIdle(idle);
    }

    @Test
    void aMutedTransactionRunsAndOnlyItsLaterRepliesArrive() throws Exception {
        long[] idle = idle();
        try (RespConn a = new RespConn(port)) {
            // the proxy's own +OK to CLIENT REPLY ON is written after the (dropped) reply to EXEC: once it is read,
            // the transaction ran (a request pipelined after EXEC travels on the shared connection, not the
            // transaction's, and could overtake it)
            a.pipeline(c("CLIENT", "REPLY", "OFF"), c("MULTI"), c("SET", "t{1}", "1"), c("INCR", "t{1}"), c("EXEC"),
                    c("CLIENT", "REPLY", "ON"));
            assertEquals("+OK\r\n", a.read());
            assertEquals("$1\r\n2\r\n", a.call("GET", "t{1}"));
            assertNothingPending(a);
        }
        assertBackToIdle(idle);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aClusterPoolMutesTheSameWay() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(3)) {
            int cport = Ports.free();
            try (InProcessProxy cp = new InProcessProxy("cl:\n  listen: 127.0.0.1:" + cport + "\n  redis: true\n"
                    + "  redis_cluster: true\n  timeout: 2000\n  servers:\n   - "
                    + cluster.servers().get(0).address() + ":1\n", 16384);
                 RespConn a = new RespConn(cport)) {
                String[][] cmds = new String[32][];
                cmds[0] = c("CLIENT", "REPLY", "OFF");
                for (int i = 0; i < 30; i++) {
                    cmds[1 + i] = c("SET", "cl:" + i, "v" + i);
                }
                cmds[31] = c("CLIENT", "REPLY", "ON");
                a.pipeline(cmds);
                assertEquals("+OK\r\n", a.read());
                a.pipeline(c("CLIENT", "REPLY", "SKIP"), c("MGET", "cl:0", "cl:1", "cl:2"), c("GET", "cl:29"));
                assertEquals("$3\r\nv29\r\n", a.read());
                assertNothingPending(a);
                java.util.Set<String> owners = new java.util.HashSet<>();
                for (int i = 0; i < 30; i++) {
                    String k = "cl:" + i;
                    String owner = cluster.owner(cluster.keyslot(k)).address();
                    owners.add(owner);
                    assertEquals("$" + ("v" + i).length() + "\r\nv" + i + "\r\n",
                            cluster.server(owner).command("GET", k), k);
                }
                assertNotEquals(1, owners.size(), "the keys span several masters");
            }
        }
    }
}
