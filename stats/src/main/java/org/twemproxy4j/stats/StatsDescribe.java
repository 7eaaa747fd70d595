package org.twemproxy4j.stats;

/**
 * Mirrors stats_describe() (nc_stats.c): the text {@code nutcracker -D} prints after the version lines, each
 * metric as two spaces, its name padded to 20 columns, then its description in double quotes.
 *
 * <p>Stateless; thread-safe.
 */
public final class StatsDescribe {
    private StatsDescribe() {
    }

    /** The whole description, {@code \n}-terminated lines, byte for byte as nutcracker 0.5.0 prints it. */
    public static String render() {
        StringBuilder sb = new StringBuilder(1200);
        sb.append("pool stats:\n");
        for (StatsPoolField f : StatsPoolField.values()) {
            line(sb, f.statName(), f.description());
        }
        sb.append('\n');
        sb.append("server stats:\n");
        for (StatsServerField f : StatsServerField.values()) {
            line(sb, f.statName(), f.description());
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String name, String description) {
        sb.append("  ").append(name);
        for (int i = name.length(); i < 20; i++) {
            sb.append(' ');
        }
        sb.append('"').append(description).append("\"\n");
    }
}
