package org.twemproxy4j.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.core.util.NcErrno;

/**
 * The sessions of one client: the commands that hold state on a server connection, carried on dedicated
 * connections ({@link SessionConn}, at most one per server of the pool, at most {@code session_connections}
 * per server) so that they never stall the shared pipelined connections.
 *
 * <pre>
 *   client ──► ClientConn ──┬── GET/SET/MGET ...  ──► ServerConn (shared, pipelined, server_connections)
 *                           ├── BLPOP, XREAD BLOCK ──► SessionConn on the keys' server
 *                           ├── WATCH/MULTI/.../EXEC ─► SessionConn on the first key's server
 *                           └── (P|S)SUBSCRIBE ─────► SessionConn on each channel's server (patterns: all)
 * </pre>
 *
 * <ul>
 *   <li>Blocking commands go to the session connection of their keys' server (co-located, else -CROSSSLOT); the
 *       pool timeout runs on top of the command's own block time.</li>
 *   <li>A transaction is pinned to the server of its first key: MULTI is answered by the proxy and sent ahead of
 *       the first queued command (or at once after a WATCH, which pins it). A command whose keys map elsewhere
 *       is answered with an error and marks the transaction, whose EXEC then answers -EXECABORT (the server
 *       gets DISCARD), as redis does after a queued error.</li>
 *   <li>Subscriptions: a channel is placed like a key, a pattern goes to every server. The proxy keeps the
 *       client's subscriptions and answers each (un)subscribe with the confirmations and counts redis would
 *       give for the whole client, once every server involved confirmed. Messages pushed by the servers are
 *       merged into the client's replies in arrival order.</li>
 * </ul>
 * A client keeps its session connections until it disconnects (blocked or not, they are closed then) or
 * RESETs. Event-loop confined; allocates only on session commands.
 */
final class Sessions {
    private final ClientConn c;
    private SessionConn[] conns;          // by server index
    boolean anyHeld;                      // a session connection holds its next request back (SessionConn.held)
    private int lastErr;                        // why open() failed: 0 over the limit, else an errno

    // transaction
    private int txServer = -1;                  // the pinned server, -1 none
    private boolean multi;                      // between MULTI and EXEC/DISCARD
    private boolean multiSent;                  // MULTI sent to txServer
    private boolean dirty;                      // a queued command failed: EXEC aborts
    private boolean lost;                       // the pinned server's connection went during MULTI

    // pub/sub: name -> server index (patterns: -1, on every server), in subscription order
    private final Map<String, Integer> channels = new LinkedHashMap<>();
    private final Map<String, Integer> patterns = new LinkedHashMap<>();
    private final Map<String, Integer> shards = new LinkedHashMap<>();

    private Sessions(ClientConn c) {
        this.c = c;
        this.conns = new SessionConn[c.pool.servers.length];
    }

    /** The entry from {@link ClientConn}'s forward: true when the request was taken care of here. */
    static boolean forward(ClientConn c, Msg msg) {
        Sessions ss = c.sessions;
        if (ss == null) {
            ss = new Sessions(c);
            c.sessions = ss;
        }
        return ss.forward(msg);
    }

    /** True between MULTI and EXEC/DISCARD. */
    boolean inMulti() {
        return multi;
    }

    boolean subscribed() {
        return !channels.isEmpty() || !patterns.isEmpty() || !shards.isEmpty();
    }

    /** True while the client has a subscription that lives on server {@code sidx}. */
    boolean subscribedOn(int sidx) {
        if (!patterns.isEmpty()) {
            return true;
        }
        return channels.containsValue(sidx) || shards.containsValue(sidx);
    }

    private boolean forward(Msg msg) {
        Proto proto = c.proto;
        int op = proto.sessionOp(msg);
        if (op == Proto.SESSION_RESET) {
            reset();
            local(msg, Proto.PERR_RESET);
            return true;
        }
        if (subscribed() && op < Proto.SESSION_SUBSCRIBE) {
            local(msg, Proto.PERR_SUBSCRIBED);
            return true;
        }
        if (multi) {
            return queue(msg, op);
        }
        switch (op) {
            case Proto.SESSION_NONE:
            case Proto.SESSION_QUEUE_LOCAL:
                return false;
            case Proto.SESSION_BLOCK: {
                int idx = c.pool.index(msg);
                if (idx < 0) {
                    return false; // the ordinary path answers -CROSSSLOT or the error
                }
                send(msg, idx, proto.blockMillis(msg));
                return true;
            }
            case Proto.SESSION_WATCH: {
                int idx = c.pool.index(msg);
                if (idx < 0) {
                    return false;
                }
                if (txServer >= 0 && idx != txServer) {
                    local(msg, Proto.PERR_TX_CROSS);
                    return true;
                }
                if (send(msg, idx, -1)) {
                    txServer = idx;
                }
                return true;
            }
            case Proto.SESSION_UNWATCH:
                if (txServer >= 0) {
                    int idx = txServer;
                    txServer = -1;
                    send(msg, idx, -1);
                } else {
                    local(msg, Proto.PERR_TX_OK);
                }
                return true;
            case Proto.SESSION_MULTI:
                multi = true;
                dirty = false;
                lost = false;
                if (txServer >= 0) {
                    multiSent = send(msg, txServer, -1);
                    if (!multiSent) {
                        multi = false;
                    }
                } else {
                    multiSent = false;
                    local(msg, Proto.PERR_TX_OK);
                }
                return true;
            case Proto.SESSION_EXEC:
                local(msg, Proto.PERR_EXEC_NO_MULTI);
                return true;
            case Proto.SESSION_DISCARD:
                local(msg, Proto.PERR_DISCARD_NO_MULTI);
                return true;
            default:
                pubsub(msg, op);
                return true;
        }
    }

    /** A request between MULTI and EXEC. */
    private boolean queue(Msg msg, int op) {
        switch (op) {
            case Proto.SESSION_EXEC:
                exec(msg);
                return true;
            case Proto.SESSION_DISCARD:
                discard(msg);
                return true;
            case Proto.SESSION_MULTI:
                local(msg, Proto.PERR_TX_NESTED);
                return true;
            case Proto.SESSION_WATCH:
                local(msg, Proto.PERR_WATCH_IN_MULTI);
                return true;
            case Proto.SESSION_NONE:
            case Proto.SESSION_BLOCK:
            case Proto.SESSION_UNWATCH:
                break;
            default:
                dirty = true;
                local(msg, Proto.PERR_TX_UNSUPPORTED);
                return true;
        }
        if (lost) {
            c.forwardError(msg, NcErrno.EPIPE);
            return true;
        }
        ServerPool p = c.pool;
        int route = c.proto.route(msg, p.servers.length);
        if (route != Proto.ROUTE_KEYS && route != Proto.ROUTE_SPLIT && p.servers.length > 1) {
            // a whole-pool command (FLUSHALL, SCAN ...) cannot join a transaction of one server, except in a
            // pool of one server, where it goes as it is
            dirty = true;
            local(msg, Proto.PERR_TX_UNSUPPORTED);
            return true;
        }
        int idx = msg.nkeys == 0 && txServer >= 0 ? txServer : p.index(msg);
        if (idx == ServerPool.IDX_CROSS || (txServer >= 0 && idx != txServer)) {
            dirty = true;
            local(msg, Proto.PERR_TX_CROSS);
            return true;
        }
        if (idx < 0) {
            dirty = true;
            c.forwardError(msg, NcErrno.ECONNREFUSED);
            return true;
        }
        if (!multiSent) {
            if (!sendOwn(Proto.SESSION_MULTI, idx)) {
                dirty = true;
                failOpen(msg);
                return true;
            }
            multiSent = true;
            txServer = idx;
        }
        send(msg, idx, -1); // inside MULTI a blocking command does not block
        return true;
    }

    private void exec(Msg msg) {
        int idx = txServer;
        boolean sent = multiSent;
        boolean d = dirty || lost;
        endTx();
        if (d) {
            if (sent) {
                sendOwn(Proto.SESSION_DISCARD, idx);
            } else if (idx >= 0) {
                sendOwn(Proto.SESSION_UNWATCH, idx);
            }
            local(msg, Proto.PERR_TX_ABORT);
            return;
        }
        if (!sent) {
            if (idx >= 0 && sendOwn(Proto.SESSION_MULTI, idx)) {
                send(msg, idx, -1); // an empty transaction still checks what was watched
            } else {
                local(msg, Proto.PERR_TX_EMPTY);
            }
            return;
        }
        send(msg, idx, -1);
    }

    private void discard(Msg msg) {
        int idx = txServer;
        boolean sent = multiSent && !lost;
        endTx();
        if (sent) {
            send(msg, idx, -1);
            return;
        }
        if (idx >= 0) {
            sendOwn(Proto.SESSION_UNWATCH, idx);
        }
        local(msg, Proto.PERR_TX_OK);
    }

    private void endTx() {
        multi = false;
        multiSent = false;
        dirty = false;
        lost = false;
        txServer = -1;
    }

    /**
     * A request the proxy would answer itself (ClientConn's recvDone): an error inside MULTI marks the
     * transaction; PING and ECHO inside MULTI are queued in it, as redis queues them. Returns true when the
     * request was taken here.
     */
    boolean local(Msg msg) {
        if (!multi) {
            return false;
        }
        if (msg.perr > 0) {
            dirty = true;
            return false;
        }
        if (msg.perr == 0 && c.proto.sessionOp(msg) == Proto.SESSION_QUEUE_LOCAL && c.authenticated()) {
            msg.noforward = false;
            c.omsgQ.insertTail(msg);
            return queue(msg, Proto.SESSION_NONE);
        }
        return false;
    }

    /** Answers {@code msg} (already on the client's out_q) with the proxy's reply for {@code perr}. */
    private void local(Msg msg, int perr) {
        c.omsgQ.remove(msg);
        msg.noforward = true;
        msg.perr = perr;
        c.reply(msg);
    }

    private void failOpen(Msg msg) {
        if (lastErr == 0) {
            local(msg, Proto.PERR_SESSION_LIMIT);
        } else {
            c.forwardError(msg, lastErr);
        }
    }

    /** The client's session connection to server {@code idx}, opened when needed; null (see lastErr) if none. */
    private SessionConn open(int idx) {
        if (idx >= conns.length) {
            if (idx >= c.pool.servers.length) {
                lastErr = NcErrno.EINVAL; // a reload changed the pool under this client
                return null;
            }
            conns = java.util.Arrays.copyOf(conns, c.pool.servers.length); // a cluster pool found a node
        }
        SessionConn s = conns[idx];
        if (s != null && !s.closed) {
            return s;
        }
        ServerPool p = c.pool;
        Server server = p.servers[idx];
        if (server.nsession >= p.sessionConnections) {
            lastErr = 0;
            return null;
        }
        s = c.ctx.conns.getSession(server, c, idx);
        server.nsession++;
        conns[idx] = s;
        int e = s.connect();
        if (e != 0) {
            s.err = e;
            c.ctx.close(s);
            lastErr = e;
            return null;
        }
        if (!s.authenticated && p.requireAuth) {
            s.addAuth();
        }
        return s;
    }

    /** Sends the client's request {@code msg} on its session with server {@code idx}. */
    private boolean send(Msg msg, int idx, long blockMs) {
        SessionConn s = open(idx);
        if (s == null) {
            failOpen(msg);
            return false;
        }
        enqueue(s, msg, blockMs);
        return true;
    }

    /**
     * A blocking request of this client that node {@code idx} is to serve after a cluster redirection: it goes on
     * this client's session connection to that node (after an ASKING when {@code asking}), so that it blocks
     * there; it never waits on a shared connection. On failure the client gets the error, as for any session.
     */
    void redirected(Msg msg, int idx, boolean asking) {
        SessionConn s = open(idx);
        if (s == null) {
            failOpen(msg);
            return;
        }
        if (asking) {
            enqueueOwn(s, s.proto.askingRequest());
        }
        enqueue(s, msg, c.proto.blockMillis(msg));
    }

    /** This client's session connection with server {@code idx}, opened if need be; null when none can be had. */
    SessionConn sessionWith(int idx) {
        return open(idx);
    }

    /**
     * A shard subscription (SSUBSCRIBE fragment {@code f}) that session connection {@code s} (its client's, with
     * another node) is to serve after a cluster redirection from node {@code from}: its channels are placed on
     * that node and the fragment goes there (after an ASKING when {@code asking}).
     */
    void redirectedShard(Msg f, int from, SessionConn s, boolean asking) {
        Msg parent = f.fragOwner;
        for (int i = 0; i < parent.nkeys; i++) {
            String n = name(parent, i);
            Integer at = shards.get(n);
            if (at != null && at == from) {
                shards.put(n, s.sidx);
            }
        }
        if (asking) {
            enqueueOwn(s, s.proto.askingRequest());
        }
        s.pubsub = true;
        enqueue(s, f, -1);
    }

    /** Sends a request of the proxy's own (MULTI, DISCARD, UNWATCH) whose reply is dropped. */
    private boolean sendOwn(int op, int idx) {
        SessionConn s = open(idx);
        if (s == null) {
            return false;
        }
        enqueueOwn(s, c.proto.sessionRequest(op));
        return true;
    }

    /** Enqueues the proxy's own request {@code b} on {@code s}; its reply is dropped. */
    private void enqueueOwn(SessionConn s, byte[] b) {
        Msg m = c.ctx.msgGet(s, true);
        c.ctx.msgPool.append(m, b, 0, b.length);
        m.swallow = true;
        m.owner = null;
        enqueue(s, m, -1);
    }

    private void enqueue(SessionConn s, Msg msg, long blockMs) {
        s.enqueueSession(msg, blockMs);
        if (s.reg != null) {
            c.ctx.evb.addOut(s.reg);
        }
        msg.serverIdx = s.sidx;
        long[] st = s.server.stats;
        st[CoreStats.REQUESTS]++;
        st[CoreStats.REQUEST_BYTES] += msg.mlen;
    }

    /**
     * An ordinary request (or fragment) for server {@code idx} while this client's session connection to it has
     * requests in flight: it goes behind them on that connection, so a GET pipelined after EXEC, after a
     * blocked BLPOP or after the UNSUBSCRIBE that ends the client's subscriptions runs after it, as on one redis
     * connection. True when taken; false sends it on the shared
     * connections as usual (no session there, or nothing in flight).
     */
    boolean follow(Msg msg, int idx) {
        SessionConn s = conns[idx];
        if (s == null || s.idle() || s.reg == null || s.pubsub && subscribedOn(idx)) {
            return false;
        }
        // (a pub/sub session follows too while its last unsubscribes are in flight: a PUBLISH pipelined after
        // UNSUBSCRIBE must not reach the server while this client still listens there)
        s.enqueueFollower(msg);
        c.ctx.evb.addOut(s.reg);
        msg.serverIdx = idx;
        long[] st = s.server.stats;
        st[CoreStats.REQUESTS]++;
        st[CoreStats.REQUEST_BYTES] += msg.mlen;
        return true;
    }

    /**
     * True when a request of this client queued before {@code target} (in the client's order) is still in flight
     * for server {@code idx} on a shared connection: {@code target}, on the session connection, must wait for it.
     */
    boolean sharedBefore(Msg target, int idx) {
        for (Msg m = c.omsgQ.first(); m != null && m != target; m = c.omsgQ.next(m)) {
            if (m.done || m.onSession) {
                continue;
            }
            if (m.nfrag > 0 && m.frags != null) {
                for (int i = 0; i < m.nfrag; i++) {
                    Msg f = m.frags[i];
                    if (f != null && f.serverIdx == idx && !f.done && !f.onSession) {
                        return true;
                    }
                }
            } else if (m.serverIdx == idx) {
                return true;
            }
        }
        return false;
    }

    /** A request of this client was answered: the session connections holding theirs back try again. */
    void resumeHeld() {
        if (!anyHeld) {
            return;
        }
        anyHeld = false;
        for (int i = 0; i < conns.length; i++) {
            SessionConn s = conns[i];
            if (s != null && s.held && s.reg != null) {
                s.held = false;
                c.ctx.evb.addOut(s.reg);
            }
        }
    }

    /** A message pushed by the server of {@code s}: an extra reply, after every reply owed so far. */
    void push(SessionConn s, Msg rsp) {
        if (c.eof) {
            Response.put(c.ctx, rsp); // the client is going: no more messages for it
            return;
        }
        Msg req = c.ctx.msgGet(c, true);
        req.done = true;
        req.peer = rsp;
        rsp.peer = req;
        req.serverIdx = s.sidx;
        c.omsgQ.insertTail(req);
        c.charge(req, c.ctx.footprint(rsp));
        c.replyReady();
        CoreSettings x = c.ctx.settings;
        if (x.clientHardPending > 0 && c.pending > x.clientHardPending && c.omsgQ.count() > 1) {
            // a subscriber that does not read: what it owes is written if it ever reads, then it closes; no
            // more messages are queued for it (closing it here would close this session connection inside
            // its own read)
            if (Log.enabled(Log.LOG_WARN)) {
                Log.warn("subscriber on p '" + c.pool.name + "' over the hard limit with " + c.pending
                        + " bytes pending: closing it");
            }
            c.err = NcErrno.ENOMEM;
            c.drain();
        }
    }

    /** Session connection {@code s} closed (its server failed or timed out, or it was released). */
    void closed(SessionConn s) {
        if (conns[s.sidx] == s) {
            conns[s.sidx] = null;
        }
        if (s.sidx == txServer) {
            if (multi) {
                lost = true;
            } else {
                txServer = -1; // what was watched is gone with it
            }
        }
        if (subscribedOn(s.sidx) && !c.closed) {
            // its subscriptions there are gone: the client is told by the error replies, then closed
            c.drain();
        }
    }

    /** Releases every session connection (the client goes, or RESET). */
    void closeAll() {
        for (int i = 0; i < conns.length; i++) {
            SessionConn s = conns[i];
            if (s != null) {
                conns[i] = null;
                s.release();
            }
        }
    }

    private void reset() {
        channels.clear();
        patterns.clear();
        shards.clear();
        endTx();
        closeAll();
    }

    // pub/sub

    private static boolean isSub(int op) {
        return op == Proto.SESSION_SUBSCRIBE || op == Proto.SESSION_PSUBSCRIBE || op == Proto.SESSION_SSUBSCRIBE;
    }

    private Map<String, Integer> set(int op) {
        if (op == Proto.SESSION_PSUBSCRIBE || op == Proto.SESSION_PUNSUBSCRIBE) {
            return patterns;
        }
        if (op == Proto.SESSION_SSUBSCRIBE || op == Proto.SESSION_SUNSUBSCRIBE) {
            return shards;
        }
        return channels;
    }

    private long count(int op) {
        if (op == Proto.SESSION_SSUBSCRIBE || op == Proto.SESSION_SUNSUBSCRIBE) {
            return shards.size();
        }
        return channels.size() + patterns.size();
    }

    private static String name(Msg msg, int i) {
        byte[] b = new byte[msg.keyLen[i]];
        msg.copyKey(i, b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * (P|S)(UN)SUBSCRIBE: the confirmations are prepared now, in the client's order and with its counts; the
     * servers involved get the names placed on them, and the reply is written once each has confirmed.
     */
    private void pubsub(Msg msg, int op) {
        ServerPool p = c.pool;
        int nserver = p.servers.length;
        boolean pattern = op == Proto.SESSION_PSUBSCRIBE || op == Proto.SESSION_PUNSUBSCRIBE;
        boolean sub = isSub(op);
        Map<String, Integer> set = set(op);
        int n = msg.nkeys;
        // where each name goes (-1 every server, -2 nowhere), and the servers involved
        int[] where = new int[n];
        String[] names = new String[n];
        boolean[] need = new boolean[nserver];
        int[] bare = null; // UNSUBSCRIBE without names: confirmations owed per server
        for (int i = 0; i < n; i++) {
            names[i] = name(msg, i);
            if (pattern) {
                where[i] = sub || set.containsKey(names[i]) ? -1 : -2;
            } else if (sub) {
                where[i] = p.keyIndex(msg, i);
                if (where[i] < 0) {
                    c.forwardError(msg, NcErrno.ECONNREFUSED);
                    return;
                }
            } else {
                Integer at = set.get(names[i]);
                where[i] = at == null ? -2 : at;
            }
            markNeed(need, where[i]);
        }
        if (n == 0) {
            bare = new int[nserver];
            for (Integer at : set.values()) {
                if (at < 0) {
                    for (int s = 0; s < nserver; s++) {
                        bare[s]++;
                    }
                } else {
                    bare[at]++;
                }
                markNeed(need, at);
            }
        }
        for (int s = 0; s < nserver; s++) {
            if (need[s] && open(s) == null) {
                failOpen(msg);
                return;
            }
        }
        // the confirmations, as redis gives them for the whole client
        Msg rsp = c.ctx.msgGet(c, false);
        Proto proto = c.proto;
        if (n == 0) {
            if (set.isEmpty()) {
                proto.pubsubReply(op, null, count(op), rsp, c);
            } else {
                List<String> all = new ArrayList<>(set.keySet());
                for (int i = 0; i < all.size(); i++) {
                    set.remove(all.get(i));
                    proto.pubsubReply(op, all.get(i).getBytes(StandardCharsets.ISO_8859_1), count(op), rsp, c);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                if (sub) {
                    set.putIfAbsent(names[i], where[i]);
                } else {
                    set.remove(names[i]);
                }
                proto.pubsubReply(op, names[i].getBytes(StandardCharsets.ISO_8859_1), count(op), rsp, c);
            }
        }
        msg.peer = rsp;
        rsp.peer = msg;
        // one request per server involved
        int nfrag = 0;
        if (msg.frags == null || msg.frags.length < nserver) {
            msg.frags = new Msg[nserver];
        }
        int[] groups = new int[Math.max(1, n)];
        for (int s = 0; s < nserver; s++) {
            if (!need[s]) {
                continue;
            }
            Msg f = c.ctx.msgGet(c, true);
            f.type = msg.type;
            f.fragOwner = msg;
            f.noreply = false;
            f.serverIdx = s;
            if (n == 0) {
                byte[] b = proto.sessionRequest(op);
                c.ctx.msgPool.append(f, b, 0, b.length);
                f.narg = bare[s];
            } else {
                int k = 0;
                for (int i = 0; i < n; i++) {
                    if (where[i] == s || where[i] == -1) {
                        groups[k++] = i;
                    }
                }
                proto.fragment(msg, groups, k, f, c);
                f.narg = k;
            }
            msg.frags[nfrag++] = f;
        }
        msg.nfrag = nfrag;
        msg.nfragDone = 0;
        if (nfrag == 0) {
            msg.done = true;
            c.charge(msg, c.ctx.footprint(rsp));
            c.replyReady();
            return;
        }
        for (int i = 0; i < nfrag; i++) {
            Msg f = msg.frags[i];
            SessionConn s = conns[f.serverIdx];
            s.pubsub = true;
            enqueue(s, f, -1);
        }
    }

    /**
     * A (P|S)(UN)SUBSCRIBE whose fragments are all answered. When a server refused its part with an error
     * (NOAUTH, NOPERM, a CROSSSLOT of shard channels), the client gets that error, as redis gives it for the whole
     * command, instead of the confirmations prepared when it was sent; and the names that server was to subscribe
     * are not counted as subscribed (the names another server confirmed stay, as that server holds them).
     */
    void settle(Msg msg) {
        Msg refused = null;
        for (int f = 0; f < msg.nfrag && refused == null; f++) {
            Msg r = msg.frags[f].peer;
            if (r != null && c.proto.isError(r)) {
                refused = r;
            }
        }
        if (refused == null) {
            return;
        }
        int op = c.proto.sessionOp(msg);
        if (isSub(op)) {
            Map<String, Integer> set = set(op);
            for (int f = 0; f < msg.nfrag; f++) {
                Msg frag = msg.frags[f];
                if (frag.peer != null && c.proto.isError(frag.peer)) {
                    unplace(set, msg, frag.serverIdx);
                }
            }
        }
        Msg prepared = msg.peer;
        prepared.peer = null;
        Response.put(c.ctx, prepared);
        Msg rsp = c.ctx.msgGet(c, false);
        c.ctx.msgPool.appendFrom(rsp, refused.mhdr.first(), refused.mhdr.first().pos(), refused.mlen);
        msg.peer = rsp;
        rsp.peer = msg;
    }

    /** Forgets the names of {@code msg} that were placed on server {@code idx} (or on every server). */
    private void unplace(Map<String, Integer> set, Msg msg, int idx) {
        for (int i = 0; i < msg.nkeys; i++) {
            String n = name(msg, i);
            Integer at = set.get(n);
            if (at != null && (at == idx || at == -1)) {
                set.remove(n);
            }
        }
    }

    private static void markNeed(boolean[] need, int where) {
        if (where == -1) {
            java.util.Arrays.fill(need, true);
        } else if (where >= 0) {
            need[where] = true;
        }
    }
}
