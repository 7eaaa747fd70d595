package org.twemproxy4j.proto.memcache;

import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ProtoClient;

/**
 * The proxy's own reply to {@code stats}: memcached's {@code STAT <name> <value>} lines ended by {@code END}.
 * The first lines are the proxy's ({@code pid}, {@code uptime}, {@code time}, {@code version}, and
 * {@code servers}, the number of servers that answered); the others are the counters of {@link #SUMMED}, each
 * the sum of the same line of every server's {@code stats}. A counter no server reports is left out.
 * Answering {@code stats} is rare, so this class may allocate. Stateless: thread-safe.
 */
final class MemcacheStats {
    /** The counters summed over the servers, in the order they are written. */
    static final String[] SUMMED = {
        "curr_items", "total_items", "bytes", "limit_maxbytes",
        "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "get_hits", "get_misses", "get_expired",
        "delete_hits", "delete_misses", "incr_hits", "incr_misses", "decr_hits", "decr_misses",
        "cas_hits", "cas_misses", "cas_badval", "touch_hits", "touch_misses", "evictions", "reclaimed",
        "expired_unfetched", "evicted_unfetched",
    };

    /** When the process started (the proxy's uptime), or when this class was loaded if the OS does not say. */
    private static final long START_MILLIS = ProcessHandle.current().info().startInstant()
            .map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis());

    private MemcacheStats() {
    }

    /** Merges the STAT lines of {@code r}'s fragments into {@code rsp}; false when a reply is not stats. */
    static boolean coalesce(Msg r, Msg rsp, ProtoClient c) {
        long[] sum = new long[SUMMED.length];
        boolean[] seen = new boolean[SUMMED.length];
        for (int i = 0; i < r.nfrag; i++) {
            Msg f = r.frags[i].peer;
            if (f == null || (f.type != MemcacheParser.RSP_STAT && f.type != MemcacheParser.RSP_END)) {
                return false;
            }
            for (int k = 0; k < f.nkeys; k++) {
                byte[] line = new byte[f.keyLen[k]];
                f.copyKey(k, line);
                add(line, sum, seen);
            }
        }
        long now = System.currentTimeMillis();
        StringBuilder sb = new StringBuilder(1024);
        stat(sb, "pid", Long.toString(ProcessHandle.current().pid()));
        stat(sb, "uptime", Long.toString((now - START_MILLIS) / 1000));
        stat(sb, "time", Long.toString(now / 1000));
        stat(sb, "version", MemcacheProto.VERSION_LINE);
        stat(sb, "servers", Integer.toString(r.nfrag));
        for (int j = 0; j < SUMMED.length; j++) {
            if (seen[j]) {
                stat(sb, SUMMED[j], Long.toString(sum[j]));
            }
        }
        sb.append("END\r\n");
        c.append(rsp, sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        return true;
    }

    private static void stat(StringBuilder sb, String name, String value) {
        sb.append("STAT ").append(name).append(' ').append(value).append("\r\n");
    }

    /** Adds one {@code STAT name value\r\n} line to the sums when its name is summed and its value a number. */
    static void add(byte[] line, long[] sum, boolean[] seen) {
        String s = new String(line, StandardCharsets.ISO_8859_1).trim();
        String[] w = s.split(" ");
        if (w.length != 3 || !w[0].equals("STAT")) {
            return;
        }
        for (int j = 0; j < SUMMED.length; j++) {
            if (SUMMED[j].equals(w[1])) {
                try {
                    sum[j] += Long.parseLong(w[2]);
                    seen[j] = true;
                } catch (NumberFormatException e) {
                    // not a counter: left out
                }
                return;
            }
        }
    }
}
