package org.twemproxy4j.stats;

/**
 * Mirrors {@code STATS_POOL_CODEC} (nc_stats.h): the per-pool metrics, in nutcracker's order, which is also the
 * order of the stats JSON and of {@code nutcracker -D}. The core keeps one {@code long[]} per pool indexed by
 * {@link #ordinal()}.
 *
 * <p>Immutable; thread-safe.
 */
public enum StatsPoolField {
    // client behavior
    CLIENT_EOF("client_eof", StatsType.COUNTER, "# eof on client connections"),
    CLIENT_ERR("client_err", StatsType.COUNTER, "# errors on client connections"),
    CLIENT_CONNECTIONS("client_connections", StatsType.GAUGE, "# active client connections"),
    // pool behavior
    SERVER_EJECTS("server_ejects", StatsType.COUNTER, "# times backend server was ejected"),
    // forwarder behavior
    FORWARD_ERROR("forward_error", StatsType.COUNTER, "# times we encountered a forwarding error"),
    FRAGMENTS("fragments", StatsType.COUNTER, "# fragments created from a multi-vector request");

    /** Number of fields: the length of a pool's counter array. */
    public static final int COUNT = values().length;

    private final String statName;
    private final StatsType type;
    private final String description;

    StatsPoolField(String statName, StatsType type, String description) {
        this.statName = statName;
        this.type = type;
        this.description = description;
    }

    /** The key in the stats JSON, e.g. {@code client_eof}. */
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
    public static StatsPoolField fromStatName(String statName) {
        for (StatsPoolField f : values()) {
            if (f.statName.equals(statName)) {
                return f;
            }
        }
        return null;
    }
}
