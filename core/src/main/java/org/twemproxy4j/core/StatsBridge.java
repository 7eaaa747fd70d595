package org.twemproxy4j.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfPool;
import org.twemproxy4j.core.conf.ConfServer;
import org.twemproxy4j.stats.LatencyHistogram;
import org.twemproxy4j.stats.Stats;
import org.twemproxy4j.stats.StatsLayout;
import org.twemproxy4j.stats.StatsSlot;
import org.twemproxy4j.stats.StatsSnapshot;

/**
 * The event loop's side of the stats hand-over (nutcracker's stats_swap(), called once per core_loop()): when
 * the aggregator has asked for a snapshot (its {@link StatsSlot#snapshotRequested()}, one volatile read per turn),
 * {@link #onLoop()} copies every pool's and server's counters ({@link ServerPool#stats}, {@link Server#stats},
 * cumulative plain {@code long[]}), the latency histograms and the process-wide connection counts into the
 * stats' shadow buffers, then releases them with one volatile write ({@link StatsSlot#snapshotTaken()}).
 *
 * <p>It also keeps twemproxy4j's request latency histograms (not in nutcracker): one
 * {@link LatencyHistogram} per pool (every reply) and one per server (replies a single server answered),
 * recorded by {@link #recordLatency} without allocation or locks.
 *
 * <p>{@code total_connections} and {@code curr_connections} count as nutcracker's conn_ntotal_conn() and
 * conn_ncurr_conn() do: clients and server connections, plus the pools' listeners (the stats listener is not
 * counted).
 *
 * <p>What the core does with it: {@code Core} builds it over its pools with the {@link Stats} injected (bound by the
 * launcher) and hands it to its {@code Context} as the {@link StatsSink}; {@code runOnce} calls
 * {@link #onLoop()} after each turn; {@code Context.msgGet} stamps a request's {@code startNanos}, {@code forwardTo}
 * its {@code serverIdx}, and {@code ClientConn.sendDone} calls {@link #recordLatency} through {@link StatsSink}.
 *
 * <p>Event-loop confined, except the constructors and {@link #stats()}.
 */
public final class StatsBridge implements StatsSink {
    private ServerPool[] pools;                  // the core's pools (a reload replaces them)
    private final Stats stats;
    private final StatsSlot slot;                // this loop's slot of the stats
    private final LongSupplier currConnections;
    private final LongSupplier totalConnections;
    private long[][] poolLatency;                // [pool] histogram
    private long[][][] serverLatency;            // [pool][server] histogram

    /**
     * A bridge for {@code pools} (the Context's, in index order) feeding {@code stats}, whose layout must name
     * the same pools and servers in the same order. {@code loopWaker} (may be null) wakes the event loop when
     * the aggregator asks for a snapshot, so that it is taken at once rather than at the loop's next turn.
     */
    public StatsBridge(ServerPool[] pools, Stats stats, LongSupplier currConnections, LongSupplier totalConnections,
            Runnable loopWaker) {
        this(pools, stats, stats.slot(), currConnections, totalConnections, loopWaker);
    }

    /** A bridge feeding {@code slot} of {@code stats} (one event loop among several). */
    public StatsBridge(ServerPool[] pools, Stats stats, StatsSlot slot, LongSupplier currConnections,
            LongSupplier totalConnections, Runnable loopWaker) {
        this.pools = Objects.requireNonNull(pools);
        this.stats = Objects.requireNonNull(stats);
        this.slot = Objects.requireNonNull(slot);
        this.currConnections = Objects.requireNonNull(currConnections);
        this.totalConnections = Objects.requireNonNull(totalConnections);
        check(stats.layout(), pools);
        slot.layout(layout(pools));
        this.poolLatency = new long[pools.length][];
        this.serverLatency = new long[pools.length][][];
        for (int p = 0; p < pools.length; p++) {
            poolLatency[p] = LatencyHistogram.create();
            int ns = pools[p].servers.length;
            serverLatency[p] = new long[ns][];
            for (int s = 0; s < ns; s++) {
                serverLatency[p][s] = LatencyHistogram.create();
            }
        }
        slot.setLoopWaker(loopWaker);
    }

    /** The stats layout of a configuration: its pools and their servers' node names, in nutcracker's order. */
    public static StatsLayout layout(Conf conf) {
        List<String> pools = new ArrayList<>();
        List<List<String>> servers = new ArrayList<>();
        List<Boolean> cluster = new ArrayList<>();
        for (ConfPool cp : conf.pools()) {
            pools.add(cp.name());
            cluster.add(cp.redisCluster());
            List<String> names = new ArrayList<>();
            for (ConfServer cs : cp.servers()) {
                names.add(cs.name());
            }
            servers.add(names);
        }
        return new StatsLayout(pools, servers, cluster);
    }

    /** The stats layout of the core's pools. */
    public static StatsLayout layout(ServerPool[] pools) {
        List<String> names = new ArrayList<>();
        List<List<String>> servers = new ArrayList<>();
        List<Boolean> cluster = new ArrayList<>();
        for (ServerPool p : pools) {
            names.add(p.name());
            cluster.add(p.cluster != null);
            List<String> sn = new ArrayList<>();
            for (Server s : p.servers()) {
                if (!s.departed) { // a cluster node that left the slot map is not listed (ClusterPool.sweep)
                    sn.add(s.name());
                }
            }
            servers.add(sn);
        }
        return new StatsLayout(names, servers, cluster);
    }

    private static void check(StatsLayout l, ServerPool[] pools) {
        if (l.npool() != pools.length) {
            throw new IllegalArgumentException("stats name " + l.npool() + " pools, the core has " + pools.length);
        }
        for (int p = 0; p < pools.length; p++) {
            if (!l.pool(p).equals(pools[p].name()) || l.nserver(p) != pools[p].servers.length) {
                throw new IllegalArgumentException("stats pool " + p + " '" + l.pool(p) + "' does not match pool '"
                        + pools[p].name() + "'");
            }
            for (int s = 0; s < pools[p].servers.length; s++) {
                if (!l.server(p, s).equals(pools[p].servers[s].name())) {
                    throw new IllegalArgumentException("stats server '" + l.server(p, s) + "' of pool '"
                            + l.pool(p) + "' does not match server '" + pools[p].servers[s].name() + "'");
                }
            }
        }
    }

    /**
     * A reload replaced the core's pools with {@code next}: later snapshots have its layout, and the latency
     * histograms of pools and servers that persist (by name) carry on. Loop thread.
     */
    void pools(ServerPool[] next) {
        long[][] pl = new long[next.length][];
        long[][][] sl = new long[next.length][][];
        for (int p = 0; p < next.length; p++) {
            int op = indexOf(pools, next[p].name());
            pl[p] = op >= 0 ? poolLatency[op] : LatencyHistogram.create();
            Server[] ss = next[p].servers;
            sl[p] = new long[ss.length][];
            for (int s = 0; s < ss.length; s++) {
                int os = op >= 0 ? serverIndex(pools[op], ss[s].name()) : -1;
                sl[p][s] = os >= 0 ? serverLatency[op][os] : LatencyHistogram.create();
            }
        }
        pools = next;
        poolLatency = pl;
        serverLatency = sl;
        slot.layout(layout(next));
    }

    private static int indexOf(ServerPool[] ps, String name) {
        for (int i = 0; i < ps.length; i++) {
            if (ps[i].name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static int serverIndex(ServerPool p, String name) {
        Server[] ss = p.servers;
        for (int i = 0; i < ss.length; i++) {
            if (ss[i].name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The stats this bridge feeds (thread-safe). */
    public Stats stats() {
        return stats;
    }

    /** Once per loop turn: hands a snapshot over when one is asked for. Allocation-free. */
    public void onLoop() {
        if (slot.snapshotRequested()) {
            snapshot();
        }
    }

    /** Copies everything into the shadow and releases it (stats_swap()). */
    void snapshot() {
        StatsSnapshot sh = slot.shadow();
        ServerPool[] ps = pools;
        for (int p = 0; p < ps.length; p++) {
            ServerPool pool = ps[p];
            System.arraycopy(pool.stats, 0, sh.pool[p], 0, pool.stats.length);
            System.arraycopy(poolLatency[p], 0, sh.poolLatency[p], 0, LatencyHistogram.LENGTH);
            Server[] ss = pool.servers;
            int ns = Math.min(ss.length, serverLatency[p].length);
            int nout = sh.server[p].length;
            if (pool.cluster != null) {
                pool.cluster.counters(sh.cluster[p]);
            }
            // the layout lists the servers in order, departed cluster nodes left out (see layout(ServerPool[]))
            int o = 0;
            for (int s = 0; s < ns && o < nout; s++) {
                if (ss[s].departed) {
                    continue;
                }
                System.arraycopy(ss[s].stats, 0, sh.server[p][o], 0, ss[s].stats.length);
                System.arraycopy(serverLatency[p][s], 0, sh.serverLatency[p][o], 0, LatencyHistogram.LENGTH);
                o++;
            }
        }
        sh.currConnections = currConnections.getAsLong();
        sh.totalConnections = totalConnections.getAsLong();
        slot.snapshotTaken();
    }

    /**
     * Records the latency of one request, from its arrival to its reply to the client, in pool
     * {@code poolIdx}, and in server {@code serverIdx} when one server answered it (-1 otherwise: a
     * fragmented request, or an error reply no server produced). Allocation-free.
     */
    @Override
    public void recordLatency(int poolIdx, int serverIdx, long nanos) {
        if (poolIdx < 0 || poolIdx >= poolLatency.length) {
            return; // a client of a pool a reload removed, still draining
        }
        long micros = nanos / 1000L;
        LatencyHistogram.record(poolLatency[poolIdx], micros);
        long[][] sl = serverLatency[poolIdx];
        if (serverIdx >= 0 && serverIdx < sl.length) { // a request sent before a reload may name an old index
            LatencyHistogram.record(sl[serverIdx], micros);
        }
    }

    /** Pool {@code p}'s latency histogram (loop thread; tests). */
    long[] poolLatency(int p) {
        return poolLatency[p];
    }

    /** Server {@code s} of pool {@code p}'s latency histogram (loop thread; tests). */
    long[] serverLatency(int p, int s) {
        return serverLatency[p][s];
    }

    /** A cluster pool found a node: later snapshots carry it (its latency histogram starts now). Loop thread. */
    @Override
    public void nodesChanged() {
        for (int p = 0; p < pools.length; p++) {
            int had = serverLatency[p].length;
            int ns = pools[p].servers.length;
            if (ns > had) {
                serverLatency[p] = java.util.Arrays.copyOf(serverLatency[p], ns);
                for (int s = had; s < ns; s++) {
                    serverLatency[p][s] = LatencyHistogram.create();
                }
            }
        }
        slot.layout(layout(pools));
    }
}
