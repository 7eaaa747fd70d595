package org.twemproxy4j.stats;

/**
 * Mirrors {@code stats_type_t} (nc_stats.h): how a metric is aggregated from the loop's current counters into
 * the published sum. COUNTER and GAUGE are both summed (a gauge's increments and decrements are deltas);
 * TIMESTAMP keeps the latest non-zero value.
 */
public enum StatsType {
    /** Monotonic accumulator. */
    COUNTER,
    /** Non-monotonic accumulator. */
    GAUGE,
    /** Latest value wins (microseconds since the epoch for {@code server_ejected_at}). */
    TIMESTAMP
}
