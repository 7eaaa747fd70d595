package org.twemproxy4j.stats;

/**
 * Renders a {@link StatsView} in the Prometheus text exposition format, version 0.0.4 (twemproxy4j only).
 *
 * <p>Every family has its {@code # HELP} and {@code # TYPE} lines, then one sample per pool
 * ({@code pool="..."}) or per server ({@code pool="...",server="..."}, the server's node name as in the stats
 * JSON). nutcracker's counters become {@code counter}s named with {@code _total}
 * ({@code twemproxy4j_requests_total}, {@code twemproxy4j_request_bytes_total}, ...); its gauges keep their
 * name ({@code twemproxy4j_server_connections}, {@code twemproxy4j_in_queue_bytes}, ...);
 * {@code server_ejected_at} becomes {@code twemproxy4j_server_ejected_timestamp_seconds}. Process-wide:
 * {@code twemproxy4j_connections_total} (nutcracker's total_connections), {@code twemproxy4j_connections}
 * (curr_connections), {@code twemproxy4j_uptime_seconds}.
 *
 * <p>Latency is a {@code summary} in seconds, since start: {@code twemproxy4j_request_latency_seconds}
 * per server and {@code twemproxy4j_pool_request_latency_seconds} per pool (every reply of the pool, also those
 * no single server answered), each with {@code quantile="0.5"|"0.9"|"0.99"|"0.999"} samples, {@code _sum} and
 * {@code _count}; the maxima are the gauges {@code twemproxy4j_request_latency_max_seconds} and
 * {@code twemproxy4j_pool_request_latency_max_seconds}.
 *
 * <p>Stateless; thread-safe.
 */
public final class PrometheusFormat {
    /** The Content-Type of the format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Prefix of every family name. */
    public static final String PREFIX = "twemproxy4j_";

    private PrometheusFormat() {
    }

    /** The family name of a pool field: {@code twemproxy4j_client_eof_total}, {@code twemproxy4j_client_connections}. */
    public static String name(StatsPoolField f) {
        return PREFIX + f.statName() + (f.type() == StatsType.COUNTER ? "_total" : "");
    }

    /** The family name of a server field. */
    public static String name(StatsServerField f) {
        if (f == StatsServerField.SERVER_EJECTED_AT) {
            return PREFIX + "server_ejected_timestamp_seconds";
        }
        return PREFIX + f.statName() + (f.type() == StatsType.COUNTER ? "_total" : "");
    }

    /** The whole exposition of {@code view} at {@code nowMillis}. */
    public static String render(Stats stats, StatsView view, long nowMillis) {
        StatsLayout l = view.layout();
        StringBuilder b = new StringBuilder(4096 + l.npool() * 8192);
        for (java.util.Map.Entry<String, Long> e : stats.extras().entrySet()) {
            family(b, PREFIX + e.getKey() + "_total", "counter", "twemproxy4j: " + e.getKey().replace('_', ' '));
            sample(b, PREFIX + e.getKey() + "_total", null, null, null, Long.toString(e.getValue()));
        }

        family(b, PREFIX + "uptime_seconds", "gauge", "Seconds since the proxy started");
        sample(b, PREFIX + "uptime_seconds", null, null, null, Long.toString(stats.uptime(nowMillis)));
        family(b, PREFIX + "connections_total", "counter",
                "Connections ever opened, listeners included (nutcracker's total_connections)");
        sample(b, PREFIX + "connections_total", null, null, null, Long.toString(view.totalConnections()));
        family(b, PREFIX + "connections", "gauge",
                "Open connections, listeners included (nutcracker's curr_connections)");
        sample(b, PREFIX + "connections", null, null, null, Long.toString(view.currConnections()));

        for (StatsPoolField f : StatsPoolField.values()) {
            String n = name(f);
            family(b, n, f.type() == StatsType.COUNTER ? "counter" : "gauge", help(f.description()));
            for (int p = 0; p < l.npool(); p++) {
                sample(b, n, l.pool(p), null, null, Long.toString(view.pool(p, f)));
            }
        }
        boolean anyCluster = false;
        for (int p = 0; p < l.npool(); p++) {
            anyCluster |= l.cluster(p);
        }
        for (StatsClusterField cf : anyCluster ? StatsClusterField.values() : new StatsClusterField[0]) {
            // only when some pool is in front of a Redis Cluster: nutcracker's families stay as they are
            boolean gauge = cf == StatsClusterField.CLUSTER_NODES;
            String n = PREFIX + cf.statName() + (gauge ? "" : "_total");
            family(b, n, gauge ? "gauge" : "counter", help(cf.description()));
            for (int p = 0; p < l.npool(); p++) {
                if (l.cluster(p)) {
                    sample(b, n, l.pool(p), null, null, Long.toString(view.cluster(p, cf)));
                }
            }
        }
        for (StatsServerField f : StatsServerField.values()) {
            String n = name(f);
            boolean ts = f == StatsServerField.SERVER_EJECTED_AT;
            family(b, n, f.type() == StatsType.COUNTER ? "counter" : "gauge",
                    ts ? "When the server was last ejected, seconds since the epoch (0: never)"
                            : help(f.description()));
            for (int p = 0; p < l.npool(); p++) {
                for (int s = 0; s < l.nserver(p); s++) {
                    long v = view.server(p, s, f);
                    sample(b, n, l.pool(p), l.server(p, s), null, ts ? seconds(v) : Long.toString(v));
                }
            }
        }

        addresses(b, l, stats.addresses());
        String sc = PREFIX + "session_connections";
        family(b, sc, "gauge", "Open session connections (blocking, transaction and pub/sub commands) of a server");
        for (int p = 0; p < l.npool(); p++) {
            for (int s = 0; s < l.nserver(p); s++) {
                sample(b, sc, l.pool(p), l.server(p, s), null, Long.toString(view.serverSessions(p, s)));
            }
        }

        String sl = PREFIX + "request_latency_seconds";
        family(b, sl, "summary", "Latency of requests answered by a server, from arrival to reply, since start");
        for (int p = 0; p < l.npool(); p++) {
            for (int s = 0; s < l.nserver(p); s++) {
                summary(b, sl, l.pool(p), l.server(p, s), view.serverLatency(p, s));
            }
        }
        String slm = PREFIX + "request_latency_max_seconds";
        family(b, slm, "gauge", "Largest latency of a request answered by a server, since start");
        for (int p = 0; p < l.npool(); p++) {
            for (int s = 0; s < l.nserver(p); s++) {
                sample(b, slm, l.pool(p), l.server(p, s), null, seconds(view.serverLatency(p, s).maxMicros()));
            }
        }
        String pl = PREFIX + "pool_request_latency_seconds";
        family(b, pl, "summary", "Latency of every request of a pool, from arrival to reply, since start");
        for (int p = 0; p < l.npool(); p++) {
            summary(b, pl, l.pool(p), null, view.poolLatency(p));
        }
        String plm = PREFIX + "pool_request_latency_max_seconds";
        family(b, plm, "gauge", "Largest latency of a request of a pool, since start");
        for (int p = 0; p < l.npool(); p++) {
            sample(b, plm, l.pool(p), null, null, seconds(view.poolLatency(p).maxMicros()));
        }
        return b.toString();
    }

    /**
     * Servers of sentinel pools only (none: nothing written): {@code twemproxy4j_server_address_changes_total} and
     * {@code twemproxy4j_server_address_info{pool,server,address} 1}.
     */
    private static void addresses(StringBuilder b, StatsLayout l, StatsAddresses addresses) {
        StringBuilder changes = new StringBuilder();
        StringBuilder info = new StringBuilder();
        String cn = PREFIX + "server_address_changes_total";
        String in = PREFIX + "server_address_info";
        for (int p = 0; p < l.npool(); p++) {
            for (int s = 0; s < l.nserver(p); s++) {
                StatsAddresses.Entry a = addresses.lookup(l.pool(p), l.server(p, s));
                if (a == null) {
                    continue;
                }
                sample(changes, cn, l.pool(p), l.server(p, s), null, Long.toString(a.changes()));
                info.append(in).append('{');
                label(info, "pool", l.pool(p));
                info.append(',');
                label(info, "server", l.server(p, s));
                info.append(',');
                label(info, "address", a.address());
                info.append("} 1\n");
            }
        }
        if (changes.length() == 0) {
            return;
        }
        family(b, cn, "counter", "Times sentinel moved the server to another address");
        b.append(changes);
        family(b, in, "gauge", "The address the server is reached at now (sentinel pools)");
        b.append(info);
    }

    private static void summary(StringBuilder b, String name, String pool, String server, LatencySummary ls) {
        for (int i = 0; i < LatencySummary.QUANTILES.length; i++) {
            sample(b, name, pool, server, Double.toString(LatencySummary.QUANTILES[i]), seconds(ls.quantile(i)));
        }
        sample(b, name + "_sum", pool, server, null, seconds(ls.sumMicros()));
        sample(b, name + "_count", pool, server, null, Long.toString(ls.count()));
    }

    /** nutcracker's description ("# requests") as a sentence. */
    private static String help(String description) {
        String d = description.startsWith("# ") ? "Number of " + description.substring(2) : description;
        return Character.toUpperCase(d.charAt(0)) + d.substring(1);
    }

    /** Microseconds as seconds, exactly (no binary floating point in the text). */
    static String seconds(long micros) {
        if (micros == 0) {
            return "0";
        }
        StringBuilder s = new StringBuilder();
        long abs = Math.abs(micros);
        if (micros < 0) {
            s.append('-');
        }
        s.append(abs / 1_000_000L);
        long frac = abs % 1_000_000L;
        if (frac != 0) {
            String f = Long.toString(1_000_000L + frac).substring(1);
            int end = f.length();
            while (f.charAt(end - 1) == '0') {
                end--;
            }
            s.append('.').append(f, 0, end);
        }
        return s.toString();
    }

    private static void family(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ');
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (c == '\n') {
                b.append("\\n");
            } else {
                b.append(c);
            }
        }
        b.append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder b, String name, String pool, String server, String quantile,
            String value) {
        b.append(name);
        if (pool != null) {
            b.append('{');
            label(b, "pool", pool);
            if (server != null) {
                b.append(',');
                label(b, "server", server);
            }
            if (quantile != null) {
                b.append(',');
                label(b, "quantile", quantile);
            }
            b.append('}');
        }
        b.append(' ').append(value).append('\n');
    }

    private static void label(StringBuilder b, String name, String value) {
        b.append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (c == '"') {
                b.append("\\\"");
            } else if (c == '\n') {
                b.append("\\n");
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }
}
