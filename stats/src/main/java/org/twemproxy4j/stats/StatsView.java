package org.twemproxy4j.stats;

/**
 * One published state of the stats (nutcracker's {@code sum}): the counters of a snapshot the event loop
 * handed over, the latency summaries computed from it, and when it was taken. The stats port, the Prometheus
 * endpoint and the dropwizard gauges all read the latest view.
 *
 * <p>Immutable once published; thread-safe.
 */
public final class StatsView {
    private final StatsLayout layout;
    private final StatsSnapshot sum;
    private final LatencySummary[] poolLatency;
    private final LatencySummary[][] serverLatency;
    private final long takenMillis;

    StatsView(StatsLayout layout, StatsSnapshot src, long takenMillis) {
        this.layout = layout;
        this.sum = new StatsSnapshot(layout);
        this.sum.copyFrom(src);
        this.takenMillis = takenMillis;
        int np = layout.npool();
        poolLatency = new LatencySummary[np];
        serverLatency = new LatencySummary[np][];
        for (int p = 0; p < np; p++) {
            poolLatency[p] = LatencySummary.of(sum.poolLatency[p]);
            int ns = layout.nserver(p);
            serverLatency[p] = new LatencySummary[ns];
            for (int s = 0; s < ns; s++) {
                serverLatency[p][s] = LatencySummary.of(sum.serverLatency[p][s]);
            }
        }
    }

    /** The all-zero view published before the first snapshot. */
    static StatsView empty(StatsLayout layout) {
        return new StatsView(layout, new StatsSnapshot(layout), 0);
    }

    /** The pools and servers of this view (the configuration's when it was published). */
    public StatsLayout layout() {
        return layout;
    }

    public long pool(int p, StatsPoolField f) {
        return sum.pool[p][f.ordinal()];
    }

    public long server(int p, int s, StatsServerField f) {
        return sum.server[p][s][f.ordinal()];
    }

    /** A cluster pool's counter ({@link StatsLayout#cluster(int)} pools only). */
    public long cluster(int p, StatsClusterField f) {
        return sum.cluster[p][f.ordinal()];
    }

    /** Open session connections of server {@code s} of pool {@code p} (twemproxy4j's, not nutcracker's). */
    public long serverSessions(int p, int s) {
        return sum.server[p][s][StatsSnapshot.SESSION_CONNECTIONS];
    }

    public LatencySummary poolLatency(int p) {
        return poolLatency[p];
    }

    public LatencySummary serverLatency(int p, int s) {
        return serverLatency[p][s];
    }

    /** The raw histogram of pool {@code p} (do not modify). */
    long[] poolHistogram(int p) {
        return sum.poolLatency[p];
    }

    /** The raw histogram of server {@code s} of pool {@code p} (do not modify). */
    long[] serverHistogram(int p, int s) {
        return sum.serverLatency[p][s];
    }

    public long currConnections() {
        return sum.currConnections;
    }

    public long totalConnections() {
        return sum.totalConnections;
    }

    /** When the event loop took the snapshot (ms since the epoch), 0 before the first one. */
    public long takenMillis() {
        return takenMillis;
    }
}
