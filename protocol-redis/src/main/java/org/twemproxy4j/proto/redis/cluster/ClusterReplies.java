package org.twemproxy4j.proto.redis.cluster;

import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ClusterTopology;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * Reads the Redis Cluster replies the proxy acts on: the CLUSTER SLOTS slot map and the target of a
 * {@code -MOVED slot host:port} / {@code -ASK slot host:port} redirection. Cold path (a refresh, a
 * redirection): copies the reply out of its mbufs and may allocate. Stateless; thread-safe.
 */
public final class ClusterReplies {
    /** {@code CLUSTER SLOTS}. */
    public static final byte[] CLUSTER_SLOTS =
            "*2\r\n$7\r\nCLUSTER\r\n$5\r\nSLOTS\r\n".getBytes(StandardCharsets.US_ASCII);
    /** {@code ASKING}. */
    public static final byte[] ASKING = "*1\r\n$6\r\nASKING\r\n".getBytes(StandardCharsets.US_ASCII);

    private ClusterReplies() {
    }

    /** The bytes of {@code m} not yet consumed. */
    static byte[] bytes(Msg m) {
        byte[] out = new byte[Math.max(0, m.mlen)];
        int off = 0;
        for (Mbuf b = m.mhdr.first(); b != null; b = b.next()) {
            int len = Math.min(b.length(), out.length - off);
            b.getBytes(b.pos(), out, off, len);
            off += len;
        }
        return off == out.length ? out : java.util.Arrays.copyOf(out, off);
    }

    /** {@code -MOVED 3999 127.0.0.1:6381} or {@code -ASK ...}: the slot and node, into {@code out}. */
    public static boolean redirectTarget(Msg rsp, ClusterTopology out) {
        return redirectTarget(bytes(rsp), out);
    }

    static boolean redirectTarget(byte[] b, ClusterTopology out) {
        String line = new String(b, StandardCharsets.ISO_8859_1).trim();
        String[] parts = line.split(" ");
        if (parts.length < 3) {
            return false;
        }
        try {
            int slot = Integer.parseInt(parts[1]);
            String addr = parts[2];
            int c = addr.lastIndexOf(':');
            if (c < 0 || slot < 0 || slot >= 16384) { // an empty host (":port"): the node's endpoint is unknown
                return false;
            }
            String host = addr.substring(0, c);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = Integer.parseInt(addr.substring(c + 1));
            out.target(slot, host, port);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The CLUSTER SLOTS reply: each range with its master's address, into {@code out}. */
    public static boolean clusterSlots(Msg rsp, ClusterTopology out) {
        return clusterSlots(bytes(rsp), out);
    }

    static boolean clusterSlots(byte[] b, ClusterTopology out) {
        Reader r = new Reader(b);
        try {
            Object top = r.read();
            if (!(top instanceof Object[])) {
                return false;
            }
            for (Object o : (Object[]) top) {
                Object[] range = (Object[]) o;
                int from = (int) (long) (Long) range[0];
                int to = (int) (long) (Long) range[1];
                Object[] master = (Object[]) range[2];
                String host = master[0] == null ? "" : (String) master[0]; // NULL: an unknown endpoint
                int port = (int) (long) (Long) master[1];
                if (from < 0 || to >= 16384 || from > to) {
                    return false;
                }
                out.range(from, to, host, port);
            }
            return true;
        } catch (RuntimeException e) {
            return false; // not a slot map (an error reply, a truncated reply)
        }
    }

    /** A small RESP2 reader: arrays as Object[], bulk and simple strings as String, integers as Long. */
    private static final class Reader {
        private final byte[] b;
        private int p;

        Reader(byte[] b) {
            this.b = b;
        }

        private String line() {
            int s = p;
            while (b[p] != '\r') {
                p++;
            }
            String l = new String(b, s, p - s, StandardCharsets.ISO_8859_1);
            p += 2;
            return l;
        }

        Object read() {
            byte t = b[p++];
            switch (t) {
                case '*': {
                    int n = Integer.parseInt(line());
                    if (n < 0) {
                        return null;
                    }
                    Object[] a = new Object[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = read();
                    }
                    return a;
                }
                case '$': {
                    int n = Integer.parseInt(line());
                    if (n < 0) {
                        return null;
                    }
                    String s = new String(b, p, n, StandardCharsets.ISO_8859_1);
                    p += n + 2;
                    return s;
                }
                case ':':
                    return Long.parseLong(line());
                case '+':
                    return line();
                default:
                    throw new IllegalStateException("not a slot map: '" + (char) t + "'");
            }
        }
    }
}
