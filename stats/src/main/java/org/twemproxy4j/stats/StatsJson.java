package org.twemproxy4j.stats;

/**
 * Mirrors stats_make_rsp() (nc_stats.c): the one-line JSON document the stats port writes, byte for byte in
 * nutcracker's layout. Every number is written as {@code "key":value, } and every object opened as
 * {@code "key": {}; closing an object turns the trailing {@code ", "} into {@code "},"} (or, after a nested
 * object, {@code "},"} into {@code "}},"}), and the document ends by turning the last {@code ','} into
 * {@code '}'} followed by {@code '\n'}. So:
 * <pre>
 * {"service":"nutcracker", "source":"h", "version":"0.5.0", "uptime":1, "timestamp":1795632102,
 *  "total_connections":10, "curr_connections":2, "pool": {"client_eof":3, ... "fragments":0,
 *  "server": {"server_eof":0, ... "out_queue_bytes":0},"server2": {...}},"pool2": {...}}\n
 * </pre>
 * (one line in reality).
 *
 * <p>twemproxy4j's latency figures (beyond nutcracker) are extra <b>numeric</b> keys, never objects: in a pool
 * object right after nutcracker's six pool fields (before the first server object), and in a server object right
 * after {@code out_queue_bytes}:
 * {@code "latency_count":N, "latency_p50_us":N, "latency_p90_us":N, "latency_p99_us":N, "latency_p999_us":N,
 * "latency_max_us":N}. Why not a {@code "latency": {...}} object: agents that read nutcracker's stats commonly
 * take every object at the top level for a pool and every object inside a pool for a server (that is the only
 * way to tell them apart), so a nested latency object would show up as a bogus pool or server. An extra number
 * is what such readers already cope with: they either look up a fixed list of field names (and ignore it) or
 * report every number of a pool or server (and report it as one more metric). Pass
 * {@code latency=false} to {@link #render} for nutcracker's exact key set.
 *
 * <p>Deviation: a double quote, backslash or control character in a pool or server name is escaped (nutcracker
 * writes names raw and so produces invalid JSON for them); other names are written byte for byte.
 *
 * <p>Stateless; thread-safe.
 */
public final class StatsJson {
    /** Extra key: replies measured. */
    public static final String LATENCY_COUNT = "latency_count";
    /** Extra key of a server: its open session connections (blocking, transaction and pub/sub commands). */
    public static final String SESSION_CONNECTIONS = "session_connections";
    /** Extra key: maximum latency, µs. */
    public static final String LATENCY_MAX = "latency_max_us";

    /** Extra key of a sentinel pool's server: the address it is reached at now. */
    public static final String ADDRESS = "address";
    /** Extra key of a sentinel pool's server: how many times its address changed. */
    public static final String ADDRESS_CHANGES = "address_changes";

    private StatsJson() {
    }

    /** Extra key of quantile {@code LatencySummary.QUANTILES[i]}: {@code latency_p50_us}, ... */
    public static String latencyKey(int i) {
        return "latency_" + LatencySummary.QUANTILE_NAMES[i] + "_us";
    }

    /** The document for {@code view}, with uptime and timestamp at {@code nowMillis}. */
    public static String render(Stats stats, StatsView view, long nowMillis, boolean latency) {
        return render(view.layout(), view, stats.source(), stats.uptime(nowMillis), nowMillis / 1000, latency,
                stats.extras(), stats.addresses());
    }

    /** The document for {@code view}: {@code uptime} and {@code timestamp} in seconds. */
    public static String render(StatsLayout layout, StatsView view, String source, long uptime, long timestamp,
            boolean latency) {
        return render(layout, view, source, uptime, timestamp, latency, java.util.Map.of());
    }

    /**
     * The document for {@code view}, with twemproxy4j's plain top-level figures {@code extras} (e.g. reload
     * counts) after nutcracker's connection counts: numbers, not objects, so nutcracker's stats agents, which take
     * every object for a pool, skip them.
     */
    public static String render(StatsLayout layout, StatsView view, String source, long uptime, long timestamp,
            boolean latency, java.util.Map<String, Long> extras) {
        return render(layout, view, source, uptime, timestamp, latency, extras, StatsAddresses.NONE);
    }

    /**
     * The document, with each server of a sentinel pool ({@code addresses} has an entry for it) also showing
     * {@code "address":"host:port"} and {@code "address_changes":N} after its other fields.
     */
    public static String render(StatsLayout layout, StatsView view, String source, long uptime, long timestamp,
            boolean latency, java.util.Map<String, Long> extras, StatsAddresses addresses) {
        StringBuilder b = new StringBuilder(512 + layout.npool() * 1024);
        b.append('{');
        addString(b, "service", Stats.SERVICE);
        addString(b, "source", source);
        addString(b, "version", Stats.VERSION);
        addNum(b, "uptime", uptime);
        addNum(b, "timestamp", timestamp);
        addNum(b, "total_connections", view.totalConnections());
        addNum(b, "curr_connections", view.currConnections());
        for (java.util.Map.Entry<String, Long> e : extras.entrySet()) {
            addNum(b, e.getKey(), e.getValue());
        }
        for (int p = 0; p < layout.npool(); p++) {
            beginNesting(b, layout.pool(p));
            for (StatsPoolField f : StatsPoolField.values()) {
                addNum(b, f.statName(), view.pool(p, f));
            }
            if (latency) {
                addLatency(b, view.poolLatency(p));
            }
            if (layout.cluster(p)) {
                for (StatsClusterField f : StatsClusterField.values()) {
                    addNum(b, f.statName(), view.cluster(p, f));
                }
            }
            for (int s = 0; s < layout.nserver(p); s++) {
                beginNesting(b, layout.server(p, s));
                for (StatsServerField f : StatsServerField.values()) {
                    addNum(b, f.statName(), view.server(p, s, f));
                }
                if (latency) {
                    addLatency(b, view.serverLatency(p, s));
                    addNum(b, SESSION_CONNECTIONS, view.serverSessions(p, s));
                }
                StatsAddresses.Entry a = addresses.lookup(layout.pool(p), layout.server(p, s));
                if (a != null) {
                    addString(b, ADDRESS, a.address());
                    addNum(b, ADDRESS_CHANGES, a.changes());
                }
                endNesting(b);
            }
            endNesting(b);
        }
        addFooter(b);
        return b.toString();
    }

    private static void addLatency(StringBuilder b, LatencySummary l) {
        addNum(b, LATENCY_COUNT, l.count());
        for (int i = 0; i < LatencySummary.QUANTILES.length; i++) {
            addNum(b, latencyKey(i), l.quantile(i));
        }
        addNum(b, LATENCY_MAX, l.maxMicros());
    }

    // stats_add_string()
    private static void addString(StringBuilder b, String key, String value) {
        b.append('"');
        escape(b, key);
        b.append("\":\"");
        escape(b, value);
        b.append("\", ");
    }

    // stats_add_num()
    private static void addNum(StringBuilder b, String key, long value) {
        b.append('"');
        escape(b, key);
        b.append("\":").append(value).append(", ");
    }

    // stats_begin_nesting()
    private static void beginNesting(StringBuilder b, String key) {
        b.append('"');
        escape(b, key);
        b.append("\": {");
    }

    // stats_end_nesting(): ", " -> "},"; "}," -> "}},"
    private static void endNesting(StringBuilder b) {
        int n = b.length();
        char c = b.charAt(n - 2);
        if (c == ',') {
            b.setCharAt(n - 2, '}');
            b.setCharAt(n - 1, ',');
        } else if (c == '}') {
            b.setCharAt(n - 1, '}');
            b.append(',');
        } else {
            throw new IllegalStateException("stats json: unexpected '" + c + "' before end of object");
        }
    }

    // stats_add_footer(): the last byte becomes '}', then '\n'
    private static void addFooter(StringBuilder b) {
        b.setCharAt(b.length() - 1, '}');
        b.append('\n');
    }

    private static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
    }
}
