package org.twemproxy4j.stats;

/**
 * The shadow buffers of the current/shadow handover (nutcracker's {@code shadow}): one copy of every pool's and
 * server's counters and latency histograms, plus the process-wide connection counts, as the event loop saw
 * them at one moment.
 *
 * <p>Ownership alternates, never shared: while {@link Stats} has a snapshot requested, only the event loop
 * writes it; after the loop's volatile hand-over, only the aggregator reads it, until it asks again. Plain
 * arrays and fields; the happens-before comes from {@link Stats}'s volatile state.
 */
public final class StatsSnapshot {
    /** {@code pool[p]}: StatsPoolField order. */
    public final long[][] pool;
    /** {@code server[p][s]}: StatsServerField order. */
    public final long[][][] server;
    /** {@code poolLatency[p]}: {@link LatencyHistogram} of every reply of pool {@code p}. */
    public final long[][] poolLatency;
    /** {@code serverLatency[p][s]}: {@link LatencyHistogram} of the replies served by server {@code s}. */
    public final long[][][] serverLatency;
    public final long[][] cluster;         // StatsClusterField counters of cluster pools (empty for others)
    /** The pools and servers these arrays are laid out for. */
    public final StatsLayout layout;
    /** Open connections, listeners included (nutcracker's conn_ncurr_conn()). */
    public long currConnections;
    /** Connections ever opened, listeners included (conn_ntotal_conn()). */
    public long totalConnections;

    /**
     * Slot of a server's array after nutcracker's fields: twemproxy4j's open session connections (a gauge; see
     * the core's SessionConn), shown as {@code session_connections} beside the latency figures.
     */
    public static final int SESSION_CONNECTIONS = StatsServerField.COUNT;
    /** Length of a server's array: nutcracker's fields, then twemproxy4j's. */
    public static final int SERVER_SLOTS = StatsServerField.COUNT + 1;

    public StatsSnapshot(StatsLayout layout) {
        this.layout = layout;
        int np = layout.npool();
        pool = new long[np][StatsPoolField.COUNT];
        server = new long[np][][];
        poolLatency = new long[np][LatencyHistogram.LENGTH];
        serverLatency = new long[np][][];
        cluster = new long[np][];
        for (int p = 0; p < np; p++) {
            int ns = layout.nserver(p);
            server[p] = new long[ns][SERVER_SLOTS];
            cluster[p] = new long[layout.cluster(p) ? StatsClusterField.COUNT : 0];
            serverLatency[p] = new long[ns][LatencyHistogram.LENGTH];
        }
    }

    /**
     * Adds {@code src}, whose layout may differ, into this snapshot by pool and server name: counters and gauges
     * are summed, {@code server_ejected_at} keeps the latest, latency histograms are merged. Pools and servers
     * that this layout does not name are left out.
     */
    void addByName(StatsSnapshot src) {
        StatsLayout from = src.layout;
        int ejectedAt = StatsServerField.SERVER_EJECTED_AT.ordinal();
        for (int sp = 0; sp < from.npool(); sp++) {
            int p = layout.poolIndex(from.pool(sp));
            if (p < 0) {
                continue;
            }
            long[] dst = pool[p];
            long[] a = src.pool[sp];
            for (int i = 0; i < dst.length; i++) {
                dst[i] += a[i];
            }
            LatencyHistogram.add(poolLatency[p], src.poolLatency[sp]);
            if (cluster[p].length == src.cluster[sp].length) {
                int nodes = StatsClusterField.CLUSTER_NODES.ordinal();
                for (int i = 0; i < cluster[p].length; i++) {
                    // counters add up over the event loops; the node count is each loop's view: the largest
                    cluster[p][i] = i == nodes ? Math.max(cluster[p][i], src.cluster[sp][i])
                            : cluster[p][i] + src.cluster[sp][i];
                }
            }
            for (int ss = 0; ss < from.nserver(sp); ss++) {
                int s = layout.serverIndex(p, from.server(sp, ss));
                if (s < 0) {
                    continue;
                }
                long[] d = server[p][s];
                long[] b = src.server[sp][ss];
                for (int i = 0; i < d.length; i++) {
                    if (i == ejectedAt) {
                        d[i] = Math.max(d[i], b[i]);
                    } else {
                        d[i] += b[i];
                    }
                }
                LatencyHistogram.add(serverLatency[p][s], src.serverLatency[sp][ss]);
            }
        }
        currConnections += src.currConnections;
        totalConnections += src.totalConnections;
    }

    /** Copies {@code src} into this snapshot (same layout). */
    void copyFrom(StatsSnapshot src) {
        for (int p = 0; p < pool.length; p++) {
            System.arraycopy(src.pool[p], 0, pool[p], 0, pool[p].length);
            System.arraycopy(src.poolLatency[p], 0, poolLatency[p], 0, poolLatency[p].length);
            System.arraycopy(src.cluster[p], 0, cluster[p], 0, Math.min(cluster[p].length, src.cluster[p].length));
            for (int s = 0; s < server[p].length; s++) {
                System.arraycopy(src.server[p][s], 0, server[p][s], 0, server[p][s].length);
                System.arraycopy(src.serverLatency[p][s], 0, serverLatency[p][s], 0, serverLatency[p][s].length);
            }
        }
        currConnections = src.currConnections;
        totalConnections = src.totalConnections;
    }
}
