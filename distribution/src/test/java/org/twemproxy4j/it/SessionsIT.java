package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Await;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.fixture.RespConn;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Transaction;

/**
 * Sessions through twemproxy4j (in this JVM) over 4 real redis-server backends: blocking commands on dedicated
 * server connections (other clients unhindered, hash tags, disconnect while blocked, the pool timeout on top of
 * the block time), MULTI/EXEC/WATCH pinned to one server (a cross-server command aborts EXEC), pub/sub across the
 * servers (counts as redis gives them, every message once and in order per channel), jedis's blocking pop,
 * transaction and pub/sub listener APIs, and the session_connections limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionsIT {
    private final List<RedisServer> backends = new ArrayList<>();
    private InProcessProxy proxy;
    private int port;       // pool p: timeout 1000 ms
    private int limited;    // pool lim: session_connections 1
    private int free;       // pool free: no timeout (the latency measurement, on a loaded machine)

    @BeforeAll
    void start() throws Exception {
        RedisServer.startAll(backends, 4);
        port = Ports.free();
        limited = Ports.free();
        free = Ports.free();
        StringBuilder servers = new StringBuilder("  servers:\n");
        for (RedisServer b : backends) {
            servers.append("   - ").append(b.address()).append(":1\n");
        }
        String common = "  redis: true\n  hash: murmur\n  distribution: ketama\n  hash_tag: \"{}\"\n" + servers;
        String pool = "  timeout: 1000\n" + common;
        proxy = new InProcessProxy("p:\n  listen: 127.0.0.1:" + port + "\n" + pool
                + "lim:\n  listen: 127.0.0.1:" + limited + "\n  session_connections: 1\n" + pool
                + "free:\n  listen: 127.0.0.1:" + free + "\n" + common, 16384);
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

    /** The backend (index) holding {@code key}, or -1. */
    private int holder(String key) {
        for (int i = 0; i < backends.size(); i++) {
            if (backends.get(i).command("EXISTS", key).equals(":1\r\n")) {
                return i;
            }
        }
        return -1;
    }

    /** Where the proxy places {@code key}: written through it, found on a backend, deleted. */
    private int placeOf(RespConn c, String key) throws IOException {
        assertEquals("+OK\r\n", c.call("SET", key, "x"));
        int at = holder(key);
        assertEquals(":1\r\n", c.call("DEL", key));
        return at;
    }

    /** Two keys without a hash tag that the pool puts on different servers. */
    private String[] keysOnTwoServers(RespConn c) throws IOException {
        int a = placeOf(c, "k0");
        for (int i = 1; i < 100; i++) {
            if (placeOf(c, "k" + i) != a) {
                return new String[] {"k0", "k" + i};
            }
        }
        throw new AssertionError("every key on one server");
    }

    /** The session_connections gauge of server {@code server} of pool {@code pool}, read on the loop. */
    private long sessionGauge(int pool, int server) throws Exception {
        java.util.concurrent.CompletableFuture<Long> f = new java.util.concurrent.CompletableFuture<>();
        proxy.core.execute(() -> f.complete(
                proxy.core.serverStats(pool, server)[org.twemproxy4j.stats.StatsSnapshot.SESSION_CONNECTIONS]));
        return f.get(10, TimeUnit.SECONDS);
    }

    /** The proxy's index of the backend {@code i} in pool order (sorted by node name, as nutcracker sorts). */
    private int serverIndexOf(int backend) {
        List<String> names = new ArrayList<>();
        for (RedisServer b : backends) {
            names.add(b.address());
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(java.util.Comparator.comparingInt(String::length).thenComparing(java.util.Comparator.naturalOrder()));
        return sorted.indexOf(names.get(backend));
    }

    /** Connections a backend has with the given last command. */
    private static int clientsWithCmd(RedisServer b, String cmd) {
        int n = 0;
        for (String line : b.command("CLIENT", "LIST").split("\n")) {
            if (line.contains(" cmd=" + cmd + " ")) {
                n++;
            }
        }
        return n;
    }

    /** 50 clients GET in a loop until {@code stop}; their latencies in ns. */
    private List<Long> getLoad(AtomicBoolean stop, CountDownLatch started, ExecutorService pool,
            List<Future<?>> fs) {
        List<Long> lat = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 50; t++) {
            final int id = t;
            fs.add(pool.submit(() -> {
                try (Jedis j = new Jedis("127.0.0.1", free)) {
                    started.countDown();
                    int i = id;
                    List<Long> mine = new ArrayList<>();
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        assertEquals("v" + (i % 100), j.get("g" + (i % 100)));
                        mine.add(System.nanoTime() - t0);
                        i++;
                    }
                    lat.addAll(mine);
                }
                return null;
            }));
        }
        return lat;
    }

    private static long[] percentiles(List<Long> lat) {
        List<Long> sorted = new ArrayList<>(lat);
        Collections.sort(sorted);
        return new long[] {sorted.size(), sorted.get(sorted.size() / 2) / 1000,
            sorted.get((int) (sorted.size() * 0.99)) / 1000, sorted.get(sorted.size() - 1) / 1000};
    }

    @Test
    void blpopBlocksTwoSecondsWhileFiftyClientsRunUnhindered() throws Exception {
        try (RespConn setup = new RespConn(port)) {
            for (int i = 0; i < 100; i++) {
                assertEquals("+OK\r\n", setup.call("SET", "g" + i, "v" + i));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            // a warm-up of 1 s (discarded), then the baseline: the same load for 2 s with no blocked client
            AtomicBoolean stopW = new AtomicBoolean();
            CountDownLatch startedW = new CountDownLatch(50);
            List<Future<?>> fsW = new ArrayList<>();
            getLoad(stopW, startedW, pool, fsW);
            assertTrue(startedW.await(10, TimeUnit.SECONDS));
            Thread.sleep(1000); // a fixed warm-up window
            stopW.set(true);
            for (Future<?> f : fsW) {
                f.get(10, TimeUnit.SECONDS);
            }
            AtomicBoolean stop0 = new AtomicBoolean();
            CountDownLatch started0 = new CountDownLatch(50);
            List<Future<?>> fs0 = new ArrayList<>();
            List<Long> base = getLoad(stop0, started0, pool, fs0);
            assertTrue(started0.await(10, TimeUnit.SECONDS));
            Thread.sleep(2000); // the measured window: a fixed duration, not a wait for a condition
            stop0.set(true);
            for (Future<?> f : fs0) {
                f.get(10, TimeUnit.SECONDS);
            }
            // the same load while one client blocks 2 s in BLPOP on the same pool
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(50);
            List<Future<?>> fs = new ArrayList<>();
            List<Long> lat = getLoad(stop, started, pool, fs);
            long blockedMs;
            try (RespConn blocked = new RespConn(free)) {
                assertTrue(started.await(10, TimeUnit.SECONDS));
                long t0 = System.nanoTime();
                assertEquals("*-1\r\n", blocked.call("BLPOP", "queue", "2"));
                blockedMs = (System.nanoTime() - t0) / 1_000_000;
            }
            stop.set(true);
            for (Future<?> f : fs) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertTrue(blockedMs >= 1900 && blockedMs < 4000, "BLPOP blocked " + blockedMs + " ms");
            long[] b = percentiles(base);
            long[] w = percentiles(lat);
            System.out.println("SessionsIT: 50 clients' GETs, 2 s without / with a client blocked in BLPOP: "
                    + b[0] + " / " + w[0] + " requests, p50 " + b[1] + " / " + w[1] + " us, p99 " + b[2] + " / "
                    + w[2] + " us, max " + b[3] + " / " + w[3] + " us");
            assertTrue(w[0] > 1000, "the other clients kept running: " + w[0]);
            assertTrue(w[2] < 200_000, "p99 " + w[2] + " us must stay far below the 2 s block");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void blockedPopIsServedByAPushAndThePoolTimeoutRunsOnTopOfTheBlockTime() throws Exception {
        try (RespConn a = new RespConn(port); RespConn b = new RespConn(port)) {
            // pool timeout 1000 ms, block 1.5 s: answered nil by redis, not cut by the proxy
            long t0 = System.nanoTime();
            assertEquals("*-1\r\n", a.call("BRPOP", "{q}x", "1.5"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 1400, "blocked " + ms + " ms");
            a.send("BLPOP", "{q}x", "{q}y", "0");
            Await.until("blocked on the backend", Duration.ofSeconds(5),
                    () -> backends.stream().mapToInt(r -> clientsWithCmd(r, "blpop")).sum() == 1);
            assertEquals(":1\r\n", b.call("RPUSH", "{q}y", "job"));
            assertEquals("*2\r\n$4\r\n{q}y\r\n$3\r\njob\r\n", a.read());
            assertEquals("+PONG\r\n", a.call("PING"));
            assertEquals("$-1\r\n", a.call("GET", "{q}x"), "the client goes on with ordinary commands");
            // co-location: keys on two servers are refused as for every multi-key command
            String[] two = keysOnTwoServers(b);
            assertTrue(a.call("BLPOP", two[0], two[1], "0").startsWith("-CROSSSLOT"));
            // XREAD BLOCK and BZPOPMIN
            b.call("XADD", "{s}x", "1-1", "f", "v");
            a.send("XREAD", "BLOCK", "0", "STREAMS", "{s}x", "$");
            Await.until("xread blocked", Duration.ofSeconds(5),
                    () -> backends.stream().mapToInt(r -> clientsWithCmd(r, "xread")).sum() == 1);
            assertTrue(b.call("XADD", "{s}x", "2-1", "f", "w").contains("2-1"));
            assertTrue(a.read().contains("2-1"));
            a.send("BZPOPMIN", "{z}a", "5");
            Await.until("bzpopmin blocked", Duration.ofSeconds(5),
                    () -> backends.stream().mapToInt(r -> clientsWithCmd(r, "bzpopmin")).sum() == 1);
            assertEquals(":1\r\n", b.call("ZADD", "{z}a", "3", "m"));
            assertEquals("*3\r\n$4\r\n{z}a\r\n$1\r\nm\r\n$1\r\n3\r\n", a.read());
        }
    }

    @Test
    void brpoplpushAndBlmoveWithHashTags() throws Exception {
        try (RespConn a = new RespConn(port); RespConn b = new RespConn(port)) {
            a.send("BRPOPLPUSH", "{j}src", "{j}work", "5");
            Await.until("brpoplpush blocked", Duration.ofSeconds(5),
                    () -> backends.stream().mapToInt(r -> clientsWithCmd(r, "brpoplpush")).sum() == 1);
            assertEquals(":1\r\n", b.call("LPUSH", "{j}src", "job1"));
            assertEquals("$4\r\njob1\r\n", a.read());
            a.send("BLMOVE", "{j}work", "{j}done", "RIGHT", "LEFT", "5");
            assertEquals("$4\r\njob1\r\n", a.read());
            assertEquals("*1\r\n$4\r\njob1\r\n", b.call("LRANGE", "{j}done", "0", "-1"));
            assertEquals(":0\r\n", b.call("LLEN", "{j}work"));
            a.send("BLMPOP", "5", "2", "{j}e", "{j}f", "LEFT");
            Await.until("blmpop blocked", Duration.ofSeconds(5),
                    () -> backends.stream().mapToInt(r -> clientsWithCmd(r, "blmpop")).sum() == 1);
            assertEquals(":1\r\n", b.call("RPUSH", "{j}f", "z"));
            assertEquals("*2\r\n$4\r\n{j}f\r\n*1\r\n$1\r\nz\r\n", a.read());
            int at = holder("{j}done");
            assertEquals(1, backends.stream().filter(r -> r.command("EXISTS", "{j}done").equals(":1\r\n")).count());
            assertTrue(at >= 0);
        }
    }

    @Test
    void aClientThatDisconnectsWhileBlockedReleasesItsSessionConnection() throws Exception {
        int before;
        int at;
        try (RespConn c = new RespConn(port)) {
            at = placeOf(c, "{d}list");
        }
        RedisServer b = backends.get(at);
        before = b.command("CLIENT", "LIST").split("\n").length;
        RespConn a = new RespConn(port);
        a.send("BLPOP", "{d}list", "0");
        Await.until("a session connection blocked", Duration.ofSeconds(5), () -> clientsWithCmd(b, "blpop") == 1);
        assertEquals(before + 1, b.command("CLIENT", "LIST").split("\n").length);
        int sidx = serverIndexOf(at);
        assertEquals(1L, sessionGauge(0, sidx), "the stats gauge counts the session connection");
        a.close();
        Await.until("the session connection closed", Duration.ofSeconds(5),
                () -> clientsWithCmd(b, "blpop") == 0);
        Await.until("back to the count before", Duration.ofSeconds(5),
                () -> b.command("CLIENT", "LIST").split("\n").length == before);
        Await.until("the gauge back to 0", Duration.ofSeconds(5), () -> sessionGauge(0, sidx) == 0L);
        try (RespConn c = new RespConn(port)) {
            assertEquals(":1\r\n", c.call("RPUSH", "{d}list", "kept"));
            assertEquals(":1\r\n", c.call("LLEN", "{d}list"), "no one popped it for the client that left");
        }
    }

    @Test
    void multiExecWithHashTagsAndWatchConflict() throws Exception {
        try (RespConn a = new RespConn(port); RespConn b = new RespConn(port)) {
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("+QUEUED\r\n", a.call("SET", "{u}a", "1"));
            assertEquals("+QUEUED\r\n", a.call("INCR", "{u}b"));
            assertEquals("+QUEUED\r\n", a.call("MGET", "{u}a", "{u}b"));
            assertEquals("*3\r\n+OK\r\n:1\r\n*2\r\n$1\r\n1\r\n$1\r\n1\r\n", a.call("EXEC"));
            // DISCARD
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("+QUEUED\r\n", a.call("SET", "{u}a", "2"));
            assertEquals("+OK\r\n", a.call("DISCARD"));
            assertEquals("$1\r\n1\r\n", a.call("GET", "{u}a"));
            // WATCH and a conflicting write from another client: EXEC answers nil
            assertEquals("+OK\r\n", a.call("WATCH", "{w}k"));
            assertEquals("$-1\r\n", a.call("GET", "{w}k"));
            assertEquals("+OK\r\n", b.call("SET", "{w}k", "theirs"));
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("+QUEUED\r\n", a.call("SET", "{w}k", "mine"));
            assertEquals("*-1\r\n", a.call("EXEC"));
            assertEquals("$6\r\ntheirs\r\n", b.call("GET", "{w}k"));
            // WATCH without a conflict
            assertEquals("+OK\r\n", a.call("WATCH", "{w}k"));
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("+QUEUED\r\n", a.call("SET", "{w}k", "mine"));
            assertEquals("*1\r\n+OK\r\n", a.call("EXEC"));
            assertEquals("$4\r\nmine\r\n", b.call("GET", "{w}k"));
            // errors as redis gives them
            assertEquals("-ERR EXEC without MULTI\r\n", a.call("EXEC"));
            assertEquals("-ERR DISCARD without MULTI\r\n", a.call("DISCARD"));
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("-ERR MULTI calls can not be nested\r\n", a.call("MULTI"));
            assertEquals("*0\r\n", a.call("EXEC"));
        }
    }

    @Test
    void requestsPipelinedAfterExecOrABlockedPopRunAfterIt() throws Exception {
        try (RespConn a = new RespConn(port); RespConn b = new RespConn(port)) {
            // one write: the GET and the MGET fragment on the transaction's server must see what EXEC did
            a.pipeline(new String[] {"MULTI"}, new String[] {"SET", "{o}k", "1"}, new String[] {"INCR", "{o}k"},
                    new String[] {"EXEC"}, new String[] {"GET", "{o}k"}, new String[] {"MGET", "{o}k", "other"},
                    new String[] {"INCR", "{o}k"});
            for (String want : new String[] {"+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "*2\r\n+OK\r\n:2\r\n",
                    "$1\r\n2\r\n", "*2\r\n$1\r\n2\r\n$-1\r\n", ":3\r\n"}) {
                assertEquals(want, a.read());
            }
            // a blocked pop with a read of its list pipelined behind it: the read runs once the pop is served,
            // and its pool timeout (1000 ms) does not cut it while it waits behind the 1.6 s the pop blocks
            a.pipeline(new String[] {"BLPOP", "{o}list", "3"}, new String[] {"LLEN", "{o}list"});
            Await.until("blocked on the backend", Duration.ofSeconds(5),
                    () -> backends.stream().mapToInt(r -> clientsWithCmd(r, "blpop")).sum() == 1);
            Thread.sleep(1600); // past the pool timeout of the LLEN queued behind the pop
            assertEquals(":2\r\n", b.call("RPUSH", "{o}list", "x", "y"));
            assertEquals("*2\r\n$7\r\n{o}list\r\n$1\r\nx\r\n", a.read());
            assertEquals(":1\r\n", a.read(), "LLEN ran after the pop, not before it");
            assertEquals("+PONG\r\n", a.call("PING"));
        }
    }

    @Test
    void aCrossServerCommandInsideMultiAbortsExec() throws Exception {
        try (RespConn a = new RespConn(port); RespConn b = new RespConn(port)) {
            String[] two = keysOnTwoServers(b);
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("+QUEUED\r\n", a.call("SET", two[0], "1"));
            assertTrue(a.call("SET", two[1], "1").startsWith("-CROSSSLOT"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n", a.call("EXEC"));
            assertEquals("$-1\r\n", b.call("GET", two[0]), "nothing of the transaction ran");
            // an unknown command inside MULTI aborts it too, as in redis
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("+QUEUED\r\n", a.call("SET", two[0], "1"));
            assertTrue(a.call("NOSUCHCMD").startsWith("-ERR unknown command"));
            assertTrue(a.call("EXEC").startsWith("-EXECABORT"));
            assertEquals("$-1\r\n", b.call("GET", two[0]));
            assertEquals("+PONG\r\n", a.call("PING"));
        }
    }

    @Test
    void anAdministrationCommandInsideMultiIsAQueuedErrorAndAbortsExec() throws Exception {
        try (RespConn a = new RespConn(port); RespConn b = new RespConn(port)) {
            // the commands redis itself refuses inside MULTI get redis's words there; the others the proxy's
            for (String[] admin : new String[][] {{"SAVE"}, {"SHUTDOWN"}, {"CONFIG", "SET", "maxmemory", "1"},
                {"REPLICAOF", "127.0.0.1", "1"}}) {
                assertEquals("+OK\r\n", a.call("MULTI"));
                assertEquals("+QUEUED\r\n", a.call("SET", "{adm}k", "1"));
                String e = a.call(admin);
                if (admin.length == 1) {
                    assertEquals("-ERR Command not allowed inside a transaction\r\n", e, admin[0]);
                } else {
                    assertEquals("-ERR command '" + admin[0].toLowerCase(java.util.Locale.ROOT)
                            + "' is not forwarded by the proxy\r\n", e);
                }
                assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n", a.call("EXEC"));
                assertEquals("$-1\r\n", b.call("GET", "{adm}k"), "nothing of the transaction ran");
            }
            assertEquals("-ERR command 'save' is not forwarded by the proxy\r\n", a.call("SAVE"), "outside MULTI");
            assertEquals("+PONG\r\n", a.call("PING"));
        }
    }

    @Test
    void anOutOfMemoryServerInsideMultiIsAQueuedErrorNotAClose() throws Exception {
        try (RespConn a = new RespConn(port); RespConn b = new RespConn(port)) {
            int at = placeOf(b, "{oom}k");
            RedisServer full = backends.get(at);
            full.command("CONFIG", "SET", "maxmemory", "1");
            try {
                assertEquals("+OK\r\n", a.call("MULTI"));
                assertTrue(a.call("SET", "{oom}k", "v").startsWith("-OOM"), "the server's -OOM, as redis gives it");
                assertTrue(a.call("EXEC").startsWith("-EXECABORT"), "a queued error aborts the transaction");
                assertEquals("+PONG\r\n", a.call("PING"), "the client's connection stays open");
            } finally {
                full.command("CONFIG", "SET", "maxmemory", "0");
            }
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("+QUEUED\r\n", a.call("SET", "{oom}k", "v"));
            assertEquals("*1\r\n+OK\r\n", a.call("EXEC"), "the same session goes on");
        }
    }

    /** Channels that the pool places on every one of the 4 servers (found through PUBSUB CHANNELS). */
    private Map<Integer, String> channelsOnEveryServer() throws IOException {
        Map<Integer, String> out = new HashMap<>();
        try (RespConn c = new RespConn(port)) {
            for (int i = 0; i < 200 && out.size() < 4; i++) {
                String key = "ch" + i;
                int at = placeOf(c, key);
                out.putIfAbsent(at, key);
            }
        }
        assertEquals(4, out.size());
        return out;
    }

    private static String confirm(String kind, String ch, int n) {
        return "*3\r\n$" + kind.length() + "\r\n" + kind + "\r\n$" + ch.length() + "\r\n" + ch + "\r\n:" + n + "\r\n";
    }

    @Test
    void aSessionRequestWaitsForTheClientsEarlierRequestsOnTheSharedConnection() throws Exception {
        // 300 LPUSHes ride the shared connection; the WATCH behind them opens a session connection, and the
        // LRANGE pipelined after the WATCH follows it there: it must see all 300, as on one redis connection
        for (int round = 0; round < 5; round++) {
            try (RespConn c = new RespConn(port)) {
                String list = "{ord}l" + round;
                // the session connection is open and idle (as after any earlier transaction of this client)
                assertEquals("+OK\r\n", c.call("WATCH", "{ord}k"));
                assertEquals("+OK\r\n", c.call("UNWATCH"));
                String[][] cmds = new String[303][];
                for (int i = 0; i < 300; i++) {
                    cmds[i] = new String[] {"LPUSH", list, "v" + i};
                }
                cmds[300] = new String[] {"WATCH", "{ord}k"};
                cmds[301] = new String[] {"LRANGE", list, "0", "-1"};
                cmds[302] = new String[] {"UNWATCH"};
                c.pipeline(cmds);
                for (int i = 0; i < 300; i++) {
                    assertEquals(":" + (i + 1) + "\r\n", c.read());
                }
                assertEquals("+OK\r\n", c.read());
                assertTrue(c.read().startsWith("*300\r\n"), "LRANGE ran before the LPUSHes it follows");
                assertEquals("+OK\r\n", c.read());
            }
        }
    }

    @Test
    void aSubscribeTheServersRefuseGetsTheirErrorAndSubscribesNothing() throws Exception {
        // two channels on one server, one on another
        String[] same = new String[2];
        String other = null;
        try (RespConn c = new RespConn(port)) {
            int first = placeOf(c, "deny0");
            same[0] = "deny0";
            for (int i = 1; i < 200 && (same[1] == null || other == null); i++) {
                String ch = "deny" + i;
                int at = placeOf(c, ch);
                if (at == first && same[1] == null) {
                    same[1] = ch;
                } else if (at != first && other == null) {
                    other = ch;
                }
            }
        }
        assertNotNull(same[1]);
        assertNotNull(other);
        for (RedisServer b : backends) {
            assertEquals("+OK\r\n", b.command("ACL", "SETUSER", "default", "resetchannels", "&allowed*"));
        }
        try (RespConn viaProxy = new RespConn(port); RespConn direct = new RespConn(backends.get(0).port())) {
            String refusal = direct.call("SUBSCRIBE", same[0], same[1]);
            assertTrue(refusal.startsWith("-NOPERM "), refusal);
            // one channel, two channels on one server (the server answers the whole command with one error), and
            // channels on two servers: the client gets redis's error, not confirmations, and is not subscribed
            assertEquals(refusal, viaProxy.call("SUBSCRIBE", same[0]));
            assertEquals(refusal, viaProxy.call("SUBSCRIBE", same[0], same[1]));
            assertEquals(refusal, viaProxy.call("SUBSCRIBE", same[0], other));
            assertEquals("+PONG\r\n", viaProxy.call("PING"), "not in subscribed mode");
            assertEquals(confirm("subscribe", "allowed-1", 1), viaProxy.call("SUBSCRIBE", "allowed-1"),
                    "the refused names are not counted");
            assertEquals(confirm("unsubscribe", "allowed-1", 0), viaProxy.call("UNSUBSCRIBE", "allowed-1"));
        } finally {
            for (RedisServer b : backends) {
                b.command("ACL", "SETUSER", "default", "allchannels");
            }
        }
    }

    @Test
    void commandsTheProxyAnswersItselfAreRefusedInSubscribedModeAsRedisRefusesThem() throws Exception {
        try (RespConn viaProxy = new RespConn(port); RespConn direct = new RespConn(backends.get(0).port())) {
            assertEquals(confirm("subscribe", "refused-ch", 1), viaProxy.call("SUBSCRIBE", "refused-ch"));
            assertEquals(confirm("subscribe", "refused-ch", 1), direct.call("SUBSCRIBE", "refused-ch"));
            String[][] cmds = {{"CLIENT", "SETNAME", "x"}, {"CLIENT", "REPLY", "OFF"}, {"client", "id"},
                {"CLIENT", "GETNAME"}, {"SELECT", "0"}, {"ECHO", "hi"}, {"AUTH", "pw"}};
            for (String[] cmd : cmds) {
                String expected = direct.call(cmd);
                assertTrue(expected.startsWith("-ERR Can't execute '"), expected);
                assertEquals(expected, viaProxy.call(cmd), String.join(" ", cmd));
            }
            // CLIENT REPLY OFF was refused, not applied: replies keep coming
            assertEquals("*2\r\n$4\r\npong\r\n$0\r\n\r\n", viaProxy.call("PING"));
            assertEquals(confirm("unsubscribe", "refused-ch", 0), viaProxy.call("UNSUBSCRIBE", "refused-ch"));
            // out of subscribed mode the same commands are answered again
            assertEquals("+OK\r\n", viaProxy.call("CLIENT", "SETNAME", "x"));
            assertEquals("$1\r\nx\r\n", viaProxy.call("CLIENT", "GETNAME"));
        }
    }

    @Test
    void pubsubAcrossFourServersEveryMessageOnceInOrderPerChannel() throws Exception {
        Map<Integer, String> byServer = channelsOnEveryServer();
        List<String> chans = new ArrayList<>(byServer.values());
        try (RespConn sub = new RespConn(port); RespConn pub = new RespConn(port)) {
            sub.send("SUBSCRIBE", chans.get(0), chans.get(1), chans.get(2), chans.get(3));
            for (int i = 0; i < 4; i++) {
                assertEquals(confirm("subscribe", chans.get(i), i + 1), sub.read());
            }
            assertEquals(confirm("psubscribe", "news.*", 5), sub.call("PSUBSCRIBE", "news.*"));
            // each channel lives on its own server; the pattern on every server
            for (Map.Entry<Integer, String> e : byServer.entrySet()) {
                RedisServer b = backends.get(e.getKey());
                assertTrue(b.command("PUBSUB", "CHANNELS").contains(e.getValue()));
                assertEquals(":1\r\n", b.command("PUBSUB", "NUMPAT"));
            }
            assertEquals("*2\r\n$4\r\npong\r\n$0\r\n\r\n", sub.call("PING"));
            assertTrue(sub.call("GET", "x").startsWith("-ERR Can't execute 'get'"));
            assertEquals("*2\r\n$" + chans.get(2).length() + "\r\n" + chans.get(2) + "\r\n:1\r\n",
                    pub.call("PUBSUB", "NUMSUB", chans.get(2)));
            assertEquals(":1\r\n", pub.call("PUBSUB", "NUMPAT"));
            int n = 50;
            for (int k = 0; k < n; k++) {
                for (String ch : chans) {
                    assertEquals(":1\r\n", pub.call("PUBLISH", ch, ch + "-" + k));
                }
                assertEquals(":1\r\n", pub.call("PUBLISH", "news.today", "n-" + k));
            }
            Map<String, List<String>> got = new HashMap<>();
            for (int i = 0; i < n * 5; i++) {
                String m = sub.read();
                String[] parts = m.split("\r\n");
                if (parts[2].equals("message")) {
                    got.computeIfAbsent(parts[4], x -> new ArrayList<>()).add(parts[6]);
                } else {
                    assertEquals("pmessage", parts[2], m);
                    got.computeIfAbsent(parts[6], x -> new ArrayList<>()).add(parts[8]);
                }
            }
            for (String ch : chans) {
                List<String> want = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    want.add(ch + "-" + k);
                }
                assertEquals(want, got.get(ch), "every message once, in order, on " + ch);
            }
            assertEquals(n, got.get("news.today").size());
            // unsubscribe from everything: one confirmation per channel, counts down to the pattern
            sub.send("UNSUBSCRIBE");
            List<String> left = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String m = sub.read();
                assertTrue(m.startsWith("*3\r\n$11\r\nunsubscribe\r\n"), m);
                assertTrue(m.endsWith(":" + (4 - i) + "\r\n"), m);
                left.add(m);
            }
            assertEquals(confirm("punsubscribe", "news.*", 0), sub.call("PUNSUBSCRIBE", "news.*"));
            assertEquals("+PONG\r\n", sub.call("PING"), "out of subscribed mode");
            assertEquals("$-1\r\n", sub.call("GET", "x"));
            assertEquals(":0\r\n", pub.call("PUBLISH", chans.get(0), "nobody"));
            assertEquals("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n", sub.call("UNSUBSCRIBE"));
        }
    }

    @Test
    void jedisBlockingPopTransactionAndPubSubListener() throws Exception {
        try (Jedis a = new Jedis("127.0.0.1", port); Jedis b = new Jedis("127.0.0.1", port)) {
            b.rpush("{jq}jobs", "one");
            assertEquals(Arrays.asList("{jq}jobs", "one"), a.blpop(1, "{jq}jobs"));
            assertNull(a.brpop(1, "{jq}jobs"));
            Transaction t = a.multi();
            t.set("{jt}x", "1");
            t.incr("{jt}x");
            t.get("{jt}x");
            assertEquals(Arrays.asList("OK", 2L, "2"), t.exec());
            a.watch("{jt}x");
            b.set("{jt}x", "other");
            Transaction t2 = a.multi();
            t2.set("{jt}x", "mine");
            assertNull(t2.exec());
        }
        Map<Integer, String> byServer = channelsOnEveryServer();
        List<String> chans = new ArrayList<>(byServer.values());
        List<String> received = new CopyOnWriteArrayList<>();
        CountDownLatch subscribed = new CountDownLatch(4);
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onSubscribe(String channel, int n) {
                subscribed.countDown();
            }

            @Override
            public void onMessage(String channel, String message) {
                received.add(channel + ":" + message);
                if (message.equals("last")) {
                    unsubscribe();
                }
            }
        };
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try (Jedis s = new Jedis("127.0.0.1", port); Jedis p = new Jedis("127.0.0.1", port)) {
            Future<?> f = ex.submit(() -> s.subscribe(listener, chans.toArray(new String[0])));
            assertTrue(subscribed.await(10, TimeUnit.SECONDS));
            for (String ch : chans) {
                assertEquals(1L, p.publish(ch, "hello"));
            }
            p.publish(chans.get(0), "last");
            f.get(10, TimeUnit.SECONDS);
            assertEquals(5, received.size(), received.toString());
            assertTrue(received.contains(chans.get(3) + ":hello"));
            assertEquals("PONG", s.ping(), "the connection is usable after the listener returned");
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void overTheSessionLimitTheClientGetsAClearError() throws Exception {
        try (RespConn a = new RespConn(limited); RespConn b = new RespConn(limited)) {
            a.send("BLPOP", "{l}q", "3");
            Await.until("a blocked", Duration.ofSeconds(5),
                    () -> backends.stream().mapToInt(r -> clientsWithCmd(r, "blpop")).sum() == 1);
            String r = b.call("BLPOP", "{l}q", "1");
            assertTrue(r.startsWith("-ERR max number of session connections reached"), r);
            assertEquals("+PONG\r\n", b.call("PING"));
            assertEquals(":1\r\n", b.call("RPUSH", "{l}q", "v"));
            assertEquals("*2\r\n$4\r\n{l}q\r\n$1\r\nv\r\n", a.read());
        }
        // the connection is released with its client: the next client gets one
        try (RespConn c = new RespConn(limited)) {
            Await.until("released", Duration.ofSeconds(5), () -> {
                String r = c.call("BLPOP", "{l}q", "0.01");
                return r.equals("*-1\r\n");
            });
        }
    }

    @Test
    void shardedPubSubResetAndPubsubChannels() throws Exception {
        Map<Integer, String> byServer = channelsOnEveryServer();
        List<String> chans = new ArrayList<>(byServer.values());
        try (RespConn sub = new RespConn(port); RespConn pub = new RespConn(port)) {
            sub.send("SSUBSCRIBE", chans.get(0), chans.get(1));
            assertEquals(confirm("ssubscribe", chans.get(0), 1), sub.read());
            assertEquals(confirm("ssubscribe", chans.get(1), 2), sub.read());
            assertEquals(confirm("subscribe", chans.get(2), 1), sub.call("SUBSCRIBE", chans.get(2)),
                    "shard channels are counted apart, as redis counts them");
            assertEquals(":1\r\n", pub.call("SPUBLISH", chans.get(1), "s1"));
            assertEquals("*3\r\n$8\r\nsmessage\r\n$" + chans.get(1).length() + "\r\n" + chans.get(1)
                    + "\r\n$2\r\ns1\r\n", sub.read());
            String list = pub.call("PUBSUB", "CHANNELS");
            assertTrue(list.startsWith("*1\r\n") && list.contains(chans.get(2)), list);
            assertEquals("+RESET\r\n", sub.call("RESET"));
            assertEquals("$-1\r\n", sub.call("GET", "x"), "out of subscribed mode");
            Await.until("the backends dropped the subscriptions", Duration.ofSeconds(5),
                    () -> pub.call("PUBSUB", "CHANNELS").equals("*0\r\n"));
            assertEquals(":0\r\n", pub.call("PUBLISH", chans.get(2), "gone"));
        }
    }

    @Test
    void aDeadServerGivesTheBlockedClientAnError() throws Exception {
        RedisServer own = RedisServer.start();
        int p = Ports.free();
        try (InProcessProxy px = new InProcessProxy("solo:\n  listen: 127.0.0.1:" + p + "\n  redis: true\n"
                + "  server_retry_timeout: 100\n  servers:\n   - " + own.address() + ":1\n", 16384);
                RespConn a = new RespConn(p)) {
            a.send("BLPOP", "q", "0");
            Await.until("blocked", Duration.ofSeconds(5), () -> clientsWithCmd(own, "blpop") == 1);
            own.close();
            assertTrue(a.read().startsWith("-ERR "), "an error for the blocked client");
            assertTrue(a.call("BLPOP", "q", "0").startsWith("-ERR "), "the server is down");
        } finally {
            own.close();
        }
    }

    @Test
    void thePoolTimeoutOnTopOfTheBlockTimeClosesASessionWhoseServerHangs() throws Exception {
        RedisServer own = RedisServer.start();
        int p = Ports.free();
        try (InProcessProxy px = new InProcessProxy("solo:\n  listen: 127.0.0.1:" + p + "\n  redis: true\n"
                + "  timeout: 300\n  servers:\n   - " + own.address() + ":1\n", 16384);
                RespConn a = new RespConn(p)) {
            assertEquals("+OK\r\n", a.call("WATCH", "k"), "the session connection is open");
            own.pause();
            try {
                long t0 = System.nanoTime();
                String r = a.call("BLPOP", "q", "0.5");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(r.startsWith("-ERR ") && r.toLowerCase().contains("timed out"), r);
                assertTrue(ms >= 750, "not before the block time plus the pool timeout: " + ms + " ms");
            } finally {
                own.resume();
            }
            assertEquals("*-1\r\n", a.call("BLPOP", "q", "0.01"), "a new session connection after the timeout");
        } finally {
            own.close();
        }
    }

    @Test
    void pipelinedWatchAndSubscribeOnOneSessionConnectionKeepTheirReplies() throws Exception {
        try (RespConn a = new RespConn(port); RespConn pub = new RespConn(port)) {
            a.out.write(Resp.command("WATCH", "{t}k", "{t}j"));
            a.out.write(Resp.command("SUBSCRIBE", "{t}ch", "{t}ch2"));
            a.out.flush();
            assertEquals("+OK\r\n", a.read());
            assertEquals(confirm("subscribe", "{t}ch", 1), a.read());
            assertEquals(confirm("subscribe", "{t}ch2", 2), a.read());
            assertEquals(":1\r\n", pub.call("PUBLISH", "{t}ch2", "m"));
            assertEquals("*3\r\n$7\r\nmessage\r\n$6\r\n{t}ch2\r\n$1\r\nm\r\n", a.read());
            a.send("UNSUBSCRIBE");
            assertTrue(a.read().startsWith("*3\r\n$11\r\nunsubscribe\r\n"));
            assertTrue(a.read().endsWith(":0\r\n"));
            assertEquals("+PONG\r\n", a.call("PING"));
        }
    }
}
