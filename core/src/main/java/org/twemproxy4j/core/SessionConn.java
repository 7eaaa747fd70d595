package org.twemproxy4j.core;

import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.Proto;

/**
 * A session connection: the third kind of server-side connection, beside the shared pipelined ones
 * ({@link ServerConn}) and the listener. It is opened for ONE client (see {@link Sessions}) and carries only
 * that client's stateful commands: a blocking pop, a transaction, subscriptions. It is never in
 * {@link Server#conns}, so no other client's request waits behind a blocked command. It runs on the same event
 * loop, mbufs and queues as a shared connection, with the same liveness rules (a request timeout closes it, a
 * dead server fails what is in flight with an error for its client), and differs in three ways:
 * <ul>
 *   <li>a blocking command's timeout is the pool {@code timeout} on top of the command's own block time (none
 *       when the command blocks for ever);</li>
 *   <li>while subscribed, a message the server pushes is handed to the client as an extra reply, in arrival
 *       order, and a subscribe request that names k channels is complete after k confirmations;</li>
 *   <li>it is counted in its server's {@code session_connections} gauge (stats JSON and Prometheus), not in {@code server_connections}, and closing it on
 *       purpose (the client left) is no failure of the server.</li>
 * </ul>
 * Event-loop confined.
 */
final class SessionConn extends ServerConn {
    ClientConn client;             // the one client it serves; null once that client is gone
    boolean held;                  // its next request waits for one of its client's on a shared connection
    final int sidx;                // index of its server in the pool
    boolean pubsub;                // subscribed: pushes may arrive without a request
    private long busyUntil;        // the latest timeout deadline in flight; Long.MAX_VALUE: one has none

    SessionConn(Context ctx, ClientConn client, int sidx) {
        super(ctx);
        this.client = client;
        this.sidx = sidx;
    }

    @Override
    void countConnection(int d) {
        server.stats[CoreStats.SESSION_CONNECTIONS] += d; // the stats' session_connections, not server_connections
    }

    /**
     * Enqueues a request of the session: its timeout is the pool's plus {@code blockMs} (the command's own block
     * time, ms), none when {@code blockMs} is 0 (blocks for ever) or the pool has no timeout. {@code blockMs} -1:
     * not a blocking command, the pool timeout alone.
     */
    void enqueueSession(Msg msg, long blockMs) {
        if (idle()) {
            busyUntil = 0;
        }
        if (!msg.noreply) {
            int t = server.owner.timeout;
            if (t > 0 && blockMs != 0) {
                long deadline = ctx.now() + t + Math.max(0, blockMs);
                arm(msg, deadline);
            } else if (t > 0) {
                busyUntil = Long.MAX_VALUE; // blocks for ever: what follows it has no deadline either
            }
        }
        queue(msg);
    }

    /** True when nothing of the session is queued or in flight. */
    boolean idle() {
        return imsgQ.isEmpty() && omsgQ.isEmpty();
    }

    /**
     * Enqueues an ordinary request of the session's client behind what the session has in flight on this server
     * (a pending EXEC, a blocked pop), so that it runs after it, as it would on one redis connection. Its timeout
     * is the pool's, but not before the deadline of what it waits behind (none when that blocks for ever).
     */
    void enqueueFollower(Msg msg) {
        msg.follower = true;
        if (!msg.noreply) {
            int t = server.owner.timeout;
            if (t > 0 && busyUntil != Long.MAX_VALUE) {
                arm(msg, Math.max(ctx.now() + t, busyUntil));
            }
        }
        queue(msg);
    }

    private void arm(Msg msg, long deadline) {
        msg.tmoConn = this;
        ctx.evb.addTimer(msg.tmo, deadline);
        if (deadline > busyUntil) {
            busyUntil = deadline;
        }
    }

    private void queue(Msg msg) {
        msg.onSession = true;
        imsgQ.insertTail(msg);
        long[] st = server.stats;
        st[CoreStats.IN_QUEUE]++;
        st[CoreStats.IN_QUEUE_BYTES] += msg.mlen;
    }

    /**
     * The next request to send, unless its client has an earlier request for this server still in flight on a
     * shared connection (a GET pipelined before a WATCH, a BLPOP or a SUBSCRIBE): then nothing is sent until that
     * one is answered ({@link Sessions#resumeHeld}), so that the server runs the client's requests in its order,
     * as on one redis connection. The proxy's own requests (owner null) go at once.
     */
    @Override
    Msg sendNext() {
        Msg next = smsg == null ? imsgQ.first() : imsgQ.next(smsg);
        ClientConn c = client;
        if (next != null && c != null && next.owner == c && c.sessions != null
                && c.sessions.sharedBefore(next.fragOwner != null ? next.fragOwner : next, sidx)) {
            held = true;
            c.sessions.anyHeld = true;
            ctx.evb.delOut(reg);
            return null;
        }
        return super.sendNext();
    }

    @Override
    void recvDone(Msg msg, Msg nmsg) {
        Msg pmsg = omsgQ.first();
        // (a follower at the head: every (un)subscribe before it is answered and the client has no subscription
        // left here, so nothing more is pushed and this is the follower's reply)
        if (pubsub && !msg.empty() && (pmsg == null || !pmsg.follower)) {
            if (pmsg == null || proto.push(msg)) {
                rmsg = nmsg;
                ClientConn c = client;
                if (c != null && c.sessions != null) {
                    server.ok();
                    c.sessions.push(this, msg);
                } else {
                    Response.put(ctx, msg);
                }
                return;
            }
            if (pmsg.fragOwner != null && pmsg.narg > 1 && !pmsg.swallow && !proto.isError(msg)) {
                // one confirmation of several for this (un)subscribe (one per channel it names; the only
                // fragments a session connection carries, their count in narg). An error (a redirection, or the
                // server refusing the whole command: NOAUTH, NOPERM, CROSSSLOT) is its one and only reply.
                rmsg = nmsg;
                pmsg.narg--;
                Response.put(ctx, msg);
                return;
            }
        }
        super.recvDone(msg, nmsg);
        if (pubsub && omsgQ.isEmpty() && imsgQ.isEmpty()) {
            ClientConn c = client;
            if (c == null || c.sessions == null || !c.sessions.subscribedOn(sidx)) {
                pubsub = false;
            }
        }
    }

    /**
     * A session's client gets a failing server's reply (-OOM, -BUSY, -LOADING) as redis gives it: inside MULTI
     * it is a queued error that makes EXEC abort; closing the connection would end the client's transaction.
     */
    @Override
    boolean failureCloses() {
        return false;
    }

    /** Closes it on purpose (its client left or reset): not a failure of the server. */
    void release() {
        client = null;
        retiring = true; // skips the failure accounting of close()
        ctx.close(this);
    }

    @Override
    void close() {
        Server s = server;
        ClientConn c = client;
        super.close();
        s.nsession--;
        client = null;
        if (c != null && c.sessions != null) {
            c.sessions.closed(this);
        }
    }
}
