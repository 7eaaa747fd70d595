package org.twemproxy4j.proto.memcache;

import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.proto.ProtoClient;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.util.ErrorReplies;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * The memcache {@link Proto}: nc_memcache.c's parser entry points, memcache_fragment() (a get/gets whose keys
 * live on several servers becomes one {@code get}/{@code gets} per server), memcache_post_coalesce() (their
 * VALUE blocks merged into one reply, ended by one {@code END}), and the replies the proxy makes itself.
 *
 * <p>nutcracker has no local memcache replies: it closes the connection on anything it cannot parse. Here a
 * request memcached would refuse gets memcached's own reply and the connection stays open (see
 * {@link MemcacheParser} and "Differences from nutcracker"): {@code ERROR} for an unknown, unsupported or
 * uppercase command or a wrong word count, {@code CLIENT_ERROR bad command line format} for a key over 250
 * bytes or a bad number, {@code CLIENT_ERROR bad data chunk} for a data block that does not end where its
 * length says. {@code quit} closes the connection after the earlier replies, without a reply.
 *
 * <p>Beyond nutcracker: gat/gats are forwarded (or split and merged) like get/gets; the meta commands mg, ms,
 * md, ma and me go by key with their flags intact ({@code q} is honoured by the proxy: see {@link #coalesce});
 * {@code mn}, {@code version} and {@code verbosity} are answered by the proxy; {@code flush_all} and
 * {@code stats} go to every server and are merged. Other commands ({@code stats <arg>}, {@code lru_crawler},
 * {@code shutdown} ...) get {@code ERROR}.
 *
 * <p>Stateless: thread-safe.
 */
public final class MemcacheProto implements Proto {
    /** The proxy's own version (nutcracker's, whose behaviour it keeps). */
    public static final String VERSION = "0.5.0";
    /**
     * The proxy's {@code version} reply: the memcached protocol level it speaks (1.6: meta commands, gat), then
     * its own name and version. Clients parse the leading number: libmemcached's memccapable expects an old
     * memcached's errors from anything below 1.4.x, so "0.5.0" alone would mislead them.
     */
    public static final String VERSION_LINE = "1.6.0 twemproxy4j-" + VERSION;
    static final byte[] RSP_ERROR = ascii("ERROR\r\n");
    static final byte[] RSP_BAD_FORMAT = ascii("CLIENT_ERROR bad command line format\r\n");
    static final byte[] RSP_BAD_DATA_CHUNK = ascii("CLIENT_ERROR bad data chunk\r\n");
    static final byte[] RSP_BAD_DELTA = ascii("CLIENT_ERROR invalid numeric delta argument\r\n");
    static final byte[] RSP_BAD_EXPTIME = ascii("CLIENT_ERROR invalid exptime argument\r\n");
    static final byte[] RSP_DELETE_USAGE =
            ascii("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
    static final byte[] RSP_CROSS = ascii("SERVER_ERROR keys in request don't hash to the same server\r\n");
    static final byte[] RSP_END = ascii("END\r\n");
    static final byte[] RSP_OK = ascii("OK\r\n");
    static final byte[] RSP_MN = ascii("MN\r\n");
    static final byte[] RSP_FLAGS_TOO_LONG = ascii("CLIENT_ERROR options flags too long\r\n");
    /** The proxy's own {@code version} reply: its version, then its name. */
    static final byte[] RSP_VERSION = ascii("VERSION " + VERSION_LINE + "\r\n");
    static final byte[] GAT = ascii("gat ");
    static final byte[] GATS = ascii("gats ");
    static final byte[] FLUSH_ALL = ascii("flush_all");
    static final byte[] STATS = ascii("stats\r\n");
    static final byte[] GET = ascii("get ");
    static final byte[] GETS = ascii("gets ");
    static final byte[] SPACE = ascii(" ");
    static final byte[] CRLF = ascii("\r\n");

    private static final ErrorReplies ERRORS = new ErrorReplies("SERVER_ERROR ");

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public String name() {
        return "memcache";
    }

    @Override
    public int parseRequest(Msg r) {
        return MemcacheParser.parseRequest(r);
    }

    @Override
    public int parseResponse(Msg r) {
        return MemcacheParser.parseResponse(r);
    }

    /** msg_get_error() for a memcache pool: {@code SERVER_ERROR <strerror>}. */
    @Override
    public byte[] errorReply(int errno) {
        return ERRORS.of(errno);
    }

    /** Mirrors memcache_failure(): no memcache reply marks a server as failing. */
    @Override
    public boolean failure(Msg rsp) {
        return false;
    }

    /** memcache pools have no authentication (redis_auth is refused for them by the config). */
    @Override
    public byte[] authRequest(String password) {
        return null;
    }

    /** memcache has no databases (memcache_post_connect does nothing). */
    @Override
    public byte[] selectRequest(int db) {
        return null;
    }

    /** Mirrors memcache_swallow_msg(): nothing to look at. */
    @Override
    public void swallowMsg(String server, Msg pmsg, Msg rsp) {
    }

    /** The replies the proxy makes itself: memcached's own reply to a request it would refuse. */
    @Override
    public void reply(Msg req, Msg rsp, ProtoClient c) {
        switch (req.perr) {
            case MemcacheParser.PERR_ERROR:
                c.append(rsp, RSP_ERROR);
                return;
            case MemcacheParser.PERR_BAD_FORMAT:
                c.append(rsp, RSP_BAD_FORMAT);
                return;
            case MemcacheParser.PERR_BAD_DATA_CHUNK:
                c.append(rsp, RSP_BAD_DATA_CHUNK);
                return;
            case MemcacheParser.PERR_BAD_DELTA:
                c.append(rsp, RSP_BAD_DELTA);
                return;
            case MemcacheParser.PERR_BAD_EXPTIME:
                c.append(rsp, RSP_BAD_EXPTIME);
                return;
            case MemcacheParser.PERR_DELETE_USAGE:
                c.append(rsp, RSP_DELETE_USAGE);
                return;
            case Proto.PERR_CROSS_SERVER:
                c.append(rsp, RSP_CROSS);
                return;
            case MemcacheParser.PERR_FLAGS_TOO_LONG:
                c.append(rsp, RSP_FLAGS_TOO_LONG);
                return;
            case MemcacheParser.PERR_MN:
                c.append(rsp, RSP_MN);
                return;
            case MemcacheParser.PERR_OK:
                c.append(rsp, RSP_OK);
                return;
            case MemcacheParser.PERR_VERSION:
                c.append(rsp, RSP_VERSION);
                return;
            default:
                // quit, a line too long (memcached closes without a word), a refused noreply request
                return;
        }
    }

    /**
     * Mirrors memcache_should_fragment() (a get/gets, and here a gat/gats, with more than one key is split), and
     * routes the commands nutcracker does not know: flush_all and stats go to every server; a meta command with
     * the {@code q} flag goes to its key's server as a one-key "split", so that its fragment can be sent
     * without the flag and {@link #coalesce} can leave out the reply memcached would have left out.
     */
    @Override
    public int route(Msg r, int nserver) {
        int t = r.type;
        if (MemcacheParser.retrieval(t)) {
            return r.nkeys > 1 ? ROUTE_SPLIT : ROUTE_KEYS;
        }
        if (t == MemcacheParser.REQ_FLUSH_ALL || t == MemcacheParser.REQ_STATS) {
            return ROUTE_ALL;
        }
        return MemcacheParser.quiet(r) ? ROUTE_SPLIT : ROUTE_KEYS;
    }

    /**
     * Mirrors memcache_fragment_retrieval() for one server: {@code get k1 k2 ... \r\n} (with nutcracker's
     * space after every key) carrying key groups {@code groups[0..n)} of {@code r}; {@code gat <exptime> k1 ...}
     * for gat and gats. A quiet meta command is copied without its {@code q} flag.
     */
    @Override
    public void fragment(Msg r, int[] groups, int n, Msg sub, ProtoClient c) {
        int t = r.type;
        if (MemcacheParser.meta(t)) {
            copyWithoutQ(r, sub, c);
            sub.narg = r.narg;
            return;
        }
        if (t == MemcacheParser.REQ_GAT || t == MemcacheParser.REQ_GATS) {
            c.append(sub, t == MemcacheParser.REQ_GATS ? GATS : GAT);
            appendInt(sub, (int) r.rlen, c);
            c.append(sub, SPACE);
        } else {
            c.append(sub, t == MemcacheParser.REQ_GETS ? GETS : GET);
        }
        int step = r.keyStep;
        for (int i = 0; i < n; i++) {
            c.appendKey(sub, r, groups[i] * step);
            c.append(sub, SPACE);
        }
        c.append(sub, CRLF);
        sub.narg = n + 1;
    }

    /** The bytes of request {@code r} but the one byte of its {@code q} flag. */
    private static void copyWithoutQ(Msg r, Msg sub, ProtoClient c) {
        int q = MemcacheParser.quietAt(r);
        Mbuf m = r.mhdr.first();
        c.appendSpan(sub, m, m.pos(), q);
        // find the byte after the flag, which may be in a later mbuf
        int skip = q + 1;
        while (m != null && skip >= m.last() - m.pos()) {
            skip -= m.last() - m.pos();
            m = m.next();
        }
        if (m != null) {
            c.appendSpan(sub, m, m.pos() + skip, r.mlen - q - 1);
        }
    }

    private static void appendInt(Msg dst, int v, ProtoClient c) {
        byte[] b = c.numScratch();
        int n = 0;
        long x = v;
        if (x < 0) {
            b[n++] = '-';
            x = -x;
        }
        int start = n;
        do {
            b[n++] = (byte) ('0' + x % 10);
            x /= 10;
        } while (x > 0);
        for (int i = start, j = n - 1; i < j; i++, j--) {
            byte tmp = b[i];
            b[i] = b[j];
            b[j] = tmp;
        }
        c.append(dst, b, 0, n);
    }

    /**
     * The request server {@code server} gets for a whole-pool command: {@code flush_all [delay]} (without
     * noreply: the proxy needs every server's answer) or {@code stats}.
     */
    @Override
    public void fragmentTo(Msg r, int server, int nserver, Msg sub, ProtoClient c) {
        sub.noreply = false;
        if (r.type == MemcacheParser.REQ_STATS) {
            c.append(sub, STATS);
            return;
        }
        c.append(sub, FLUSH_ALL);
        if (r.rlen != 0) {
            c.append(sub, SPACE);
            appendInt(sub, (int) r.rlen, c);
        }
        c.append(sub, CRLF);
    }

    /**
     * The one reply of a split or fanned-out request: the merged VALUE blocks of a get/gets/gat/gats, the reply
     * of a quiet meta command (or nothing, where memcached says nothing), {@code OK} for a flush_all that every
     * server accepted, or the proxy's own stats summary.
     */
    @Override
    public boolean coalesce(Msg r, Msg rsp, ProtoClient c) {
        int t = r.type;
        if (MemcacheParser.meta(t)) {
            return coalesceQuiet(r, rsp, c);
        }
        if (t == MemcacheParser.REQ_FLUSH_ALL) {
            return coalesceFlush(r, rsp, c);
        }
        if (t == MemcacheParser.REQ_STATS) {
            return MemcacheStats.coalesce(r, rsp, c);
        }
        return coalesceRetrieval(r, rsp, c);
    }

    /**
     * memcached 1.6's {@code q} flag leaves out a meta command's uneventful reply: EN (a miss) of mg, HD (done)
     * of ms, md and ma. The rest (a hit, NF, NS, EX, an error) is the client's as it came.
     */
    private static boolean coalesceQuiet(Msg r, Msg rsp, ProtoClient c) {
        Msg f = r.frags[0].peer;
        if (f == null) {
            return false;
        }
        int t = r.type;
        int rt = f.type;
        boolean dropped = rt == MemcacheParser.RSP_EN && t == MemcacheParser.REQ_MG
                || rt == MemcacheParser.RSP_HD && t != MemcacheParser.REQ_MG && t != MemcacheParser.REQ_ME;
        if (!dropped) {
            appendAll(f, rsp, c);
        }
        return true;
    }

    private static void appendAll(Msg f, Msg rsp, ProtoClient c) {
        Mbuf m = f.mhdr.first();
        if (m != null && f.mlen > 0) {
            c.appendSpan(rsp, m, m.pos(), f.mlen);
        }
    }

    /** OK when every server said OK; else the first server's other reply. Nothing for flush_all noreply. */
    private static boolean coalesceFlush(Msg r, Msg rsp, ProtoClient c) {
        Msg bad = null;
        for (int i = 0; i < r.nfrag; i++) {
            Msg f = r.frags[i].peer;
            if (f == null) {
                return false;
            }
            if (f.type != MemcacheParser.RSP_OK && bad == null) {
                bad = f;
            }
        }
        if (MemcacheParser.silent(r)) {
            return true;
        }
        if (bad == null) {
            c.append(rsp, RSP_OK);
        } else {
            appendAll(bad, rsp, c);
        }
        return true;
    }

    /**
     * Mirrors memcache_pre_coalesce() + memcache_post_coalesce(): each fragment's reply must be VALUE blocks
     * and END; then, key by key in the client's order, the next VALUE block of the key's fragment is copied
     * (a missing key has none, so the next present key of that server takes its turn, exactly as nutcracker
     * pulls them), and one END closes the reply.
     */
    private static boolean coalesceRetrieval(Msg r, Msg rsp, ProtoClient c) {
        Msg[] frags = r.frags;
        for (int i = 0; i < r.nfrag; i++) {
            Msg f = frags[i].peer;
            if (f == null || (f.type != MemcacheParser.RSP_VALUE && f.type != MemcacheParser.RSP_END)) {
                return false;
            }
            f.argi = 0;
        }
        int nkeys = r.nkeyGroups();
        int[] keyFrag = r.keyFrag;
        for (int i = 0; i < nkeys; i++) {
            Msg f = frags[keyFrag[i]].peer;
            int next = f.argi;
            if (next < f.nkeys) {
                c.appendKey(rsp, f, next);
                f.argi = next + 1;
            }
        }
        c.append(rsp, RSP_END);
        return true;
    }
}
