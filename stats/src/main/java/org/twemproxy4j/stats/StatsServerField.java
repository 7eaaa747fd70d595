package org.twemproxy4j.stats;

/**
 * Mirrors {@code STATS_SERVER_CODEC} (nc_stats.h): the per-server metrics, in nutcracker's order, which is also
 * the order of the stats JSON and of {@code nutcracker -D}. The core keeps one {@code long[]} per server indexed
 * by {@link #ordinal()}.
 *
 * <p>Immutable; thread-safe.
 */
public enum StatsServerField {
    // server behavior
    SERVER_EOF("server_eof", StatsType.COUNTER, "# eof on server connections"),
    SERVER_ERR("server_err", StatsType.COUNTER, "# errors on server connections"),
    SERVER_TIMEDOUT("server_timedout", StatsType.COUNTER, "# timeouts on server connections"),
    SERVER_CONNECTIONS("server_connections", StatsType.GAUGE, "# active server connections"),
    SERVER_EJECTED_AT("server_ejected_at", StatsType.TIMESTAMP, "timestamp when server was ejected in usec since epoch"),
    // data behavior
    REQUESTS("requests", StatsType.COUNTER, "# requests"),
    REQUEST_BYTES("request_bytes", StatsType.COUNTER, "total request bytes"),
    RESPONSES("responses", StatsType.COUNTER, "# responses"),
    RESPONSE_BYTES("response_bytes", StatsType.COUNTER, "total response bytes"),
    IN_QUEUE("in_queue", StatsType.GAUGE, "# requests in incoming queue"),
    IN_QUEUE_BYTES("in_queue_bytes", StatsType.GAUGE, "current request bytes in incoming queue"),
    OUT_QUEUE("out_queue", StatsType.GAUGE, "# requests in outgoing queue"),
    OUT_QUEUE_BYTES("out_queue_bytes", StatsType.GAUGE, "current request bytes in outgoing queue");

    /** Number of fields: the length of a server's counter array. */
    public static final int COUNT = values().length;

    private final String statName;
    private final StatsType type;
    private final String description;

    StatsServerField(String statName, StatsType type, String description) {
        this.statName = statName;
        this.type = type;
        this.description = description;
    }

    /** The key in the stats JSON, e.g. {@code server_eof}. */
    public String statName() {
        return statName;
    }

    public StatsType type() {
        return type;
    }

    /** The text {@code nutcracker -D} prints for it. */
    public String description() {
        return description;
    }

    /** The field named {@code statName} in the JSON, or null. */
    public static StatsServerField fromStatName(String statName) {
        for (StatsServerField f : values()) {
            if (f.statName.equals(statName)) {
                return f;
            }
        }
        return null;
    }
}
