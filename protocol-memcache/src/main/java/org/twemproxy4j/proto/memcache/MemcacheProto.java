package org.twemproxy4j.proto.memcache;

import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.proto.ProtoClient;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.util.NcErrno;
import org.twemproxy4j.core.proto.Proto;

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
 * length says. Unsupported commands ({@code stats}, {@code flush_all}, {@code gat}, the meta commands ...)
 * get {@code ERROR}. {@code quit} closes the connection after the earlier replies, without a reply.
 *
 * <p>Stateless: thread-safe.
 */
public final class MemcacheProto implements Proto {
    static final byte[] RSP_ERROR = ascii("ERROR\r\n");
    static final byte[] RSP_BAD_FORMAT = ascii("CLIENT_ERROR bad command line format\r\n");
    static final byte[] RSP_BAD_DATA_CHUNK = ascii("CLIENT_ERROR bad data chunk\r\n");
    static final byte[] RSP_BAD_DELTA = ascii("CLIENT_ERROR invalid numeric delta argument\r\n");
    static final byte[] RSP_BAD_EXPTIME = ascii("CLIENT_ERROR invalid exptime argument\r\n");
    static final byte[] RSP_DELETE_USAGE =
            ascii("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
    static final byte[] RSP_CROSS = ascii("SERVER_ERROR keys in request don't hash to the same server\r\n");
    static final byte[] RSP_END = ascii("END\r\n");
    static final byte[] GET = ascii("get ");
    static final byte[] GETS = ascii("gets ");
    static final byte[] SPACE = ascii(" ");
    static final byte[] CRLF = ascii("\r\n");

    private static final byte[][] ERRORS = new byte[128][];

    static {
        for (int i = 0; i < ERRORS.length; i++) {
            ERRORS[i] = ascii("SERVER_ERROR " + NcErrno.strerror(i) + "\r\n");
        }
    }

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
        if (errno >= 0 && errno < ERRORS.length) {
            return ERRORS[errno];
        }
        return ascii("SERVER_ERROR " + NcErrno.strerror(errno) + "\r\n");
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
            default:
                // quit, a line too long (memcached closes without a word), a refused noreply request
                return;
        }
    }

    /** Mirrors memcache_should_fragment(): a get/gets with more than one key is split. */
    @Override
    public int route(Msg r, int nserver) {
        return MemcacheParser.retrieval(r.type) && r.nkeys > 1 ? ROUTE_SPLIT : ROUTE_KEYS;
    }

    /**
     * Mirrors memcache_fragment_retrieval() for one server: {@code get k1 k2 ... \r\n} (with nutcracker's
     * space after every key) carrying key groups {@code groups[0..n)} of {@code r}.
     */
    @Override
    public void fragment(Msg r, int[] groups, int n, Msg sub, ProtoClient c) {
        c.append(sub, r.type == MemcacheParser.REQ_GETS ? GETS : GET);
        int step = r.keyStep;
        for (int i = 0; i < n; i++) {
            c.appendKey(sub, r, groups[i] * step);
            c.append(sub, SPACE);
        }
        c.append(sub, CRLF);
        sub.narg = n + 1;
    }

    /**
     * Mirrors memcache_pre_coalesce() + memcache_post_coalesce(): each fragment's reply must be VALUE blocks
     * and END; then, key by key in the client's order, the next VALUE block of the key's fragment is copied
     * (a missing key has none, so the next present key of that server takes its turn, exactly as nutcracker
     * pulls them), and one END closes the reply.
     */
    @Override
    public boolean coalesce(Msg r, Msg rsp, ProtoClient c) {
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
