/**
 * nutcracker's stats (nc_stats.c) and what twemproxy4j adds to them.
 *
 * <h2>Threads and the hand-over</h2>
 * The event loop keeps nutcracker's counters as cumulative plain {@code long[]} per pool and per server (indexed by
 * {@link org.twemproxy4j.stats.StatsPoolField} / {@link org.twemproxy4j.stats.StatsServerField} ordinals) and one
 * {@link org.twemproxy4j.stats.LatencyHistogram} per pool and per server; it never shares them. When asked (one
 * volatile read per loop turn), the loop copies them into the shadow buffers of {@link org.twemproxy4j.stats.Stats}
 * and releases them with one volatile write (the core's {@code StatsBridge}); the aggregator publishes an immutable
 * {@link org.twemproxy4j.stats.StatsView}. No lock is ever taken on the loop.
 *
 * <h2>Where the figures go</h2>
 * <ul>
 *   <li>The stats port ({@link org.twemproxy4j.stats.StatsListener}, {@code -a}:{@code -s}): one JSON document per
 *       connection, byte for byte in nutcracker 0.5.0's layout ({@link org.twemproxy4j.stats.StatsJson}); asked
 *       for a fresh snapshot on every connection, and aggregated every {@code -i} ms in any case.</li>
 *   <li>Dropwizard gauges in a {@link com.codahale.metrics.MetricRegistry}: {@code twemproxy4j.<pool>.<field>},
 *       {@code twemproxy4j.<pool>.<server>.<field>} (plus the {@code latency_*} figures under the same names as
 *       in the JSON, and {@code twemproxy4j.uptime}, {@code .total_connections}, {@code .curr_connections}), at
 *       most one interval old.</li>
 *   <li>Prometheus text format 0.0.4 on {@code GET /metrics} when {@code --prometheus-port} is given
 *       ({@link org.twemproxy4j.stats.PrometheusEndpoint}, names in
 *       {@link org.twemproxy4j.stats.PrometheusFormat}).</li>
 * </ul>
 *
 * <h2>Latency (not in nutcracker)</h2>
 * From a request's arrival (its first bytes read) to its reply written to the client, in microseconds, since
 * start: per pool (every reply, error replies and multi-server requests included) and per server (requests one
 * server answered). The JSON carries them as extra numbers {@code latency_count}, {@code latency_p50_us},
 * {@code latency_p90_us}, {@code latency_p99_us}, {@code latency_p999_us}, {@code latency_max_us}, right after
 * nutcracker's fields of each pool object (before its first server object) and of each server object; never as
 * nested objects, which agents that read every object of a pool as a server would take for one more server.
 */
package org.twemproxy4j.stats;
