package org.twemproxy4j.proto.redis;

import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ProtoClient;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * COMMAND through the proxy: the proxy's own table, that is the first server's table without the commands the
 * proxy does not serve ({@link #served}: the refused administration commands), so that a client library that reads the table at start sees what it may send (cold
 * path: this allocates).
 *
 * <ul>
 *   <li>COMMAND, COMMAND LIST [FILTERBY ...]: the entries (names) of commands the proxy serves.</li>
 *   <li>COMMAND INFO name...: an entry per name asked, nil for a command the proxy does not serve.</li>
 *   <li>COMMAND DOCS [name...]: the name and docs pairs of commands the proxy serves.</li>
 *   <li>COMMAND COUNT: the number of commands the proxy serves (the server is asked COMMAND LIST).</li>
 *   <li>COMMAND GETKEYS, GETKEYSANDFLAGS, HELP: the server's reply as it is.</li>
 * </ul>
 */
final class RedisCommandReply {
    private static final byte[] LIST = "*2\r\n$7\r\nCOMMAND\r\n$4\r\nLIST\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NIL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);

    private RedisCommandReply() {
    }

    /** True when the proxy forwards or answers {@code name} (a command of its table that is not refused). */
    static boolean served(String name) {
        byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
        RedisCommand c = RedisCommand.lookup(io.netty.buffer.Unpooled.wrappedBuffer(b), 0, b.length);
        return c != null && c.kind != RedisCommand.Kind.REFUSED;
    }

    /** The subcommand (argument 1) of a COMMAND request in upper case, or "" for none. */
    static String subcommand(Msg r) {
        if (r.nkeys < 1) {
            return "";
        }
        return new String(bytes(r.keyMbuf[0], r.keyStart[0], r.keyLen[0]), StandardCharsets.ISO_8859_1)
                .toUpperCase(java.util.Locale.ROOT);
    }

    /** Writes the request the server gets: COMMAND LIST for COUNT, else the request as sent. */
    static void fragmentTo(Msg r, Msg sub, ProtoClient c) {
        if (subcommand(r).equals("COUNT") && r.nkeys == 1) {
            c.append(sub, LIST);
            return;
        }
        Mbuf f = r.mhdr.first();
        c.appendSpan(sub, f, f.pos(), r.mlen);
    }

    static boolean merge(Msg r, Msg rsp, ProtoClient c) {
        Msg fr = r.frags[0].peer;
        String sub = subcommand(r);
        boolean count = sub.equals("COUNT") && r.nkeys == 1;
        boolean all = sub.isEmpty() || sub.equals("LIST");
        boolean info = sub.equals("INFO");
        boolean docs = sub.equals("DOCS");
        if (!count && !all && !info && !docs || fr.type != RedisParser.RSP_MULTIBULK) {
            Mbuf f = fr.mhdr.first();
            c.appendSpan(rsp, f, f.pos(), fr.mlen);
            return true;
        }
        int n = fr.nkeys;
        byte[] num = c.numScratch();
        if (count) {
            long served = 0;
            for (int i = 0; i < n; i++) {
                if (served(name(fr, i))) {
                    served++;
                }
            }
            RedisProto.appendNum(rsp, ':', served, num, c);
            return true;
        }
        if (docs) {
            int keep = 0;
            for (int i = 0; i + 1 < n; i += 2) {
                if (served(name(fr, i))) {
                    keep += 2;
                }
            }
            RedisProto.appendNum(rsp, '*', keep, num, c);
            for (int i = 0; i + 1 < n; i += 2) {
                if (served(name(fr, i))) {
                    c.appendSpan(rsp, fr.keyMbuf[i], fr.keyStart[i], fr.keyLen[i]);
                    c.appendSpan(rsp, fr.keyMbuf[i + 1], fr.keyStart[i + 1], fr.keyLen[i + 1]);
                }
            }
            return true;
        }
        boolean[] keep = new boolean[n];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            String name = name(fr, i);
            keep[i] = name != null && served(name);
            if (keep[i]) {
                kept++;
            }
        }
        RedisProto.appendNum(rsp, '*', info ? n : kept, num, c);
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                c.appendSpan(rsp, fr.keyMbuf[i], fr.keyStart[i], fr.keyLen[i]);
            } else if (info) {
                c.append(rsp, NIL_ARRAY);
            }
        }
        return true;
    }

    /**
     * The command name of top-level element {@code i} of {@code fr}: the element itself when it is a bulk string
     * (COMMAND LIST, DOCS), the first element of it when it is an array (COMMAND, INFO); null for a nil.
     */
    static String name(Msg fr, int i) {
        byte[] e = bytes(fr.keyMbuf[i], fr.keyStart[i], fr.keyLen[i]);
        int p = 0;
        if (e.length > 0 && e[0] == '*') {
            p = lineEnd(e, 0);
            if (p < 0 || e.length > 1 && e[1] == '-') {
                return null;
            }
        }
        if (p >= e.length || e[p] != '$') {
            return null;
        }
        int q = lineEnd(e, p);
        if (q < 0) {
            return null;
        }
        int len;
        try {
            len = Integer.parseInt(new String(e, p + 1, q - 2 - (p + 1), StandardCharsets.ISO_8859_1));
        } catch (NumberFormatException x) {
            return null;
        }
        if (len < 0 || q + len > e.length) {
            return null;
        }
        return new String(e, q, len, StandardCharsets.ISO_8859_1);
    }

    /** The index just after the CRLF of the line starting at {@code from}, or -1. */
    private static int lineEnd(byte[] e, int from) {
        for (int k = from; k + 1 < e.length; k++) {
            if (e[k] == '\r' && e[k + 1] == '\n') {
                return k + 2;
            }
        }
        return -1;
    }

    /** {@code len} bytes of a span of an mbuf chain, copied. */
    static byte[] bytes(Mbuf m, int start, int len) {
        byte[] out = new byte[len];
        int off = 0;
        while (off < len) {
            int n = Math.min(len - off, m.last() - start);
            m.getBytes(start, out, off, n);
            off += n;
            m = m.next();
            if (m != null) {
                start = m.pos();
            }
        }
        return out;
    }
}
