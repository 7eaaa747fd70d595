package org.twemproxy4j.proto.redis;

import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.proto.ProtoClient;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * The redis side of sessions (see the core's {@code Sessions}): which commands need the client's dedicated
 * server connection ({@link #op}), a blocking command's block time, the requests the proxy sends itself, how a
 * pushed message is told from a reply, the (un)subscribe confirmations, and PUBSUB's merge over the pool.
 *
 * <p>Stateless: thread-safe.
 */
final class RedisSession {
    private static final byte[] MULTI = ascii("*1\r\n$5\r\nMULTI\r\n");
    private static final byte[] DISCARD = ascii("*1\r\n$7\r\nDISCARD\r\n");
    private static final byte[] UNWATCH = ascii("*1\r\n$7\r\nUNWATCH\r\n");
    private static final byte[] UNSUBSCRIBE = ascii("*1\r\n$11\r\nUNSUBSCRIBE\r\n");
    private static final byte[] PUNSUBSCRIBE = ascii("*1\r\n$12\r\nPUNSUBSCRIBE\r\n");
    private static final byte[] SUNSUBSCRIBE = ascii("*1\r\n$12\r\nSUNSUBSCRIBE\r\n");
    private static final byte[] MESSAGE = ascii("$7\r\nmessage\r\n");
    private static final byte[] PMESSAGE = ascii("$8\r\npmessage\r\n");
    private static final byte[] SMESSAGE = ascii("$8\r\nsmessage\r\n");

    static final byte[] RSP_SUBSCRIBED_PONG = ascii("*2\r\n$4\r\npong\r\n$0\r\n\r\n");

    private RedisSession() {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The session operation of a parsed request of command {@code c}. */
    static int op(Msg r, RedisCommand c) {
        if (c.kind == RedisCommand.Kind.STREAMS) {
            return (r.flags & RedisParser.BLOCKING) != 0 ? Proto.SESSION_BLOCK : Proto.SESSION_NONE;
        }
        if (c.kind != RedisCommand.Kind.SESSION) {
            return Proto.SESSION_NONE;
        }
        switch (c) {
            case BLMOVE:
            case BLMPOP:
            case BLPOP:
            case BRPOP:
            case BRPOPLPUSH:
            case BZMPOP:
            case BZPOPMAX:
            case BZPOPMIN:
            case WAIT:
                return Proto.SESSION_BLOCK;
            case WATCH:
                return Proto.SESSION_WATCH;
            case UNWATCH:
                return Proto.SESSION_UNWATCH;
            case MULTI:
                return Proto.SESSION_MULTI;
            case EXEC:
                return Proto.SESSION_EXEC;
            case DISCARD:
                return Proto.SESSION_DISCARD;
            case SUBSCRIBE:
                return Proto.SESSION_SUBSCRIBE;
            case UNSUBSCRIBE:
                return Proto.SESSION_UNSUBSCRIBE;
            case PSUBSCRIBE:
                return Proto.SESSION_PSUBSCRIBE;
            case PUNSUBSCRIBE:
                return Proto.SESSION_PUNSUBSCRIBE;
            case SSUBSCRIBE:
                return Proto.SESSION_SSUBSCRIBE;
            case SUNSUBSCRIBE:
                return Proto.SESSION_SUNSUBSCRIBE;
            case RESET:
                return Proto.SESSION_RESET;
            default:
                return Proto.SESSION_NONE; // PUBLISH, SPUBLISH (by channel), PUBSUB (whole pool)
        }
    }

    private static String entry(Msg r, int i) {
        byte[] b = new byte[r.keyLen[i]];
        r.copyKey(i, b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Key entry {@code i} as a timeout in seconds (a decimal, possibly fractional) in ms, rounded up; 0 if bad. */
    static long seconds(Msg r, int i) {
        if (r.keyLen[i] > 32) {
            return 0;
        }
        try {
            double s = Double.parseDouble(entry(r, i));
            if (!(s > 0) || s > 1e12) {
                return 0;
            }
            return Math.max(1, (long) Math.ceil(s * 1000));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Key entry {@code i} as a whole number of ms; 0 if bad or not positive. */
    static long millis(Msg r, int i) {
        if (r.keyLen[i] > 18) {
            return 0;
        }
        try {
            long v = Long.parseLong(entry(r, i));
            return Math.max(0, v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static byte[] request(int op) {
        switch (op) {
            case Proto.SESSION_MULTI:
                return MULTI;
            case Proto.SESSION_DISCARD:
                return DISCARD;
            case Proto.SESSION_UNWATCH:
                return UNWATCH;
            case Proto.SESSION_UNSUBSCRIBE:
                return UNSUBSCRIBE;
            case Proto.SESSION_PUNSUBSCRIBE:
                return PUNSUBSCRIBE;
            case Proto.SESSION_SUNSUBSCRIBE:
                return SUNSUBSCRIBE;
            default:
                throw new IllegalArgumentException("no session request for " + op);
        }
    }

    /** A message, pmessage or smessage array: pushed by the server, not a reply. */
    static boolean push(Msg rsp) {
        if (rsp.type != RedisParser.RSP_MULTIBULK || rsp.nkeys < 3) {
            return false;
        }
        int len = rsp.keyLen[0];
        if (len != MESSAGE.length && len != PMESSAGE.length) {
            return false;
        }
        byte[] b = new byte[len];
        rsp.copyKey(0, b);
        return java.util.Arrays.equals(b, MESSAGE) || java.util.Arrays.equals(b, PMESSAGE)
                || java.util.Arrays.equals(b, SMESSAGE);
    }

    private static String kindName(int op) {
        switch (op) {
            case Proto.SESSION_SUBSCRIBE:
                return "subscribe";
            case Proto.SESSION_UNSUBSCRIBE:
                return "unsubscribe";
            case Proto.SESSION_PSUBSCRIBE:
                return "psubscribe";
            case Proto.SESSION_PUNSUBSCRIBE:
                return "punsubscribe";
            case Proto.SESSION_SSUBSCRIBE:
                return "ssubscribe";
            default:
                return "sunsubscribe";
        }
    }

    static void pubsubReply(int op, byte[] channel, long count, Msg rsp, ProtoClient c) {
        String k = kindName(op);
        StringBuilder sb = new StringBuilder(48);
        sb.append("*3\r\n$").append(k.length()).append("\r\n").append(k).append("\r\n");
        if (channel == null) {
            sb.append("$-1\r\n");
            c.append(rsp, ascii(sb.toString()));
        } else {
            sb.append('$').append(channel.length).append("\r\n");
            c.append(rsp, ascii(sb.toString()));
            c.append(rsp, channel);
            c.append(rsp, RedisProto.CRLF);
        }
        c.append(rsp, ascii(":" + count + "\r\n"));
    }

    /**
     * PUBSUB over the pool: CHANNELS and SHARDCHANNELS concatenate the servers' lists; NUMSUB and SHARDNUMSUB
     * add up each channel's count; NUMPAT is the largest server's (a pattern is subscribed on every server);
     * anything else is the first server's reply.
     */
    static boolean coalesce(Msg r, Msg rsp, ProtoClient c) {
        int nf = r.nfrag;
        for (int f = 0; f < nf; f++) {
            Msg fr = r.frags[f].peer;
            if (fr == null) {
                return false;
            }
            if (fr.type == RedisParser.RSP_ERROR) {
                Mbuf m = fr.mhdr.first();
                c.appendSpan(rsp, m, m.pos(), fr.mlen);
                return true;
            }
        }
        String sub = r.nkeys > 0 ? entry(r, 0).toUpperCase(java.util.Locale.ROOT) : "";
        byte[] num = c.numScratch();
        switch (sub) {
            case "CHANNELS":
            case "SHARDCHANNELS":
                return RedisPool.concatArrays(r, rsp, c);
            case "NUMSUB":
            case "SHARDNUMSUB": {
                Msg f0 = r.frags[0].peer;
                int n = f0.nkeys;
                for (int f = 0; f < nf; f++) {
                    Msg fr = r.frags[f].peer;
                    if (fr.type != RedisParser.RSP_MULTIBULK || fr.nkeys != n) {
                        return false;
                    }
                }
                RedisProto.appendNum(rsp, '*', n, num, c);
                for (int i = 0; i < n; i += 2) {
                    c.appendSpan(rsp, f0.keyMbuf[i], f0.keyStart[i], f0.keyLen[i]);
                    long sum = 0;
                    for (int f = 0; f < nf; f++) {
                        Msg fr = r.frags[f].peer;
                        sum += intSpan(fr, i + 1);
                    }
                    RedisProto.appendNum(rsp, ':', sum, num, c);
                }
                return true;
            }
            case "NUMPAT": {
                long max = 0;
                for (int f = 0; f < nf; f++) {
                    Msg fr = r.frags[f].peer;
                    if (fr.type != RedisParser.RSP_INTEGER) {
                        return false;
                    }
                    max = Math.max(max, fr.integer);
                }
                RedisProto.appendNum(rsp, ':', max, num, c);
                return true;
            }
            default: {
                Msg fr = r.frags[0].peer;
                Mbuf m = fr.mhdr.first();
                c.appendSpan(rsp, m, m.pos(), fr.mlen);
                return true;
            }
        }
    }

    /** The value of element {@code i} (":n\r\n") of array reply {@code fr}; 0 if it is not an integer. */
    private static long intSpan(Msg fr, int i) {
        if (i >= fr.nkeys) {
            return 0;
        }
        byte[] b = new byte[fr.keyLen[i]];
        fr.copyKey(i, b);
        String s = new String(b, StandardCharsets.ISO_8859_1).trim();
        if (!s.startsWith(":")) {
            return 0;
        }
        try {
            return Long.parseLong(s.substring(1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
