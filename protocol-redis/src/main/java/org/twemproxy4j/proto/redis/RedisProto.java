package org.twemproxy4j.proto.redis;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.proto.ClusterTopology;
import org.twemproxy4j.core.proto.ProtoClient;
import org.twemproxy4j.proto.redis.cluster.ClusterReplies;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.util.ErrorReplies;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * The redis {@link Proto}: nc_redis.c's parser entry points, redis_reply() (the commands the proxy answers
 * itself), redis_failure(), redis_add_auth(), redis_post_connect() and redis_swallow_msg().
 *
 * <p>Replies follow nutcracker where a client sees a valid exchange (PING, AUTH/NOAUTH, backend errors), and
 * redis-server 7 where nutcracker would just close the connection (see "Differences from nutcracker"):
 * unknown commands and wrong arity get redis's error text and the connection stays open; framing errors get
 * {@code -ERR Protocol error: ...} then a close; {@code PING msg} echoes; {@code QUIT} says {@code +OK};
 * {@code SELECT 0} is {@code +OK} and any other db an error (the client always sees db 0).
 *
 * <p>Stateless: thread-safe.
 */
public final class RedisProto implements Proto {
    static final byte[] RSP_PONG = ascii("+PONG\r\n");
    static final byte[] RSP_OK = ascii("+OK\r\n");
    static final byte[] RSP_INVALID_PASSWORD = ascii("-ERR invalid password\r\n");
    static final byte[] RSP_AUTH_REQUIRED = ascii("-NOAUTH Authentication required\r\n");
    static final byte[] RSP_NO_PASSWORD = ascii("-ERR Client sent AUTH, but no password is set\r\n");
    static final byte[] RSP_NOT_INT = ascii("-ERR value is not an integer or out of range\r\n");
    static final byte[] RSP_DB_RANGE = ascii("-ERR DB index is out of range\r\n");
    static final byte[] RSP_EVAL_KEYS = ascii("-ERR Number of keys can't be greater than number of args\r\n");
    static final byte[] RSP_EVAL_NEG = ascii("-ERR Number of keys can't be negative\r\n");
    static final byte[] RSP_NIL = ascii("$-1\r\n");

    // error reply prefixes that mean the server is failing (redis_failure), packed as Msg.integer packs them
    private static final long ERR_OOM = pack("OOM ");
    private static final long ERR_BUSY = pack("BUSY ");
    private static final long ERR_LOADING = pack("LOADING ");

    private static final long ERR_MOVED = pack("MOVED ");
    private static final long ERR_ASK = pack("ASK ");
    private static final long ERR_TRYAGAIN = pack("TRYAGAIN");
    private static final long ERR_CLUSTERDOWN = pack("CLUSTERD");

    private static final ErrorReplies ERRORS = new ErrorReplies("-ERR ");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static long pack(String s) {
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            v = (v << 8) | s.charAt(i);
        }
        return v;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public int parseRequest(Msg r) {
        return RedisParser.parseRequest(r);
    }

    @Override
    public int parseResponse(Msg r) {
        return RedisParser.parseResponse(r);
    }

    @Override
    public byte[] errorReply(int errno) {
        return ERRORS.of(errno);
    }

    /** Mirrors redis_failure(): -OOM, -BUSY and -LOADING replies close the server connection. */
    @Override
    public boolean failure(Msg rsp) {
        if (rsp.type != RedisParser.RSP_ERROR) {
            return false;
        }
        int n = rsp.llen;
        long v = rsp.integer;
        return prefix(v, n, ERR_OOM, 4) || prefix(v, n, ERR_BUSY, 5) || prefix(v, n, ERR_LOADING, 8);
    }

    /** Redis Cluster redirections: -MOVED, -ASK, -TRYAGAIN, -CLUSTERDOWN (from the error's first 8 bytes). */
    @Override
    public int redirect(Msg rsp) {
        if (rsp.type != RedisParser.RSP_ERROR) {
            return REDIRECT_NONE;
        }
        int n = rsp.llen;
        long v = rsp.integer;
        if (prefix(v, n, ERR_MOVED, 6)) {
            return REDIRECT_MOVED;
        }
        if (prefix(v, n, ERR_ASK, 4)) {
            return REDIRECT_ASK;
        }
        if (prefix(v, n, ERR_TRYAGAIN, 8) || prefix(v, n, ERR_CLUSTERDOWN, 8)) {
            return REDIRECT_RETRY;
        }
        return REDIRECT_NONE;
    }

    @Override
    public boolean redirectTarget(Msg rsp, ClusterTopology out) {
        return ClusterReplies.redirectTarget(rsp, out);
    }

    @Override
    public byte[] clusterSlotsRequest() {
        return ClusterReplies.CLUSTER_SLOTS;
    }

    @Override
    public byte[] askingRequest() {
        return ClusterReplies.ASKING;
    }

    @Override
    public boolean clusterSlots(Msg rsp, ClusterTopology out) {
        return ClusterReplies.clusterSlots(rsp, out);
    }

    private static boolean prefix(long got, int ngot, long want, int nwant) {
        if (ngot < nwant) {
            return false;
        }
        return (got >>> (8 * (ngot - nwant))) == want;
    }

    @Override
    public byte[] authRequest(String password) {
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        byte[] head = ascii("*2\r\n$4\r\nAUTH\r\n$" + pw.length + "\r\n");
        byte[] out = new byte[head.length + pw.length + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(pw, 0, out, head.length, pw.length);
        out[out.length - 2] = '\r';
        out[out.length - 1] = '\n';
        return out;
    }

    @Override
    public byte[] selectRequest(int db) {
        if (db <= 0) {
            return null;
        }
        String d = Integer.toString(db);
        return ascii("*2\r\n$6\r\nSELECT\r\n$" + d.length() + "\r\n" + d + "\r\n");
    }

    /** Mirrors redis_swallow_msg(): a failed SELECT is logged. */
    @Override
    public void swallowMsg(String server, Msg pmsg, Msg rsp) {
        if (rsp.type == RedisParser.RSP_ERROR && Log.enabled(Log.LOG_WARN)) {
            byte[] all = bytes(rsp);
            String text = new String(all, StandardCharsets.ISO_8859_1).trim();
            Log.warn("swallowed request to '" + server + "' failed: " + text);
        }
    }

    /** Mirrors redis_reply() and req_make_reply(): the replies the proxy makes itself. */
    @Override
    public void reply(Msg req, Msg rsp, ProtoClient c) {
        int perr = req.perr;
        if (perr > 0 && perr <= RedisParser.PERR_FRAMING_MAX) {
            c.append(rsp, ascii("-ERR Protocol error: " + framingText(req) + "\r\n"));
            return;
        }
        switch (perr) {
            case Proto.PERR_CROSS_SLOT:
                c.append(rsp, ascii("-CROSSSLOT Keys in request don't hash to the same slot\r\n"));
                return;
            case Proto.PERR_CROSS_SERVER:
                c.append(rsp, ascii("-CROSSSLOT Keys in request don't hash to the same server (command '"
                        + RedisCommand.of(req.type).lower + "')\r\n"));
                return;
            case Proto.PERR_SESSION_LIMIT:
                c.append(rsp, ascii("-ERR max number of session connections reached (session_connections): command '"
                        + RedisCommand.of(req.type).lower + "' needs a dedicated server connection\r\n"));
                return;
            case Proto.PERR_TX_CROSS:
                c.append(rsp, ascii("-CROSSSLOT Keys in request don't hash to the same server as the transaction"
                        + " (command '" + RedisCommand.of(req.type).lower + "')\r\n"));
                return;
            case Proto.PERR_TX_OK:
                c.append(rsp, RSP_OK);
                return;
            case Proto.PERR_TX_EMPTY:
                c.append(rsp, ascii("*0\r\n"));
                return;
            case Proto.PERR_TX_ABORT:
                c.append(rsp, ascii("-EXECABORT Transaction discarded because of previous errors.\r\n"));
                return;
            case Proto.PERR_TX_NESTED:
                c.append(rsp, ascii("-ERR MULTI calls can not be nested\r\n"));
                return;
            case Proto.PERR_EXEC_NO_MULTI:
                c.append(rsp, ascii("-ERR EXEC without MULTI\r\n"));
                return;
            case Proto.PERR_DISCARD_NO_MULTI:
                c.append(rsp, ascii("-ERR DISCARD without MULTI\r\n"));
                return;
            case Proto.PERR_WATCH_IN_MULTI:
                c.append(rsp, ascii("-ERR WATCH inside MULTI is not allowed\r\n"));
                return;
            case Proto.PERR_TX_UNSUPPORTED:
                c.append(rsp, ascii("-ERR command '" + RedisCommand.of(req.type).lower
                        + "' is not supported inside a transaction by the proxy\r\n"));
                return;
            case Proto.PERR_SUBSCRIBED:
                c.append(rsp, subscribedOnly(RedisCommand.of(req.type).lower));
                return;
            case Proto.PERR_RESET:
                c.append(rsp, ascii("+RESET\r\n"));
                return;
            case RedisParser.PERR_REFUSED:
                if (c.inTransaction() && RedisCommand.of(req.type).noMulti()) {
                    // what redis answers for it inside MULTI (the transaction is aborted, as there)
                    c.append(rsp, ascii("-ERR Command not allowed inside a transaction\r\n"));
                    return;
                }
                c.append(rsp, ascii("-ERR command '" + RedisCommand.of(req.type).lower
                        + "' is not forwarded by the proxy\r\n"));
                return;
            case RedisParser.PERR_UNKNOWN:
                c.append(rsp, unknownCommand(req));
                return;
            case RedisParser.PERR_ARITY:
                c.append(rsp, ascii("-ERR wrong number of arguments for '" + RedisCommand.of(req.type).lower
                        + "' command\r\n"));
                return;
            case RedisParser.PERR_NOTINT:
                c.append(rsp, RSP_NOT_INT);
                return;
            case RedisParser.PERR_EVAL_KEYS:
                c.append(rsp, RSP_EVAL_KEYS);
                return;
            case RedisParser.PERR_EVAL_NEG:
                c.append(rsp, RSP_EVAL_NEG);
                return;
            default:
                break;
        }
        RedisCommand cmd = RedisCommand.of(req.type);
        if (cmd == RedisCommand.QUIT) {
            c.append(rsp, RSP_OK);
            return;
        }
        if (c.subscribed() && cmd != RedisCommand.PING && c.authenticated()) {
            // the commands the proxy answers itself obey redis's subscribed-mode (RESP2) rule too: a CLIENT REPLY
            // OFF, a SELECT or an AUTH there is refused, not applied (an unknown CLIENT subcommand gets its own
            // error first, as in redis, below)
            String name = cmd == RedisCommand.CLIENT ? RedisLocal.fullName(args(req)) : cmd.lower;
            if (name != null) {
                c.append(rsp, subscribedOnly(name));
                return;
            }
        }
        if (cmd == RedisCommand.AUTH) {
            byte[][] a = args(req);
            auth(a[a.length - 1], a.length == 2 ? null : a[1], rsp, c);
            return;
        }
        if (cmd == RedisCommand.HELLO) {
            RedisLocal.hello(args(req), rsp, c);
            return;
        }
        if (!c.authenticated()) {
            c.append(rsp, RSP_AUTH_REQUIRED);
            return;
        }
        if (cmd == RedisCommand.PING) {
            if (c.subscribed()) {
                // as redis answers PING in subscribed mode (RESP2): ["pong", message or ""]
                if (req.narg == 1) {
                    c.append(rsp, RedisSession.RSP_SUBSCRIBED_PONG);
                } else {
                    byte[] m = args(req)[1];
                    c.append(rsp, ascii("*2\r\n$4\r\npong\r\n$" + m.length + "\r\n"));
                    c.append(rsp, m);
                    c.append(rsp, CRLF);
                }
                return;
            }
            if (req.narg == 1) {
                c.append(rsp, RSP_PONG);
            } else {
                byte[][] args = args(req);
                byte[] m = args[1];
                c.append(rsp, ascii("$" + m.length + "\r\n"));
                c.append(rsp, m);
                c.append(rsp, ascii("\r\n"));
            }
            return;
        }
        if (cmd == RedisCommand.SELECT) {
            byte[] db = args(req)[1];
            long v = parseLong(db);
            if (v == Long.MIN_VALUE) {
                c.append(rsp, RSP_NOT_INT);
            } else if (v == 0) {
                c.append(rsp, RSP_OK);
            } else {
                c.append(rsp, RSP_DB_RANGE);
            }
            return;
        }
        if (cmd == RedisCommand.ECHO) {
            RedisLocal.bulk(rsp, args(req)[1], c);
            return;
        }
        if (cmd == RedisCommand.CLIENT) {
            RedisLocal.client(req, args(req), rsp, c);
            return;
        }
        // a forwardable request routed here only because the client is not authenticated
        c.append(rsp, RSP_AUTH_REQUIRED);
    }

    /** Redis's refusal of a command other than (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET in subscribed mode. */
    static byte[] subscribedOnly(String fullName) {
        return ascii("-ERR Can't execute '" + fullName + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT"
                + " / RESET are allowed in this context\r\n");
    }

    /**
     * Mirrors redis_fragment(): a multi-key MGET/DEL/UNLINK/TOUCH/EXISTS/MSET with several keys is split; the
     * whole-pool commands go to every server or one chosen server ({@link RedisPool#route}); everything else
     * by its keys (the core answers -CROSSSLOT when a co-located command's keys are on several servers).
     */
    /** SCRIPT KILL and FUNCTION KILL: on a connection of their own, so that a server busy with a script gets them. */
    @Override
    public boolean outOfBand(Msg r) {
        return kill(r);
    }

    /** True for SCRIPT KILL and FUNCTION KILL. */
    static boolean kill(Msg r) {
        int t = r.type;
        if (t != RedisCommand.SCRIPT.type() && t != RedisCommand.FUNCTION.type() || r.nkeys < 1 || r.keyLen[0] != 4) {
            return false;
        }
        return (RedisPool.spanByte(r.keyMbuf[0], r.keyStart[0], 0) | 0x20) == 'k'
                && (RedisPool.spanByte(r.keyMbuf[0], r.keyStart[0], 1) | 0x20) == 'i'
                && (RedisPool.spanByte(r.keyMbuf[0], r.keyStart[0], 2) | 0x20) == 'l'
                && (RedisPool.spanByte(r.keyMbuf[0], r.keyStart[0], 3) | 0x20) == 'l';
    }

    @Override
    public int route(Msg r, int nserver) {
        RedisCommand c = RedisCommand.of(r.type);
        if (c == null) {
            return ROUTE_KEYS;
        }
        switch (c.kind) {
            case ARGX:
            case ARGKVX:
                return r.nkeyGroups() > 1 ? ROUTE_SPLIT : ROUTE_KEYS;
            case POOL:
                return RedisPool.route(r, c, nserver);
            case SESSION:
                return c == RedisCommand.PUBSUB ? ROUTE_ALL : ROUTE_KEYS;
            default:
                return ROUTE_KEYS;
        }
    }

    @Override
    public int sessionOp(Msg r) {
        RedisCommand c = RedisCommand.of(r.type);
        if (c == null || (c.kind != RedisCommand.Kind.SESSION && c.kind != RedisCommand.Kind.STREAMS)) {
            return c == RedisCommand.PING || c == RedisCommand.ECHO ? SESSION_QUEUE_LOCAL : SESSION_NONE;
        }
        return RedisSession.op(r, c);
    }

    /** The block time the parser recorded (Msg.integer) for a blocking command. */
    @Override
    public long blockMillis(Msg r) {
        return r.integer;
    }

    @Override
    public byte[] sessionRequest(int op) {
        return RedisSession.request(op);
    }

    @Override
    public boolean push(Msg rsp) {
        return RedisSession.push(rsp);
    }

    @Override
    public boolean isError(Msg rsp) {
        return rsp.type == RedisParser.RSP_ERROR;
    }

    @Override
    public void pubsubReply(int op, byte[] channel, long count, Msg rsp, ProtoClient c) {
        RedisSession.pubsubReply(op, channel, count, rsp, c);
    }

    @Override
    public void fragmentTo(Msg r, int server, int nserver, Msg sub, ProtoClient c) {
        RedisPool.fragmentTo(r, server, nserver, sub, c);
    }

    /** Mirrors redis_fragment_argx(): {@code *argc $len NAME} then the groups' keys (and values). */
    @Override
    public void fragment(Msg r, int[] groups, int n, Msg sub, ProtoClient c) {
        RedisCommand cmd = RedisCommand.of(r.type);
        int step = r.keyStep;
        byte[] num = c.numScratch();
        appendNum(sub, '*', 1 + n * step, num, c);
        appendNum(sub, '$', cmd.upper.length, num, c);
        c.append(sub, cmd.upper);
        c.append(sub, CRLF);
        for (int i = 0; i < n; i++) {
            int base = groups[i] * step;
            for (int e = 0; e < step; e++) {
                appendNum(sub, '$', r.keyLen[base + e], num, c);
                c.appendKey(sub, r, base + e);
                c.append(sub, CRLF);
            }
        }
    }

    static final byte[] CRLF = {'\r', '\n'};

    /** Appends {@code prefix n \r\n} without building a String. */
    static void appendNum(Msg m, char prefix, long n, byte[] num, ProtoClient c) {
        int i = num.length;
        num[--i] = '\n';
        num[--i] = '\r';
        boolean neg = n < 0;
        long v = neg ? -n : n;
        do {
            num[--i] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v != 0);
        if (neg) {
            num[--i] = '-';
        }
        num[--i] = (byte) prefix;
        c.append(m, num, i, num.length - i);
    }

    /**
     * Mirrors redis_post_coalesce(): MGET values in the client's key order, DEL/UNLINK/TOUCH/EXISTS the sum,
     * MSET one +OK (a fragment reply of another type makes the whole reply an error); the whole-pool commands
     * as {@link RedisPool#coalesce} merges them. The response parser recorded what the merge needs (each
     * top-level array element's span, an integer reply's value): elements are spliced from the fragments'
     * mbufs, nothing is parsed again and nothing is allocated.
     */
    @Override
    public boolean coalesce(Msg r, Msg rsp, ProtoClient c) {
        RedisCommand cmd = RedisCommand.of(r.type);
        int nf = r.nfrag;
        byte[] num = c.numScratch();
        if (cmd.kind == RedisCommand.Kind.POOL) {
            return RedisPool.coalesce(r, cmd, rsp, c);
        }
        if (cmd == RedisCommand.PUBSUB) {
            return RedisSession.coalesce(r, rsp, c);
        }
        if (cmd == RedisCommand.MGET) {
            for (int f = 0; f < nf; f++) {
                Msg fr = r.frags[f].peer;
                if (fr == null || fr.type != RedisParser.RSP_MULTIBULK) {
                    return false;
                }
            }
            int ng = r.nkeyGroups();
            for (int g = 0; g < ng; g++) {
                if (r.keyFragIdx[g] >= r.frags[r.keyFrag[g]].peer.nkeys) {
                    return false;
                }
            }
            appendNum(rsp, '*', ng, num, c);
            for (int g = 0; g < ng; g++) {
                Msg fr = r.frags[r.keyFrag[g]].peer;
                int j = r.keyFragIdx[g];
                c.appendSpan(rsp, fr.keyMbuf[j], fr.keyStart[j], fr.keyLen[j]);
            }
            return true;
        }
        if (cmd == RedisCommand.MSET) {
            for (int f = 0; f < nf; f++) {
                Msg fr = r.frags[f].peer;
                if (fr == null || fr.type != RedisParser.RSP_STATUS) {
                    return false;
                }
            }
            c.append(rsp, RSP_OK);
            return true;
        }
        long sum = 0;
        for (int f = 0; f < nf; f++) {
            Msg fr = r.frags[f].peer;
            if (fr == null || fr.type != RedisParser.RSP_INTEGER) {
                return false;
            }
            sum += fr.integer;
        }
        appendNum(rsp, ':', sum, num, c);
        return true;
    }

    /**
     * Mirrors redis_handle_auth_req() ({@code user} null or "default"): answers +OK (unless {@code ok} is
     * false: HELLO's AUTH) or the error. Returns true when the client is now authenticated.
     */
    static boolean auth(byte[] got, byte[] user, Msg rsp, ProtoClient c) {
        return auth(got, user, rsp, c, true);
    }

    static boolean auth(byte[] got, byte[] user, Msg rsp, ProtoClient c, boolean ok) {
        byte[] want = c.password();
        if (want == null) {
            c.append(rsp, RSP_NO_PASSWORD);
            return false;
        }
        boolean valid = java.security.MessageDigest.isEqual(want, got)
                && (user == null || "default".equals(new String(user, StandardCharsets.ISO_8859_1)));
        if (valid) {
            c.authenticated(true);
            if (ok) {
                c.append(rsp, RSP_OK);
            }
            return true;
        }
        c.authenticated(false);
        c.append(rsp, RSP_INVALID_PASSWORD);
        return false;
    }

    private static String framingText(Msg req) {
        switch (req.perr) {
            case RedisParser.PERR_MBULK_LEN:
                return "invalid multibulk length";
            case RedisParser.PERR_BULK_LEN:
                return "invalid bulk length";
            case RedisParser.PERR_DOLLAR:
                return "expected '$', got '" + (char) req.integer + "'";
            case RedisParser.PERR_INLINE_BIG:
                return "too big inline request";
            case RedisParser.PERR_QUOTES:
                return "unbalanced quotes in request";
            case RedisParser.PERR_MBULK_BIG:
                return "too big mbulk count string";
            case RedisParser.PERR_BULK_BIG:
                return "too big bulk count string";
            default:
                return "unknown";
        }
    }

    /** redis-server's "unknown command '%.128s', with args beginning with: '%.*s' ..." (newlines blanked). */
    static byte[] unknownCommand(Msg req) {
        byte[][] args = args(req);
        StringBuilder sb = new StringBuilder("-ERR unknown command '");
        sb.append(cstr(args[0], 128));
        sb.append("', with args beginning with: ");
        int alen = 0;
        for (int i = 1; i < args.length && alen < 128; i++) {
            String piece = "'" + cstr(args[i], 128 - alen) + "' ";
            sb.append(piece);
            alen += piece.length();
        }
        for (int i = 0; i < sb.length(); i++) {
            char ch = sb.charAt(i);
            if (ch == '\r' || ch == '\n') {
                sb.setCharAt(i, ' ');
            }
        }
        sb.append("\r\n");
        return ascii(sb.toString());
    }

    /** At most {@code max} bytes of {@code b}, cut at its first NUL as C's {@code %.*s} cuts it. */
    private static String cstr(byte[] b, int max) {
        int n = 0;
        int lim = Math.min(b.length, max);
        while (n < lim && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static long parseLong(byte[] b) {
        if (b.length == 0 || b.length > 20) {
            return Long.MIN_VALUE;
        }
        try {
            String s = latin1(b);
            if (s.startsWith("+") || (s.length() > 1 && (s.startsWith("0") || s.startsWith("-0")))) {
                return Long.MIN_VALUE;
            }
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    /** The bytes of a whole message (cold path: local replies only). */
    static byte[] bytes(Msg m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, m.mlen));
        byte[] tmp = new byte[4096];
        for (Mbuf b = m.mhdr.first(); b != null; b = b.next()) {
            int from = b.pos();
            int len = b.length();
            while (len > 0) {
                int n = Math.min(len, tmp.length);
                b.getBytes(from, tmp, 0, n);
                out.write(tmp, 0, n);
                from += n;
                len -= n;
            }
        }
        return out.toByteArray();
    }

    /** The arguments of a complete, well-framed request (cold path: local replies only). */
    static byte[][] args(Msg req) {
        return splitArgs(bytes(req));
    }

    static byte[][] splitArgs(byte[] m) {
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        int i = 0;
        if (m.length > 0 && m[0] == '*') {
            int cr = indexOf(m, (byte) '\r', 0);
            int n = Integer.parseInt(latin1(java.util.Arrays.copyOfRange(m, 1, cr)));
            i = cr + 2;
            for (int k = 0; k < n; k++) {
                cr = indexOf(m, (byte) '\r', i);
                int len = Integer.parseInt(latin1(java.util.Arrays.copyOfRange(m, i + 1, cr)));
                i = cr + 2;
                out.add(java.util.Arrays.copyOfRange(m, i, i + len));
                i += len + 2;
            }
        } else {
            // inline, with redis's quoting rules (sdssplitargs)
            int end = m.length;
            while (end > 0 && (m[end - 1] == '\n' || m[end - 1] == '\r')) {
                end--;
            }
            while (i < end) {
                while (i < end && isSpace(m[i])) {
                    i++;
                }
                if (i >= end) {
                    break;
                }
                ByteArrayOutputStream tok = new ByteArrayOutputStream();
                if (m[i] == '"') {
                    i++;
                    while (i < end && m[i] != '"') {
                        if (m[i] == '\\' && i + 1 < end) {
                            i++;
                            byte e = m[i];
                            if (e == 'x' && i + 2 < end && hex(m[i + 1]) >= 0 && hex(m[i + 2]) >= 0) {
                                tok.write(hex(m[i + 1]) * 16 + hex(m[i + 2]));
                                i += 2;
                            } else {
                                tok.write(e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e == 'b' ? '\b'
                                        : e == 'a' ? 7 : e);
                            }
                        } else {
                            tok.write(m[i]);
                        }
                        i++;
                    }
                    i++;
                } else if (m[i] == '\'') {
                    i++;
                    while (i < end && m[i] != '\'') {
                        if (m[i] == '\\' && i + 1 < end && m[i + 1] == '\'') {
                            i++;
                        }
                        tok.write(m[i]);
                        i++;
                    }
                    i++;
                } else {
                    while (i < end && !isSpace(m[i])) {
                        tok.write(m[i]);
                        i++;
                    }
                }
                out.add(tok.toByteArray());
            }
        }
        return out.toArray(new byte[0][]);
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\f' || b == 0x0b;
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return a.length;
    }
}
