package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatsHandoverTest {
    static final StatsLayout LAYOUT = new StatsLayout(List.of("alpha", "beta"),
            List.of(List.of("127.0.0.1:6379", "127.0.0.1:6380"), List.of("a")));

    /** What the core's StatsBridge does, with counters of its own (the stats module cannot see the core). */
    static final class FakeLoop {
        final long[][] pool = new long[2][StatsPoolField.COUNT];
        final long[][][] server = {new long[2][StatsServerField.COUNT], new long[1][StatsServerField.COUNT]};
        final long[] latency = LatencyHistogram.create();
        long curr;
        long total;

        void onLoop(Stats stats) {
            if (!stats.snapshotRequested()) {
                return;
            }
            StatsSnapshot sh = stats.shadow();
            for (int p = 0; p < 2; p++) {
                System.arraycopy(pool[p], 0, sh.pool[p], 0, pool[p].length);
                for (int s = 0; s < server[p].length; s++) {
                    System.arraycopy(server[p][s], 0, sh.server[p][s], 0, server[p][s].length);
                }
            }
            System.arraycopy(latency, 0, sh.serverLatency[0][1], 0, latency.length);
            sh.currConnections = curr;
            sh.totalConnections = total;
            stats.snapshotTaken();
        }
    }

    @Test
    void stateMachine() {
        Stats stats = new Stats(LAYOUT, "h");
        FakeLoop loop = new FakeLoop();
        StatsView empty = stats.view();
        assertFalse(stats.snapshotRequested());
        assertFalse(stats.collect(), "nothing handed over yet");
        AtomicInteger wakeups = new AtomicInteger();
        stats.setLoopWaker(wakeups::incrementAndGet);
        assertTrue(stats.request());
        assertEquals(1, wakeups.get());
        assertFalse(stats.request(), "already requested");
        assertTrue(stats.snapshotRequested());
        assertFalse(stats.collect(), "not handed over yet");
        loop.pool[0][StatsPoolField.CLIENT_EOF.ordinal()] = 5;
        loop.server[1][0][StatsServerField.REQUESTS.ordinal()] = 9;
        loop.curr = 3;
        loop.total = 11;
        loop.onLoop(stats);
        assertFalse(stats.snapshotRequested());
        assertFalse(stats.request(), "a snapshot waits to be collected");
        assertSame(empty, stats.view());
        assertTrue(stats.collect());
        StatsView v = stats.view();
        assertEquals(5, v.pool(0, StatsPoolField.CLIENT_EOF));
        assertEquals(9, v.server(1, 0, StatsServerField.REQUESTS));
        assertEquals(3, v.currConnections());
        assertEquals(11, v.totalConnections());
        // the view is a copy: later loop writes do not show through
        loop.pool[0][StatsPoolField.CLIENT_EOF.ordinal()] = 6;
        assertEquals(5, v.pool(0, StatsPoolField.CLIENT_EOF));
        loop.onLoop(stats); // not requested: no copy
        assertFalse(stats.collect());
    }

    @Test
    void aClusterPoolListsItsSeedsAndTheNodesALoopListsNow() {
        StatsLayout seeds = cluster(List.of("s:1"));
        Stats stats = new Stats(seeds, "h");
        StatsSlot slot = stats.slot();
        assertEquals(List.of("s:1", "n:2"), listed(stats, slot, cluster(List.of("s:1", "n:2"))), "a node found");
        assertEquals(List.of("s:1"), listed(stats, slot, seeds), "the node left the slot map");
        // a reload names the node as a seed: listed whatever the loop lists, even though the listing was the same
        listed(stats, slot, cluster(List.of("s:1", "n:2")));
        stats.layout(cluster(List.of("s:1", "n:2")));
        assertEquals(List.of("s:1", "n:2"), listed(stats, slot, seeds), "a configured seed stays");
    }

    private static StatsLayout cluster(List<String> servers) {
        return new StatsLayout(List.of("cl"), List.of(servers), List.of(true));
    }

    /** One hand-over from a loop laid out as {@code l}; the servers the stats then list. */
    private static List<String> listed(Stats stats, StatsSlot slot, StatsLayout l) {
        slot.layout(l);
        assertTrue(stats.request());
        slot.shadow();
        slot.snapshotTaken();
        stats.collect();
        List<String> out = new java.util.ArrayList<>();
        for (int s = 0; s < stats.layout().nserver(0); s++) {
            out.add(stats.layout().server(0, s));
        }
        return out;
    }

    @Test
    void refreshWithoutALoopKeepsTheLastView() {
        Stats stats = new Stats(LAYOUT, "h");
        StatsView before = stats.view();
        long t0 = System.nanoTime();
        assertSame(before, stats.refresh(30));
        assertTrue(System.nanoTime() - t0 >= 30_000_000L);
        assertTrue(stats.pending());
    }

    /**
     * A loop thread counts as fast as it can while readers refresh concurrently: every published view must be
     * internally consistent (fields the loop always changes together are equal, gauges never torn), views
     * never go back, and the last view after the loop stops holds every increment.
     */
    @Test
    void noLostUpdatesNoTornSnapshots() throws Exception {
        Stats stats = new Stats(LAYOUT, "h");
        FakeLoop loop = new FakeLoop();
        AtomicBoolean stop = new AtomicBoolean();
        final int n = 2_000_000;
        Thread t = new Thread(() -> {
            int req = StatsServerField.REQUESTS.ordinal();
            int rsp = StatsServerField.RESPONSES.ordinal();
            int inq = StatsServerField.IN_QUEUE.ordinal();
            int cc = StatsPoolField.CLIENT_CONNECTIONS.ordinal();
            for (int i = 1; i <= n; i++) {
                loop.server[0][1][req]++;
                loop.server[0][1][inq] = i % 7;          // a gauge: current value
                loop.pool[0][cc] = i % 7;                 // always equal to in_queue
                loop.server[0][1][rsp]++;                 // always equal to requests
                LatencyHistogram.record(loop.latency, i % 1000);
                if ((i & 63) == 0) {
                    loop.onLoop(stats);
                }
            }
            loop.onLoop(stats);
            stop.set(true);
            while (stop.get()) { // keep answering until the reader has its final view
                loop.onLoop(stats);
                Thread.onSpinWait();
            }
        }, "fake-loop");
        t.setDaemon(true);
        t.start();
        long last = -1;
        int views = 0;
        while (!stop.get()) {
            StatsView v = stats.refresh(50);
            long req = v.server(0, 1, StatsServerField.REQUESTS);
            assertEquals(req, v.server(0, 1, StatsServerField.RESPONSES), "torn snapshot");
            assertEquals(v.server(0, 1, StatsServerField.IN_QUEUE), v.pool(0, StatsPoolField.CLIENT_CONNECTIONS));
            assertEquals(req, v.serverLatency(0, 1).count());
            assertTrue(req >= last, "went back");
            last = req;
            views++;
        }
        StatsView fin = stats.refresh(5_000);
        stop.set(false);
        t.join(5_000);
        assertEquals(n, fin.server(0, 1, StatsServerField.REQUESTS));
        assertEquals(n, fin.server(0, 1, StatsServerField.RESPONSES));
        assertEquals(n % 7, fin.server(0, 1, StatsServerField.IN_QUEUE));
        assertEquals(n, fin.serverLatency(0, 1).count());
        assertEquals(999, fin.serverLatency(0, 1).maxMicros());
        assertTrue(views > 0);
    }

    @SuppressWarnings("unchecked")
    @Test
    void dropwizardGauges() {
        MetricRegistry registry = new MetricRegistry();
        Stats stats = new Stats(LAYOUT, "h", registry);
        FakeLoop loop = new FakeLoop();
        loop.pool[1][StatsPoolField.FORWARD_ERROR.ordinal()] = 4;
        loop.server[0][0][StatsServerField.SERVER_EJECTED_AT.ordinal()] = 1795626379426083L;
        loop.total = 8;
        LatencyHistogram.record(loop.latency, 250);
        stats.request();
        loop.onLoop(stats);
        stats.collect();
        assertEquals(4L, ((Gauge<Long>) registry.getGauges().get("twemproxy4j.beta.forward_error")).getValue());
        assertEquals(1795626379426083L,
                ((Gauge<Long>) registry.getGauges().get("twemproxy4j.alpha.127.0.0.1:6379.server_ejected_at"))
                        .getValue());
        assertEquals(8L, ((Gauge<Long>) registry.getGauges().get("twemproxy4j.total_connections")).getValue());
        assertEquals(250L,
                ((Gauge<Long>) registry.getGauges().get("twemproxy4j.alpha.127.0.0.1:6380.latency_p99_us"))
                        .getValue());
        assertEquals(1L, ((Gauge<Long>) registry.getGauges().get("twemproxy4j.alpha.127.0.0.1:6380.latency_count"))
                .getValue());
        // 3 process + per pool (6 + 6 latency) + per server (13 + 6 latency)
        assertEquals(3 + 2 * 12 + 3 * 19, registry.getGauges().size());
        stats.unregister();
        assertEquals(0, registry.getGauges().size());
    }
}
