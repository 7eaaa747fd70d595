package org.twemproxy4j.stats;

/**
 * The figures published for one latency histogram: how many replies, their total, and the quantiles p50, p90,
 * p99, p99.9 and the maximum, all in microseconds, since start. Computed by the aggregator from a snapshot.
 *
 * <p>Immutable; thread-safe.
 */
public final class LatencySummary {
    /** The quantiles published, in the order of {@link #QUANTILE_NAMES}. */
    public static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};
    /** Key suffixes of {@link #QUANTILES} (JSON {@code latency_p50_us}, ...). */
    public static final String[] QUANTILE_NAMES = {"p50", "p90", "p99", "p999"};

    public static final LatencySummary EMPTY = new LatencySummary(0, 0, new long[QUANTILES.length], 0);

    private final long count;
    private final long sumMicros;
    private final long[] quantiles;
    private final long maxMicros;

    private LatencySummary(long count, long sumMicros, long[] quantiles, long maxMicros) {
        this.count = count;
        this.sumMicros = sumMicros;
        this.quantiles = quantiles;
        this.maxMicros = maxMicros;
    }

    /** The summary of a {@link LatencyHistogram} array. */
    public static LatencySummary of(long[] h) {
        long[] q = new long[QUANTILES.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = LatencyHistogram.quantile(h, QUANTILES[i]);
        }
        return new LatencySummary(h[LatencyHistogram.COUNT], h[LatencyHistogram.SUM], q, h[LatencyHistogram.MAX]);
    }

    /** Replies measured. */
    public long count() {
        return count;
    }

    /** Sum of the measured latencies, µs. */
    public long sumMicros() {
        return sumMicros;
    }

    /** Quantile {@code QUANTILES[i]}, µs. */
    public long quantile(int i) {
        return quantiles[i];
    }

    public long p50() {
        return quantiles[0];
    }

    public long p90() {
        return quantiles[1];
    }

    public long p99() {
        return quantiles[2];
    }

    public long p999() {
        return quantiles[3];
    }

    /** Largest latency, µs. */
    public long maxMicros() {
        return maxMicros;
    }
}
