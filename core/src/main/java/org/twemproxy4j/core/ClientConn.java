package org.twemproxy4j.core;

import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.msg.MsgQueue;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.proto.ProtoClient;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.core.util.NcErrno;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * Mirrors a client {@code struct conn} and nc_client.c / nc_request.c (req_recv_next, req_recv_done,
 * req_filter, req_forward) / nc_response.c (rsp_send_next, rsp_send_done): reads requests, forwards them to
 * servers, and writes the replies back in the client's own order. Event-loop confined.
 */
public final class ClientConn extends Conn implements ProtoClient {
    private final byte[] numScratch = new byte[24]; // see numScratch()
    ServerPool pool;               // owner pool
    final MsgQueue omsgQ = new MsgQueue(false); // requests awaiting their reply (client links)
    ClientConn freeNext;
    boolean protoError;            // closing after a framing error: counted as client_err
    long pending;                  // bytes of requests owed a reply and of replies not yet written
    boolean throttled;             // not read until its pending work drains (backpressure)
    long id;                       // unique over the process's workers (CLIENT ID)
    byte[] name;                   // CLIENT SETNAME, or null
    Sessions sessions;             // dedicated server connections and session state, or null (none yet)
    int replyMode;                 // CLIENT REPLY: ProtoClient.REPLY_ON, REPLY_OFF or REPLY_SKIP (see ClientReply)

    ClientConn(Context ctx) {
        super(ctx);
    }

    @Override
    void resetConn() {
        super.resetConn();
        pending = 0;
        throttled = false;
        name = null;
        sessions = null;
        replyMode = REPLY_ON;
    }

    /**
     * Charges {@code n} bytes held for request {@code req} of this client (the request itself, a fragment's
     * reply, the reply): released when the reply has been written. A client reading slowly or never, or
     * pipelining without bound, thus shows as a growing pending count; see {@link #recvDone} (backpressure) and
     * {@link #checkHardLimit} (close). Deviation: nutcracker has no such limit and holds any amount.
     */
    void charge(Msg req, long n) {
        req.charged += n;
        pending += n;
    }

    /** Reads this client again, if it was throttled, once its pending work drained (see ClientReply.drop). */
    void unthrottleIfThrottled() {
        if (throttled) {
            unthrottleIfDrained();
        }
    }

    /** Stops reading this client while it owes too much (soft limit); reading resumes in {@link #sendDone}. */
    private void throttleIfOver() {
        CoreSettings x = ctx.settings;
        if (x.clientMaxPending <= 0 || throttled || eof) {
            return;
        }
        if (pending > x.clientMaxPending || omsgQ.count() >= x.clientMaxOutstanding) {
            throttled = true;
            recvReady = false;
            if (reg != null) {
                ctx.evb.delIn(reg);
            }
            if (Log.enabled(Log.LOG_INFO)) {
                Log.info("c on p '" + pool.name + "' not read until it drains: " + pending + " bytes and "
                        + omsgQ.count() + " requests pending");
            }
        }
    }

    /** Reads this client again once its pending work fell to half the limits. */
    private void unthrottleIfDrained() {
        CoreSettings x = ctx.settings;
        if (pending <= x.clientMaxPending / 2 && omsgQ.count() <= x.clientMaxOutstanding / 2) {
            throttled = false;
            if (!eof && reg != null) {
                ctx.evb.addIn(reg);
            }
        }
    }

    /**
     * The hard limit: a client owing more than one reply whose pending bytes passed it (it keeps asking for
     * large replies and does not read them) is closed, and what it still awaits is dropped. A single reply
     * larger than the limit is still delivered. Returns true when the client was closed.
     */
    boolean checkHardLimit() {
        CoreSettings x = ctx.settings;
        if (x.clientHardPending <= 0 || pending <= x.clientHardPending || closed || omsgQ.count() <= 1) {
            return false;
        }
        if (Log.enabled(Log.LOG_WARN)) {
            Log.warn("close c on p '" + pool.name + "': " + pending + " bytes pending for " + omsgQ.count()
                    + " requests, over the hard limit of " + x.clientHardPending + " bytes");
        }
        err = NcErrno.ENOMEM;
        ctx.close(this);
        return true;
    }

    /**
     * A reload removed this client's pool (or changed its protocol): no new request is read, the replies owed
     * are written, then it closes. Closes at once when nothing is owed.
     */
    void drain() {
        stopReading();
        if (!active() && !closed) {
            ctx.close(this);
        } else if (reg != null) {
            ctx.evb.addOut(reg); // rsp_send_next closes it once the out_q is empty
        }
    }

    /** The pool this client connected to. */
    public ServerPool pool() {
        return pool;
    }

    @Override
    public boolean authenticated() {
        return !pool.requireAuth || authenticated;
    }

    @Override
    public void authenticated(boolean a) {
        authenticated = a;
    }

    @Override
    public boolean subscribed() {
        return sessions != null && sessions.subscribed();
    }

    @Override
    public byte[] password() {
        return pool.redisAuth;
    }

    /**
     * A scratch array of 24 bytes (a decimal long with a type byte and CRLF) for a protocol that builds a
     * reply or fragment header: owned by this connection, so building one allocates nothing. Valid until the
     * next call on this connection; event-loop confined.
     */
    @Override
    public long poolClients() {
        return pool.health.clients.get();
    }

    @Override
    public long clientId() {
        return id;
    }

    @Override
    public byte[] clientName() {
        return name;
    }

    @Override
    public void clientName(byte[] n) {
        name = n == null || n.length == 0 ? null : n;
    }

    @Override
    public void clientReply(Msg req, int mode) {
        ClientReply.set(this, req, mode);
    }

    @Override
    public boolean inTransaction() {
        return sessions != null && sessions.inMulti();
    }

    @Override
    public byte[] numScratch() {
        return numScratch;
    }

    @Override
    public void append(Msg msg, byte[] data) {
        ctx.msgPool.append(msg, data, 0, data.length);
    }

    @Override
    public void append(Msg msg, byte[] data, int off, int len) {
        ctx.msgPool.append(msg, data, off, len);
    }

    @Override
    public void appendKey(Msg dst, Msg src, int i) {
        ctx.msgPool.appendFrom(dst, src.keyMbuf[i], src.keyStart[i], src.keyLen[i]);
    }

    @Override
    public void appendSpan(Msg dst, Mbuf m, int from, int len) {
        ctx.msgPool.appendFrom(dst, m, from, len);
    }

    /** Mirrors the end of req_done()'s callers: the reply at the head of the out_q may be written now. */
    void replyReady() {
        if (Request.done(omsgQ.first())) {
            ctx.evb.addOut(reg);
        }
        if (sessions != null) {
            sessions.resumeHeld(); // a session request may have waited for this one
        }
    }

    @Override
    public char typeChar() {
        return 'c';
    }

    @Override
    int parse(Msg msg) {
        return proto.parseRequest(msg);
    }

    @Override
    boolean active() {
        return !omsgQ.isEmpty() || rmsg != null || smsg != null;
    }

    /** Mirrors req_recv_next(). */
    @Override
    Msg recvNext(boolean alloc) {
        if (eof) {
            Msg msg = rmsg;
            if (msg != null) {
                // eof before the whole request arrived
                rmsg = null;
                Request.put(ctx, msg);
            }
            if (!active() || sessions != null) {
                // a client with sessions closes at once, as redis closes it: a blocked command must not
                // hold its dedicated connection for a client that is gone
                done = true;
            }
            return null;
        }
        Msg msg = rmsg;
        if (msg != null) {
            return msg;
        }
        if (!alloc) {
            return null;
        }
        msg = ctx.msgGet(this, true);
        rmsg = msg;
        return msg;
    }

    /**
     * A framing error: the request is answered with the protocol's error reply after every earlier reply,
     * and the client is closed once that is written (nutcracker closes at once and loses earlier replies).
     */
    @Override
    void parseError(Msg msg) {
        protoError = true;
        rmsg = null;
        msg.noforward = true;
        stopReading();
        reply(msg);
    }

    /**
     * No more requests are read: the client closes once every pending reply is written (passive close). A
     * reload that removes this client's pool drains it so.
     */
    void stopReading() {
        eof = true;
        recvReady = false;
        if (reg != null) {
            ctx.evb.delIn(reg);
        }
        Msg r = rmsg;
        if (r != null) {
            rmsg = null;
            Request.put(ctx, r);
        }
    }

    /** Mirrors req_recv_done(). */
    @Override
    void recvDone(Msg msg, Msg nmsg) {
        assert msg.request && msg.owner == this && rmsg == msg;
        rmsg = nmsg;
        if (filter(msg)) {
            return;
        }
        if (replyMode != REPLY_ON) {
            ClientReply.mute(this, msg);
        }
        if (!msg.noreply) {
            charge(msg, ctx.footprint(msg));
            throttleIfOver();
        }
        if (msg.noforward) {
            if (sessions != null && sessions.local(msg)) {
                return; // queued in the client's transaction
            }
            reply(msg);
            return;
        }
        forward(msg);
    }

    /** Mirrors req_filter(): drops empty requests; QUIT is answered, then the connection closes. */
    private boolean filter(Msg msg) {
        if (msg.empty() || (msg.noforward && msg.perr < 0)) {
            // nothing received, or a request the protocol ignores silently (redis "*0", an empty line)
            Request.put(ctx, msg);
            return true;
        }
        if (msg.quit) {
            stopReading();
            msg.noforward = true;
        }
        if (!authenticated()) {
            msg.noforward = true;
        }
        return false;
    }

    /** Mirrors req_make_reply() + msg->reply(): the proxy answers the request itself. */
    void reply(Msg msg) {
        Msg rsp = ctx.msgGet(this, false);
        msg.peer = rsp;
        rsp.peer = msg;
        msg.done = true;
        omsgQ.insertTail(msg);
        proto.reply(msg, rsp, this);
        ctx.evb.addOut(reg);
    }

    /** Mirrors req_forward(), with the protocol's {@link Proto#route} choosing how the request travels. */
    private void forward(Msg msg) {
        if (!msg.noreply) {
            omsgQ.insertTail(msg);
        }
        ServerPool p = pool;
        if (!p.update(ctx.now())) {
            forwardError(msg, NcErrno.ECONNREFUSED);
            return;
        }
        if ((sessions != null || proto.sessionOp(msg) != Proto.SESSION_NONE) && Sessions.forward(this, msg)) {
            return; // a session command, or any request of a client in a session state (see Sessions)
        }
        int nserver = p.servers.length;
        // a cluster pool routes over slot positions (SCAN's cursor names a slot, see ClusterPool)
        int route = proto.route(msg, p.cluster != null ? ClusterPool.POSITIONS : nserver);
        if (route == Proto.ROUTE_SPLIT) {
            // as nutcracker: a multi-key command is split even when every key lives on one server, so an
            // error reply from that server becomes the coalesced "Invalid argument" as it does there
            fragment(msg);
            return;
        }
        if (route == Proto.ROUTE_ALL) {
            if (p.cluster != null) {
                p.cluster.fanOut(this, msg); // the masters that own slots
                return;
            }
            fanOut(msg, 0, nserver);
            return;
        }
        if (route >= 0) {
            if (p.cluster != null) {
                p.cluster.routeTo(this, msg, route); // the owner of that slot
                return;
            }
            fanOut(msg, route < nserver ? route : nserver - 1, 1);
            return;
        }
        int idx = p.index(msg);
        if (idx == ServerPool.IDX_CROSS) {
            // keys on several servers of a command that cannot be split: answer with the protocol's error
            if (!msg.noreply) {
                omsgQ.remove(msg);
            }
            msg.noforward = true;
            msg.perr = p.cluster != null ? Proto.PERR_CROSS_SLOT : Proto.PERR_CROSS_SERVER;
            reply(msg);
            return;
        }
        if (idx < 0) {
            forwardError(msg, NcErrno.ECONNREFUSED);
            return;
        }
        forwardTo(msg, idx);
    }

    /** Enqueues {@code msg} (a request or a fragment) on a connection of server {@code idx}. */
    private void forwardTo(Msg msg, int idx) {
        ServerPool p = pool;
        Server server = p.servers[idx];
        ServerConn s;
        boolean oob = proto.outOfBand(msg.fragOwner != null ? msg.fragOwner : msg);
        if (sessions != null && !oob && sessions.follow(msg, idx)) {
            return; // behind the session's request in flight on that server (a pending EXEC, a blocked pop)
        }
        if (oob) {
            s = ctx.conns.getServer(server); // its own connection, not in the server's: closed once answered
            s.retiring = true;
            s.oneShot = true;
        } else {
            s = server.conn(ctx.conns);
        }
        int e = s.connect();
        if (e != 0) {
            s.err = e;
            ctx.close(s);
            forwardError(msg, e);
            return;
        }
        if (s.imsgQ.isEmpty()) {
            ctx.evb.addOut(s.reg);
        }
        if (!s.authenticated && p.requireAuth) {
            s.addAuth();
        }
        s.enqueueInq(msg);
        msg.serverIdx = idx;
        server.stats[CoreStats.REQUESTS]++;
        server.stats[CoreStats.REQUEST_BYTES] += msg.mlen;
        if (Log.enabled(Log.LOG_VERB)) {
            Log.log(Log.LOG_VERB, "forward req " + msg.id + " len " + msg.mlen + " to " + server.pname);
        }
    }

    /**
     * Mirrors redis_fragment() + req_recv_done()'s fragment loop: one sub-request per server holding some of
     * the keys; the request itself stays on this client's out_q and is answered once every fragment is.
     */
    private void fragment(Msg msg) {
        ServerPool p = pool;
        if (p.cluster != null) {
            p.cluster.fragment(this, msg); // by slot
            return;
        }
        int ng = msg.nkeyGroups();
        int step = msg.keyStep;
        int nserver = p.servers.length;
        ctx.fragmentScratch(ng, nserver);
        int[] ks = ctx.keyServer;
        int[] count = ctx.serverCount;
        java.util.Arrays.fill(count, 0, nserver, 0);
        for (int g = 0; g < ng; g++) {
            int idx = p.keyIndex(msg, g * step);
            if (idx < 0) {
                forwardError(msg, NcErrno.ECONNREFUSED);
                return;
            }
            ks[g] = idx;
            count[idx]++;
        }
        if (msg.keyFrag == null || msg.keyFrag.length < ng) {
            int n = Math.max(ng, 16);
            msg.keyFrag = new int[n];
            msg.keyFragIdx = new int[n];
        }
        // the keys bucketed by server without a pass per server (a counting sort that keeps the request's order
        // within a server); the fragments are numbered in server order, as nutcracker numbers them
        int[] start = ctx.serverStart;
        int[] fragOf = ctx.serverFrag;
        int nfrag = 0;
        int off = 0;
        for (int sidx = 0; sidx < nserver; sidx++) {
            int n = count[sidx];
            start[sidx] = off;
            off += n;
            fragOf[sidx] = n == 0 ? -1 : nfrag++;
            count[sidx] = 0; // from here on: keys placed so far
        }
        int[] order = ctx.groupOrder;
        for (int g = 0; g < ng; g++) {
            int sidx = ks[g];
            int i = count[sidx]++;
            order[start[sidx] + i] = g;
            msg.keyFrag[g] = fragOf[sidx];
            msg.keyFragIdx[g] = i;
        }
        fragsFor(msg, nserver);
        int[] groups = ctx.groupScratch;
        for (int sidx = 0; sidx < nserver; sidx++) {
            int f = fragOf[sidx];
            if (f < 0) {
                continue;
            }
            int n = count[sidx];
            System.arraycopy(order, start[sidx], groups, 0, n);
            Msg sub = fragmentGet(msg, sidx);
            proto.fragment(msg, groups, n, sub, this);
            msg.frags[f] = sub;
        }
        forwardFragments(msg, nfrag);
    }

    /**
     * {@link Proto#ROUTE_ALL} and routes to one chosen server: one fragment for each of servers
     * {@code first .. first+n-1}, written by the protocol, coalesced like the fragments of a split.
     */
    private void fanOut(Msg msg, int first, int n) {
        ServerPool p = pool;
        int nserver = p.servers.length;
        fragsFor(msg, nserver);
        for (int i = 0; i < n; i++) {
            Msg sub = fragmentGet(msg, first + i);
            proto.fragmentTo(msg, first + i, nserver, sub, this);
            msg.frags[i] = sub;
        }
        forwardFragments(msg, n);
    }

    private static void fragsFor(Msg msg, int nserver) {
        if (msg.frags == null || msg.frags.length < nserver) {
            msg.frags = new Msg[nserver];
        }
    }

    /** A fragment of {@code msg} bound for server {@code sidx} (kept in serverIdx until it is forwarded). */
    Msg fragmentGet(Msg msg, int sidx) {
        Msg sub = ctx.msgGet(this, true);
        sub.type = msg.type;
        sub.fragOwner = msg;
        // a fragment always awaits its reply, which completes the owner (a noreply owner is then freed
        // unanswered): a protocol writes fragments that servers answer
        sub.noreply = false;
        sub.serverIdx = sidx;
        return sub;
    }

    void forwardFragments(Msg msg, int nfrag) {
        msg.nfrag = nfrag;
        msg.nfragDone = 0;
        pool.stats[CoreStats.FRAGMENTS] += nfrag;
        for (int i = 0; i < nfrag; i++) {
            Msg sub = msg.frags[i];
            forwardTo(sub, sub.serverIdx);
        }
    }

    @Override
    public int scanNext(int position, int npositions) {
        ClusterPool cl = pool.cluster;
        return cl != null ? cl.scanNext(position) : ProtoClient.super.scanNext(position, npositions);
    }

    /** Mirrors req_forward_error(). */
    void forwardError(Msg msg, int e) {
        msg.done = true;
        msg.error = true;
        msg.err = e;
        if (msg.fragOwner != null) {
            Request.fragDone(ctx, msg);
            return;
        }
        if (msg.noreply) {
            Request.put(ctx, msg);
            return;
        }
        replyReady();
    }

    /** Mirrors rsp_send_next(). */
    @Override
    Msg sendNext() {
        Msg pmsg = omsgQ.first();
        if (pmsg != null && pmsg.quiet) {
            pmsg = ClientReply.drop(this, pmsg);
        }
        if (pmsg == null || !Request.done(pmsg)) {
            // nothing is outstanding: initiate close?
            if (pmsg == null && eof) {
                done = true;
            }
            ctx.evb.delOut(reg);
            return null;
        }
        Msg msg = smsg;
        if (msg != null) {
            pmsg = omsgQ.next(msg.peer);
            if (pmsg != null && pmsg.quiet) {
                pmsg = ClientReply.drop(this, pmsg);
            }
        }
        if (pmsg == null || !Request.done(pmsg)) {
            smsg = null;
            return null;
        }
        if (Request.error(pmsg)) {
            msg = Response.makeError(ctx, this, pmsg, proto);
            pool.stats[CoreStats.FORWARD_ERROR]++;
        } else {
            msg = pmsg.peer;
        }
        smsg = msg;
        return msg;
    }

    /** Mirrors rsp_send_done(). */
    @Override
    void sendDone(Msg msg) {
        Msg pmsg = msg.peer;
        ctx.stats.recordLatency(pool.idx, pmsg.serverIdx, ctx.nanos() - pmsg.startNanos);
        omsgQ.remove(pmsg);
        pending -= pmsg.charged;
        Request.put(ctx, pmsg);
        if (throttled) {
            unthrottleIfDrained();
        }
    }

    /** Mirrors client_close(). */
    @Override
    void close() {
        ServerPool p = pool;
        p.stats[CoreStats.CLIENT_CONNECTIONS]--;
        p.ncConn--;
        p.health.clients.decrementAndGet(); // the pool's count over every worker (client_connections)
        if (err != 0 || protoError) {
            p.stats[CoreStats.CLIENT_ERR]++;
        } else if (eof) {
            p.stats[CoreStats.CLIENT_EOF]++;
        }
        protoError = false;
        Msg msg = rmsg;
        if (msg != null) {
            rmsg = null;
            Request.put(ctx, msg);
        }
        smsg = null;
        for (msg = omsgQ.first(); msg != null; ) {
            Msg next = omsgQ.next(msg);
            omsgQ.remove(msg);
            if (msg.done) {
                Request.put(ctx, msg);
            } else if (msg.nfrag > 0) {
                // fragments still in flight are dropped by their servers; the others go now
                for (int i = 0; i < msg.nfrag; i++) {
                    Msg f = msg.frags[i];
                    msg.frags[i] = null;
                    f.fragOwner = null;
                    if (f.done) {
                        Request.put(ctx, f);
                    } else {
                        f.swallow = true;
                        f.owner = null;
                    }
                }
                msg.nfrag = 0;
                Request.put(ctx, msg);
            } else {
                // still on a server queue: its response is dropped when it comes
                msg.swallow = true;
                msg.owner = null;
            }
            msg = next;
        }
        pending = 0;
        throttled = false;
        if (sessions != null) {
            Sessions ss = sessions;
            sessions = null;
            ss.closeAll(); // a client that goes releases its dedicated connections, blocked or not
        }
        closeChannel();
        ctx.conns.putClient(this);
    }
}
