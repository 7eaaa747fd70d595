package org.twemproxy4j.proto.redis;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ProtoClient;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * INFO through the proxy: every server of the pool gets the client's INFO (with its section arguments), and the
 * replies merge into one view of the pool (cold path: this allocates).
 *
 * <ul>
 *   <li>{@code # Server}: the proxy's own lines (its name and version, pid, uptime, the number of servers), not
 *       a backend's, but for {@code redis_version}, the first server's (what the pool's commands are).</li>
 *   <li>{@code # Clients}: {@code connected_clients} is the proxy's own count for the pool (every worker); the
 *       other numbers are summed over the servers.</li>
 *   <li>{@code # Keyspace}: per db, {@code keys} and {@code expires} summed, {@code avg_ttl} averaged over the
 *       servers weighted by their keys with a TTL.</li>
 *   <li>Every other section: integer fields summed over the servers, anything else as the first server says;
 *       a field only some servers report keeps the sum of those.</li>
 * </ul>
 *
 * Sections and fields come in the first server's order (then any a later server adds).
 */
final class RedisInfo {
    private static final long START_MS = ProcessHandle.current().info().startInstant()
            .map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis());

    private RedisInfo() {
    }

    /** The bulk reply of {@code fr} as text, or null when it is not a bulk string. */
    static String bulkText(Msg fr) {
        if (fr.type != RedisParser.RSP_BULK) {
            return null;
        }
        byte[] all = new byte[fr.mlen];
        int off = 0;
        for (Mbuf m = fr.mhdr.first(); m != null && off < all.length; m = m.next()) {
            int n = Math.min(m.length(), all.length - off);
            m.getBytes(m.pos(), all, off, n);
            off += n;
        }
        int nl = 0;
        while (nl < off && all[nl] != '\n') {
            nl++;
        }
        int from = nl + 1;
        int to = off - 2;
        if (from > to) {
            return "";
        }
        return new String(all, from, to - from, StandardCharsets.ISO_8859_1);
    }

    static boolean merge(Msg r, Msg rsp, ProtoClient c) {
        int nf = r.nfrag;
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        for (int f = 0; f < nf; f++) {
            String text = bulkText(r.frags[f].peer);
            if (text == null) {
                return false;
            }
            Map<String, String> cur = null;
            for (String line : text.split("\r\n")) {
                if (line.startsWith("# ")) {
                    cur = sections.computeIfAbsent(line.substring(2), k -> new LinkedHashMap<>());
                    continue;
                }
                int colon = line.indexOf(':');
                if (cur == null || colon <= 0) {
                    continue;
                }
                String key = line.substring(0, colon);
                String value = line.substring(colon + 1);
                String prev = cur.get(key);
                cur.put(key, prev == null ? value : combine(key, prev, value));
            }
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Map<String, String>> e : sections.entrySet()) {
            String name = e.getKey();
            Map<String, String> fields = e.getValue();
            if (out.length() > 0) {
                out.append("\r\n");
            }
            out.append("# ").append(name).append("\r\n");
            if (name.equals("Server")) {
                server(out, nf, fields.get("redis_version"));
                continue;
            }
            if (name.equals("Clients") && fields.containsKey("connected_clients")) {
                fields.put("connected_clients", Long.toString(c.poolClients()));
            }
            for (Map.Entry<String, String> f : fields.entrySet()) {
                String v = f.getValue();
                if (name.equals("Keyspace")) {
                    v = keyspaceOut(v);
                }
                out.append(f.getKey()).append(':').append(v).append("\r\n");
            }
        }
        byte[] body = out.toString().getBytes(StandardCharsets.ISO_8859_1);
        RedisLocal.bulk(rsp, body, c);
        return true;
    }

    private static void server(StringBuilder out, int nservers, String serverVersion) {
        long now = System.currentTimeMillis();
        // the commands a client may use are the servers': their version, when they give one
        out.append("redis_version:").append(serverVersion != null ? serverVersion : RedisLocal.VERSION)
                .append("\r\n");
        out.append("redis_mode:standalone\r\n");
        out.append("proxy:twemproxy4j\r\n");
        out.append("proxy_version:0.5.0\r\n");
        out.append("process_id:").append(ProcessHandle.current().pid()).append("\r\n");
        out.append("uptime_in_seconds:").append((now - START_MS) / 1000).append("\r\n");
        out.append("uptime_in_days:").append((now - START_MS) / 86_400_000L).append("\r\n");
        out.append("pool_servers:").append(nservers).append("\r\n");
    }

    /** Two servers' values of one field merged: integers summed, a keyspace line summed per part. */
    static String combine(String key, String a, String b) {
        if (a.startsWith("keys=") && b.startsWith("keys=")) {
            return keyspaceSum(a, b);
        }
        long x = parse(a);
        long y = parse(b);
        if (x != Long.MIN_VALUE && y != Long.MIN_VALUE) {
            return Long.toString(x + y);
        }
        return a;
    }

    private static long parse(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return Long.MIN_VALUE;
        }
        int i = s.charAt(0) == '-' ? 1 : 0;
        if (i == s.length()) {
            return Long.MIN_VALUE;
        }
        for (int k = i; k < s.length(); k++) {
            char ch = s.charAt(k);
            if (ch < '0' || ch > '9') {
                return Long.MIN_VALUE;
            }
        }
        return Long.parseLong(s);
    }

    /**
     * Keyspace lines ({@code keys=K,expires=E,avg_ttl=T}) are summed while merging as
     * {@code keys=K,expires=E,avg_ttl=T*E} (a total TTL), turned back into an average by {@link #keyspaceOut}.
     * A line that comes from one server only is already right; the sum marks itself with {@code ttlsum=}.
     */
    private static String keyspaceSum(String a, String b) {
        long[] x = keyspace(a);
        long[] y = keyspace(b);
        if (x == null || y == null) {
            return a;
        }
        return "keys=" + (x[0] + y[0]) + ",expires=" + (x[1] + y[1]) + ",ttlsum=" + (x[2] + y[2]);
    }

    /** keys, expires and the total TTL (avg_ttl times expires) of a keyspace line, or null. */
    private static long[] keyspace(String v) {
        long keys = -1;
        long expires = 0;
        long ttl = 0;
        boolean sum = false;
        for (String part : v.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                return null;
            }
            long n = parse(part.substring(eq + 1));
            if (n == Long.MIN_VALUE) {
                return null;
            }
            switch (part.substring(0, eq)) {
                case "keys":
                    keys = n;
                    break;
                case "expires":
                    expires = n;
                    break;
                case "avg_ttl":
                    ttl = n;
                    break;
                case "ttlsum":
                    ttl = n;
                    sum = true;
                    break;
                default:
                    break;
            }
        }
        if (keys < 0) {
            return null;
        }
        return new long[] {keys, expires, sum ? ttl : ttl * expires};
    }

    static String keyspaceOut(String v) {
        if (!v.contains("ttlsum=")) {
            return v;
        }
        long[] k = keyspace(v);
        long avg = k[1] == 0 ? 0 : k[2] / k[1];
        return "keys=" + k[0] + ",expires=" + k[1] + ",avg_ttl=" + avg;
    }
}
