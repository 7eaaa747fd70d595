package org.twemproxy4j.proto.redis;

import java.util.concurrent.ThreadLocalRandom;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.proto.ProtoClient;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * The whole-pool commands ({@link RedisCommand.Kind#POOL}): where they go, what each server gets and how the
 * replies merge.
 *
 * <ul>
 *   <li>DBSIZE: every server, the sum. KEYS: every server, the arrays concatenated (server order).</li>
 *   <li>FLUSHDB, FLUSHALL, SCRIPT (LOAD, FLUSH), FUNCTION: every server; the first error reply if any
 *       server fails, else the first server's reply. SCRIPT KILL and FUNCTION KILL: every server, each on a
 *       connection of its own ({@link RedisProto#outOfBand}); OK when one server stopped a script, else the
 *       first error (NOTBUSY). SCRIPT EXISTS: every server, 1 per sha only where every
 *       server has it.</li>
 *   <li>RANDOMKEY: every server; the first non-nil reply from a random starting server.</li>
 *   <li>TIME, LASTSAVE: the pool's first server.</li>
 *   <li>COMMAND: the first server's table without what the proxy does not serve ({@link RedisCommandReply}).</li>
 *   <li>INFO: every server, merged into the pool's view ({@link RedisInfo}): the proxy's own Server section and
 *       client count, every other number summed over the servers, the keyspace summed per db.</li>
 *   <li>SCAN: one server at a time. The proxy's cursor is {@code serverCursor * nserver + serverIndex}: cursor
 *       {@code c} goes to server {@code c % nserver} with cursor {@code c / nserver}, and MATCH, COUNT and TYPE
 *       pass through. The reply's cursor is rewritten the same way; when a server's iteration ends (cursor 0)
 *       the next cursor starts the next server ({@code serverIndex + 1}), and 0 comes back only after the last
 *       server. A full iteration therefore visits every server once, with redis's guarantees per server. A
 *       cursor that is not a number is passed to the first server, which answers redis's error. Server
 *       cursors must stay below 2^63 / nserver (redis's are bounded by its table sizes). In a redis_cluster
 *       pool the positions are slots ({@code nserver} is 16384): the core sends position {@code p} to the
 *       master that owns slot {@code p}, and {@link ProtoClient#scanNext} names the next master's first slot.</li>
 * </ul>
 *
 * <p>Every request argument was recorded as a key entry by the parser (entry i is argument i+1), which SCAN's
 * rewrite uses; the route keeps the pool size in {@code Msg.rnarg} for the merge.
 */
final class RedisPool {
    private static final byte[] SCAN = {'S', 'C', 'A', 'N'};

    private RedisPool() {
    }

    static int route(Msg r, RedisCommand c, int nserver) {
        r.rnarg = nserver;
        switch (c) {
            case TIME:
            case LASTSAVE:
            case COMMAND:
                return 0;
            case SCAN: {
                long v = cursor(r);
                return v < 0 ? 0 : (int) (v % nserver);
            }
            default:
                return Proto.ROUTE_ALL;
        }
    }

    /** The request cursor of a SCAN (argument 1), or -1 when it is not a plain decimal number. */
    static long cursor(Msg r) {
        if (r.nkeys < 1) {
            return -1;
        }
        return digits(r.keyMbuf[0], r.keyStart[0], r.keyLen[0]);
    }

    /** The value of {@code len} decimal digits at {@code start} of {@code m}'s chain, or -1. */
    static long digits(Mbuf m, int start, int len) {
        if (len <= 0 || len > 18) {
            return -1;
        }
        long v = 0;
        while (len > 0) {
            int n = Math.min(len, m.last() - start);
            for (int i = 0; i < n; i++) {
                byte ch = m.byteBuf().getByte(start + i);
                if (ch < '0' || ch > '9') {
                    return -1;
                }
                v = v * 10 + (ch - '0');
            }
            len -= n;
            m = m.next();
            if (m != null) {
                start = m.pos();
            }
        }
        return v;
    }

    /** The byte {@code k} bytes into the span at {@code start} of {@code m}'s chain. */
    static byte spanByte(Mbuf m, int start, int k) {
        while (start + k >= m.last()) {
            k -= m.last() - start;
            m = m.next();
            start = m.pos();
        }
        return m.byteBuf().getByte(start + k);
    }

    static void fragmentTo(Msg r, int server, int nserver, Msg sub, ProtoClient c) {
        RedisCommand cmd = RedisCommand.of(r.type);
        if (cmd == RedisCommand.COMMAND) {
            RedisCommandReply.fragmentTo(r, sub, c);
            return;
        }
        long v = cmd == RedisCommand.SCAN ? cursor(r) : -1;
        if (v < 0) {
            Mbuf f = r.mhdr.first();
            c.appendSpan(sub, f, f.pos(), r.mlen); // the request as the client sent it
            return;
        }
        byte[] num = c.numScratch();
        RedisProto.appendNum(sub, '*', r.nkeys + 1, num, c);
        RedisProto.appendNum(sub, '$', SCAN.length, num, c);
        c.append(sub, SCAN);
        c.append(sub, RedisProto.CRLF);
        appendBulkNum(sub, v / nserver, num, c);
        for (int i = 1; i < r.nkeys; i++) {
            RedisProto.appendNum(sub, '$', r.keyLen[i], num, c);
            c.appendKey(sub, r, i);
            c.append(sub, RedisProto.CRLF);
        }
    }

    /** Appends {@code v} as a bulk string. */
    private static void appendBulkNum(Msg m, long v, byte[] num, ProtoClient c) {
        int d = 1;
        for (long x = v; x >= 10; x /= 10) {
            d++;
        }
        RedisProto.appendNum(m, '$', d, num, c);
        int i = num.length;
        num[--i] = '\n';
        num[--i] = '\r';
        long x = v;
        do {
            num[--i] = (byte) ('0' + (x % 10));
            x /= 10;
        } while (x != 0);
        c.append(m, num, i, num.length - i);
    }

    private static void appendAll(Msg rsp, Msg fr, ProtoClient c) {
        Mbuf f = fr.mhdr.first();
        c.appendSpan(rsp, f, f.pos(), fr.mlen);
    }

    static boolean coalesce(Msg r, RedisCommand cmd, Msg rsp, ProtoClient c) {
        int nf = r.nfrag;
        if ((cmd == RedisCommand.SCRIPT || cmd == RedisCommand.FUNCTION) && RedisProto.kill(r)) {
            // SCRIPT/FUNCTION KILL: OK when it stopped a script somewhere (the other servers had none running)
            for (int f = 0; f < nf; f++) {
                Msg fr = r.frags[f].peer;
                if (fr != null && fr.type == RedisParser.RSP_STATUS) {
                    appendAll(rsp, fr, c);
                    return true;
                }
            }
        }
        for (int f = 0; f < nf; f++) {
            Msg fr = r.frags[f].peer;
            if (fr == null) {
                return false;
            }
            if (fr.type == RedisParser.RSP_ERROR) {
                appendAll(rsp, fr, c); // the first server error, as the client would get it from that server
                return true;
            }
        }
        byte[] num = c.numScratch();
        switch (cmd) {
            case DBSIZE: {
                long sum = 0;
                for (int f = 0; f < nf; f++) {
                    Msg fr = r.frags[f].peer;
                    if (fr.type != RedisParser.RSP_INTEGER) {
                        return false;
                    }
                    sum += fr.integer;
                }
                RedisProto.appendNum(rsp, ':', sum, num, c);
                return true;
            }
            case KEYS:
                return concatArrays(r, rsp, c);
            case RANDOMKEY: {
                int s = ThreadLocalRandom.current().nextInt(nf);
                for (int k = 0; k < nf; k++) {
                    Msg fr = r.frags[(s + k) % nf].peer;
                    if (fr.type == RedisParser.RSP_BULK && fr.mlen > RedisProto.RSP_NIL.length) {
                        appendAll(rsp, fr, c);
                        return true;
                    }
                }
                c.append(rsp, RedisProto.RSP_NIL);
                return true;
            }
            case SCAN:
                return scan(r, rsp, c);
            case INFO:
                return RedisInfo.merge(r, rsp, c);
            case COMMAND:
                return RedisCommandReply.merge(r, rsp, c);
            case SCRIPT:
                if (r.frags[0].peer.type == RedisParser.RSP_MULTIBULK) {
                    return scriptExists(r, rsp, c);
                }
                appendAll(rsp, r.frags[0].peer, c);
                return true;
            default:
                appendAll(rsp, r.frags[0].peer, c);
                return true;
        }
    }

    /**
     * The fragments' array replies concatenated in server order (KEYS, PUBSUB CHANNELS): the elements' recorded
     * spans spliced, no copy. False when a reply is not an array.
     */
    static boolean concatArrays(Msg r, Msg rsp, ProtoClient c) {
        int nf = r.nfrag;
        long n = 0;
        for (int f = 0; f < nf; f++) {
            Msg fr = r.frags[f].peer;
            if (fr.type != RedisParser.RSP_MULTIBULK) {
                return false;
            }
            n += fr.nkeys;
        }
        RedisProto.appendNum(rsp, '*', n, c.numScratch(), c);
        for (int f = 0; f < nf; f++) {
            Msg fr = r.frags[f].peer;
            for (int i = 0; i < fr.nkeys; i++) {
                c.appendSpan(rsp, fr.keyMbuf[i], fr.keyStart[i], fr.keyLen[i]);
            }
        }
        return true;
    }

    /** SCRIPT EXISTS: element i is 1 only where every server answers 1. */
    private static boolean scriptExists(Msg r, Msg rsp, ProtoClient c) {
        int nf = r.nfrag;
        int n = r.frags[0].peer.nkeys;
        for (int f = 0; f < nf; f++) {
            Msg fr = r.frags[f].peer;
            if (fr.type != RedisParser.RSP_MULTIBULK || fr.nkeys != n) {
                return false;
            }
        }
        byte[] num = c.numScratch();
        RedisProto.appendNum(rsp, '*', n, num, c);
        for (int i = 0; i < n; i++) {
            long all = 1;
            for (int f = 0; f < nf; f++) {
                Msg fr = r.frags[f].peer;
                if (fr.keyLen[i] < 4 || spanByte(fr.keyMbuf[i], fr.keyStart[i], 1) != '1') {
                    all = 0;
                }
            }
            RedisProto.appendNum(rsp, ':', all, num, c);
        }
        return true;
    }

    /** SCAN: the server's cursor rewritten into the proxy's, the keys spliced as they are. */
    private static boolean scan(Msg r, Msg rsp, ProtoClient c) {
        Msg fr = r.frags[0].peer;
        if (fr.type != RedisParser.RSP_MULTIBULK || fr.nkeys != 2) {
            return false;
        }
        int nserver = r.rnarg;
        long v = cursor(r);
        int server = v < 0 ? 0 : (int) (v % nserver); // the position the route chose (a cluster: a slot)
        // the cursor element is "$n\r\n<digits>\r\n"
        Mbuf m = fr.keyMbuf[0];
        int start = fr.keyStart[0];
        int len = fr.keyLen[0];
        int k = 1;
        while (k < len && spanByte(m, start, k) != '\n') {
            k++;
        }
        int dlen = len - (k + 1) - 2;
        long sc = 0;
        for (int i = 0; i < dlen; i++) {
            byte ch = spanByte(m, start, k + 1 + i);
            if (ch < '0' || ch > '9' || i > 18) {
                return false;
            }
            sc = sc * 10 + (ch - '0');
        }
        long next;
        if (sc != 0 && sc > (Long.MAX_VALUE - server) / nserver) {
            return false; // the server's cursor does not fit the proxy's
        }
        if (sc != 0) {
            next = sc * nserver + server;
        } else {
            next = c.scanNext(server, nserver);
        }
        byte[] num = c.numScratch();
        RedisProto.appendNum(rsp, '*', 2, num, c);
        appendBulkNum(rsp, next, num, c);
        c.appendSpan(rsp, fr.keyMbuf[1], fr.keyStart[1], fr.keyLen[1]);
        return true;
    }
}
