package org.twemproxy4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.stats.LatencyHistogram;
import org.twemproxy4j.stats.Stats;
import org.twemproxy4j.stats.StatsLayout;
import org.twemproxy4j.stats.StatsPoolField;
import org.twemproxy4j.stats.StatsServerField;
import org.twemproxy4j.stats.StatsView;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatsBridgeTest {
    static final String YAML = String.join("\n",
            "zeta:",
            "  listen: 127.0.0.1:22121",
            "  redis: true",
            "  servers:",
            "   - 127.0.0.1:6380:1 bbbb",
            "   - 127.0.0.1:6379:1 a",
            "   - 127.0.0.1:6381:1 ccc",
            "alpha:",
            "  listen: 127.0.0.1:22122",
            "  servers:",
            "   - 127.0.0.1:11211:1",
            "");

    /** A do-nothing protocol (a JDK proxy: the stats need none of it). */
    static Proto proto() {
        return (Proto) java.lang.reflect.Proxy.newProxyInstance(Proto.class.getClassLoader(),
                new Class<?>[] {Proto.class}, (self, m, args) -> {
                    Class<?> r = m.getReturnType();
                    if (r == boolean.class) {
                        return false;
                    }
                    if (r == int.class || r == long.class || r == short.class || r == byte.class) {
                        return r == long.class ? (Object) 0L : (Object) 0;
                    }
                    return m.getName().equals("name") ? "redis" : null;
                });
    }

    static ServerPool[] pools(Conf conf) {
        Proto proto = proto();
        ServerPool[] ps = new ServerPool[conf.pools().size()];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = new ServerPool(i, conf.pools().get(i), proto);
        }
        return ps;
    }

    @Test
    void layoutIsNutcrackersOrderFromConfOrPools() throws Exception {
        Conf conf = Conf.parse(YAML, "t.yml");
        StatsLayout a = StatsBridge.layout(conf);
        StatsLayout b = StatsBridge.layout(pools(conf));
        assertEquals(2, a.npool());
        assertEquals("zeta", a.pool(0));
        assertEquals("alpha", a.pool(1));
        assertEquals(List.of("a", "ccc", "bbbb"), List.of(a.server(0, 0), a.server(0, 1), a.server(0, 2)));
        assertEquals("127.0.0.1", a.server(1, 0)); // port 11211: the host alone
        for (int p = 0; p < 2; p++) {
            assertEquals(a.pool(p), b.pool(p));
            for (int s = 0; s < a.nserver(p); s++) {
                assertEquals(a.server(p, s), b.server(p, s));
            }
        }
    }

    @Test
    void aLayoutOfOtherPoolsIsRefused() throws Exception {
        ServerPool[] ps = pools(Conf.parse(YAML, "t.yml"));
        Stats other = new Stats(new StatsLayout(List.of("zeta", "alpha"), List.of(List.of("a", "bbbb", "ccc"),
                List.of("127.0.0.1"))), "h");
        assertThrows(IllegalArgumentException.class, () -> new StatsBridge(ps, other, () -> 0, () -> 0, null));
    }

    @Test
    void handsOverASnapshotOnlyWhenAsked() throws Exception {
        ServerPool[] ps = pools(Conf.parse(YAML, "t.yml"));
        Stats stats = new Stats(StatsBridge.layout(ps), "h");
        AtomicInteger wakeups = new AtomicInteger();
        long[] conns = {3, 10};
        StatsBridge bridge = new StatsBridge(ps, stats, () -> conns[0], () -> conns[1], wakeups::incrementAndGet);

        ps[0].stats[CoreStats.CLIENT_EOF] = 4;
        ps[0].stats[CoreStats.CLIENT_CONNECTIONS] = 2;
        ps[0].servers[2].stats[CoreStats.REQUESTS] = 17;
        ps[0].servers[2].stats[CoreStats.SERVER_EJECTED_AT] = 1795626379426083L;
        ps[1].servers[0].stats[CoreStats.OUT_QUEUE_BYTES] = 99;
        bridge.recordLatency(0, 2, 1_500_000);  // 1500 µs, server bbbb
        bridge.recordLatency(0, -1, 40_000);    // 40 µs, no single server
        bridge.onLoop();
        assertFalse(stats.collect(), "nothing was asked for");

        assertTrue(stats.request());
        assertEquals(1, wakeups.get(), "the loop is woken for the snapshot");
        bridge.onLoop();
        assertFalse(stats.snapshotRequested());
        ps[0].servers[2].stats[CoreStats.REQUESTS] = 18; // after the hand-over: not in this view
        assertTrue(stats.collect());
        StatsView v = stats.view();
        assertEquals(4, v.pool(0, StatsPoolField.CLIENT_EOF));
        assertEquals(2, v.pool(0, StatsPoolField.CLIENT_CONNECTIONS));
        assertEquals(17, v.server(0, 2, StatsServerField.REQUESTS));
        assertEquals(1795626379426083L, v.server(0, 2, StatsServerField.SERVER_EJECTED_AT));
        assertEquals(99, v.server(1, 0, StatsServerField.OUT_QUEUE_BYTES));
        assertEquals(3, v.currConnections());
        assertEquals(10, v.totalConnections());
        assertEquals(2, v.poolLatency(0).count());
        assertEquals(1500, v.poolLatency(0).maxMicros());
        assertEquals(1, v.serverLatency(0, 2).count());
        assertEquals(1500, v.serverLatency(0, 2).maxMicros());
        assertEquals(0, v.serverLatency(0, 0).count());
        assertEquals(0, v.poolLatency(1).count());

        stats.request();
        bridge.onLoop();
        stats.collect();
        assertEquals(18, stats.view().server(0, 2, StatsServerField.REQUESTS));
    }

    @Test
    void aClusterNodeThatLeftTheSlotMapLeavesTheStatsAndComesBackWhenNamedAgain() throws Exception {
        ServerPool[] ps = pools(Conf.parse("cl:\n  listen: 127.0.0.1:22123\n  redis: true\n  redis_cluster: true\n"
                + "  servers:\n   - 127.0.0.1:7000:1\n", "t.yml"));
        Stats stats = new Stats(StatsBridge.layout(ps), "h");
        StatsBridge bridge = new StatsBridge(ps, stats, () -> 0, () -> 0, null);
        // two nodes the slot map named (as ClusterPool.nodeOf adds them)
        ServerPool pool = ps[0];
        Server[] grown = java.util.Arrays.copyOf(pool.servers, 3);
        grown[1] = new Server(pool, 1, org.twemproxy4j.core.conf.ConfServer.node("127.0.0.1", 7001));
        grown[2] = new Server(pool, 2, org.twemproxy4j.core.conf.ConfServer.node("127.0.0.1", 7002));
        pool.servers = grown;
        bridge.nodesChanged();
        grown[0].stats[CoreStats.REQUESTS] = 5;
        grown[1].stats[CoreStats.REQUESTS] = 6;
        grown[2].stats[CoreStats.REQUESTS] = 7;
        assertEquals(Map.of("127.0.0.1:7000", 5L, "127.0.0.1:7001", 6L, "127.0.0.1:7002", 7L), requests(stats, bridge));

        grown[1].departed = true; // ClusterPool.sweep: the map no longer names it
        bridge.nodesChanged();
        assertEquals(Map.of("127.0.0.1:7000", 5L, "127.0.0.1:7002", 7L), requests(stats, bridge),
                "the departed node is not listed, and the others keep their own figures");

        grown[1].departed = false; // named again: its counters carry on
        grown[1].stats[CoreStats.REQUESTS] = 8;
        bridge.nodesChanged();
        assertEquals(Map.of("127.0.0.1:7000", 5L, "127.0.0.1:7001", 8L, "127.0.0.1:7002", 7L), requests(stats, bridge));
    }

    /** One snapshot through the bridge: each listed server's requests, by name. */
    private static Map<String, Long> requests(Stats stats, StatsBridge bridge) {
        assertTrue(stats.request());
        bridge.onLoop();
        stats.collect();
        StatsView v = stats.view();
        Map<String, Long> m = new java.util.HashMap<>();
        for (int s = 0; s < v.layout().nserver(0); s++) {
            m.put(v.layout().server(0, s), v.server(0, s, StatsServerField.REQUESTS));
        }
        return m;
    }

    @Test
    void recordLatencyFillsFixedBuckets() throws Exception {
        ServerPool[] ps = pools(Conf.parse(YAML, "t.yml"));
        StatsBridge bridge = new StatsBridge(ps, new Stats(StatsBridge.layout(ps), "h"), () -> 0, () -> 0, null);
        for (int i = 1; i <= 1000; i++) {
            bridge.recordLatency(0, 1, i * 1000L);
        }
        long[] h = bridge.serverLatency(0, 1);
        assertEquals(1000, h[LatencyHistogram.COUNT]);
        assertEquals(1000, h[LatencyHistogram.MAX]);
        long p99 = LatencyHistogram.quantile(h, 0.99);
        assertTrue(p99 >= 990 && p99 <= 990 + 990 / 16, "p99 " + p99);
        assertEquals(1000, bridge.poolLatency(0)[LatencyHistogram.COUNT]);
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void coreConnectionsCountTheListenersAsNutcrackerDoes() throws Exception {
        Conf conf = Conf.parse(YAML.replace("127.0.0.1:22121", "127.0.0.1:" + freePort())
                .replace("127.0.0.1:22122", "127.0.0.1:" + freePort()), "t.yml");
        Proto proto = proto();
        Instance inst = new Instance("t.yml", 5, null, 22222, "127.0.0.1", 0, null, 16384, "h", 1);
        try (Core core = new Core(inst, conf, Map.of("redis", proto, "memcache", proto))) {
            core.start();
            Stats stats = core.stats();
            stats.request();
            core.runOnce(0);
            stats.collect();
            assertEquals(2, stats.view().currConnections(), "two listeners, no client yet");
            assertEquals(2, stats.view().totalConnections());
            assertEquals("zeta", stats.layout().pool(0));
        }
    }

    @Test
    void theLoopSideAllocatesNothing() throws Exception {
        ServerPool[] ps = pools(Conf.parse(YAML, "t.yml"));
        Stats stats = new Stats(StatsBridge.layout(ps), "h");
        StatsBridge bridge = new StatsBridge(ps, stats, () -> 1, () -> 2, null);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int round = 0; round < 3; round++) { // warm up, then measure
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 100_000; i++) {
                bridge.recordLatency(0, i % 3, i * 37L);
                bridge.onLoop();
            }
            stats.request();
            bridge.onLoop(); // one copy
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            stats.collect();
            if (round == 2) {
                assertTrue(allocated < 1024, "allocated " + allocated + " bytes on the loop side");
            }
        }
        assertNotEquals(0, stats.view().poolLatency(0).count());
    }
}
