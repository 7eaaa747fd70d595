package org.twemproxy4j.core;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.msg.MsgQueue;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.core.util.NcErrno;

/**
 * Mirrors a server {@code struct conn} and nc_server.c (server_connect, server_connected, server_close) /
 * nc_request.c (req_send_next, req_send_done, the server in/out queues) / nc_response.c (rsp_recv_next,
 * rsp_recv_done, rsp_filter, rsp_forward). Event-loop confined.
 */
public class ServerConn extends Conn {
    Server server;                 // owner server
    final MsgQueue imsgQ = new MsgQueue(true); // requests to write (server links)
    final MsgQueue omsgQ = new MsgQueue(true); // requests written, awaiting the response
    ServerConn freeNext;
    boolean retiring;              // dropped by a reload, or opened for one out-of-band request: closes once nothing is in flight
    boolean oneShot;               // opened for one out-of-band request (Proto.outOfBand): its reply, even -BUSY, is the client's

    ServerConn(Context ctx) {
        super(ctx);
    }

    public Server server() {
        return server;
    }

    @Override
    void resetConn() {
        super.resetConn();
        retiring = false;
        oneShot = false;
    }

    /**
     * A reload no longer uses this connection: it takes no new request, and closes as soon as every request in
     * flight on it is answered (at once when none is). Not a failure of the server.
     */
    void retire() {
        retiring = true;
        server.removeConn(this);
        if (!active()) {
            ctx.close(this);
        }
    }

    @Override
    int parse(Msg msg) {
        return proto.parseResponse(msg);
    }

    @Override
    void parseError(Msg msg) {
        // an unparsable response: the server connection cannot be trusted any more
        err = NcErrno.EINVAL;
    }

    @Override
    boolean active() {
        return !imsgQ.isEmpty() || !omsgQ.isEmpty() || rmsg != null || smsg != null;
    }

    /**
     * Mirrors server_connect(): opens a non-blocking connection unless one is open or pending. Returns 0 or
     * the errno of a failure.
     */
    int connect() {
        if (err != 0) {
            return err;
        }
        if (channel != null) {
            return 0;
        }
        Server s = server;
        try {
            SocketAddress addr = s.address();
            SocketChannel ch = SocketChannel.open(addr instanceof UnixDomainSocketAddress
                    ? StandardProtocolFamily.UNIX : familyOf(addr));
            channel = ch;
            ch.configureBlocking(false);
            if (!s.unix()) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (s.owner.tcpkeepalive) {
                    ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                }
            }
            boolean now = ch.connect(addr);
            reg = ctx.evb.addConn(ch, this);
            ctx.evb.addIn(reg);
            if (now) {
                connected();
            } else {
                connecting = true;
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            int e2 = NcErrno.of(e);
            if (Log.enabled(Log.LOG_WARN)) {
                Log.warn("connect to server '" + s.pname + "' failed: " + NcErrno.strerror(e2));
            }
            return e2;
        }
    }

    private static StandardProtocolFamily familyOf(SocketAddress a) {
        if (a instanceof java.net.InetSocketAddress) {
            java.net.InetAddress ia = ((java.net.InetSocketAddress) a).getAddress();
            if (ia instanceof java.net.Inet6Address) {
                return StandardProtocolFamily.INET6;
            }
        }
        return StandardProtocolFamily.INET;
    }

    /** Mirrors server_connected() and redis_post_connect(): SELECT goes first on a new connection. */
    private void connected() {
        connecting = false;
        connected = true;
        countConnection(1);
        ServerPool p = server.owner;
        if (p.selectReq != null) {
            Msg msg = ctx.msgGet(this, true);
            ctx.msgPool.append(msg, p.selectReq, 0, p.selectReq.length);
            msg.swallow = true;
            msg.owner = null;
            msg.flags = Context.FLAG_SELECT;
            Msg first = imsgQ.first();
            if (first != null && first.flags == Context.FLAG_AUTH) {
                // Deviation: AUTH first, then SELECT (nutcracker sends SELECT first, which a password-protected
                // server refuses, leaving the connection on db 0)
                imsgQ.insertAfter(first, msg);
            } else {
                imsgQ.insertHead(msg);
            }
            inqStats(msg, 1);
            ctx.evb.addOut(reg);
        }
        if (Log.enabled(Log.LOG_INFO)) {
            Log.info("connected to server '" + server.pname + "'");
        }
    }

    /** The gauge an open connection counts in: server_connections (a session connection counts apart). */
    void countConnection(int d) {
        server.stats[CoreStats.SERVER_CONNECTIONS] += d;
    }

    /** Mirrors redis_add_auth(): AUTH is queued before the first request of the connection. */
    void addAuth() {
        ServerPool p = server.owner;
        Msg msg = ctx.msgGet(this, true);
        ctx.msgPool.append(msg, p.authReq, 0, p.authReq.length);
        msg.swallow = true;
        msg.owner = null;
        msg.flags = Context.FLAG_AUTH;
        int t = p.timeout;
        if (t > 0) {
            msg.tmoConn = this;
            ctx.evb.addTimer(msg.tmo, ctx.now() + t);
        }
        imsgQ.insertHead(msg); // the very first request of the connection
        inqStats(msg, 1);
        authenticated = true;
    }

    /** Completes a pending connect: NC_OK when connected or still pending, NC_ERROR (with err) on failure. */
    private int finishConnect() {
        try {
            if (!channel.finishConnect()) {
                return NC_OK;
            }
        } catch (IOException e) {
            err = NcErrno.of(e);
            return NC_ERROR;
        }
        ctx.evb.connected(reg);
        connected();
        return NC_OK;
    }

    @Override
    int recv() {
        if (connecting) {
            // a failed connect is reported as readable too (core_error in nutcracker)
            int st = finishConnect();
            if (st != NC_OK || connecting) {
                return st;
            }
        }
        return msgRecv();
    }

    @Override
    int send() {
        if (connecting) {
            int st = finishConnect();
            if (st != NC_OK || connecting) {
                return st;
            }
        }
        return msgSend();
    }

    /** Mirrors req_server_enqueue_imsgq(): the request's timeout starts here. */
    void enqueueInq(Msg msg) {
        if (!msg.noreply) {
            int t = server.owner.timeout;
            if (t > 0) {
                msg.tmoConn = this;
                ctx.evb.addTimer(msg.tmo, ctx.now() + t);
            }
        }
        imsgQ.insertTail(msg);
        inqStats(msg, 1);
    }

    private void inqStats(Msg msg, int d) {
        long[] st = server.stats;
        st[CoreStats.IN_QUEUE] += d;
        st[CoreStats.IN_QUEUE_BYTES] += d * (long) msg.mlen;
    }

    void dequeueInq(Msg msg) {
        imsgQ.remove(msg);
        inqStats(msg, -1);
    }

    void enqueueOutq(Msg msg) {
        omsgQ.insertTail(msg);
        long[] st = server.stats;
        st[CoreStats.OUT_QUEUE]++;
        st[CoreStats.OUT_QUEUE_BYTES] += msg.mlen;
    }

    void dequeueOutq(Msg msg) {
        ctx.evb.delTimer(msg.tmo);
        omsgQ.remove(msg);
        long[] st = server.stats;
        st[CoreStats.OUT_QUEUE]--;
        st[CoreStats.OUT_QUEUE_BYTES] -= msg.mlen;
    }

    /** Mirrors req_send_next(). */
    @Override
    Msg sendNext() {
        Msg nmsg = imsgQ.first();
        if (nmsg == null) {
            ctx.evb.delOut(reg);
            return null;
        }
        Msg msg = smsg;
        if (msg != null) {
            nmsg = imsgQ.next(msg);
        }
        smsg = nmsg;
        return nmsg;
    }

    /** Mirrors req_send_done(). */
    @Override
    void sendDone(Msg msg) {
        dequeueInq(msg);
        if (!msg.noreply) {
            enqueueOutq(msg);
        } else {
            Request.put(ctx, msg);
        }
    }

    /** Mirrors rsp_recv_next(). */
    @Override
    Msg recvNext(boolean alloc) {
        if (eof) {
            Msg msg = rmsg;
            if (msg != null) {
                rmsg = null;
                Response.put(ctx, msg);
            }
            // a FIN from a server closes the connection at once, failing what is in flight
            done = true;
            return null;
        }
        Msg msg = rmsg;
        if (msg != null) {
            return msg;
        }
        if (!alloc) {
            return null;
        }
        msg = ctx.msgGet(this, false);
        rmsg = msg;
        return msg;
    }

    /** Mirrors rsp_recv_done(). */
    @Override
    void recvDone(Msg msg, Msg nmsg) {
        rmsg = nmsg;
        if (!filter(msg)) {
            ClusterPool cl = server.owner.cluster;
            if (cl == null || !cl.redirect(this, msg)) {
                forward(msg);
            }
        }
        if (retiring && !active()) {
            done = true; // the last reply a retired connection owed: close it
        }
    }

    /**
     * True when a failing server's reply (redis -OOM, -BUSY, -LOADING: {@code Proto.failure}) closes this
     * connection, as nutcracker closes a shared one.
     */
    boolean failureCloses() {
        return !oneShot;
    }

    /** Mirrors rsp_filter(). */
    private boolean filter(Msg msg) {
        if (msg.empty()) {
            Response.put(ctx, msg);
            return true;
        }
        Msg pmsg = omsgQ.first();
        if (pmsg == null) {
            // a stray response: the stream is out of step, close (twemproxy issue #149)
            Response.put(ctx, msg);
            err = NcErrno.EINVAL;
            done = true;
            return true;
        }
        if (failureCloses() && proto.failure(msg) || server.owner.health.addrs != null && Sentinel.readonly(msg)) {
            Response.put(ctx, msg);
            err = NcErrno.EINVAL;
            done = true;
            return true;
        }
        if (pmsg.swallow) {
            ClusterPool cl = server.owner.cluster;
            if (cl != null && pmsg == cl.refreshMsg) {
                cl.onSlots(msg, server);
            }
            proto.swallowMsg(server.name, pmsg, msg);
            dequeueOutq(pmsg);
            pmsg.done = true;
            Response.put(ctx, msg);
            Request.put(ctx, pmsg);
            return true;
        }
        return false;
    }

    /** Mirrors rsp_forward(). */
    private void forward(Msg msg) {
        server.ok();
        Msg pmsg = omsgQ.first();
        dequeueOutq(pmsg);
        pmsg.done = true;
        pmsg.peer = msg;
        msg.peer = pmsg;
        long[] st = server.stats;
        st[CoreStats.RESPONSES]++;
        st[CoreStats.RESPONSE_BYTES] += msg.mlen;
        Msg owner = pmsg.fragOwner;
        if (owner != null) {
            ClientConn c = (ClientConn) owner.owner;
            c.charge(owner, ctx.footprint(msg));
            Request.fragDone(ctx, pmsg);
            c.checkHardLimit();
            return;
        }
        ClientConn c = (ClientConn) pmsg.owner;
        c.charge(pmsg, ctx.footprint(msg));
        c.replyReady();
        c.checkHardLimit();
    }

    /** Mirrors server_close(): every request in flight gets this connection's error. */
    @Override
    void close() {
        Server s = server;
        long[] st = s.stats;
        if (err == NcErrno.ETIMEDOUT) {
            st[CoreStats.SERVER_TIMEDOUT]++;
        } else if (err != 0) {
            st[CoreStats.SERVER_ERR]++;
        } else if (eof) {
            st[CoreStats.SERVER_EOF]++;
        }
        if (connected) {
            countConnection(-1);
        }
        connected = false;
        failQueue(imsgQ, true);
        failQueue(omsgQ, false);
        Msg msg = rmsg;
        if (msg != null) {
            rmsg = null;
            Response.put(ctx, msg);
        }
        smsg = null;
        if (!retiring) {
            s.removeConn(this);
            s.failure(ctx.now());
            if (s.owner.cluster != null) {
                s.owner.cluster.nodeFailed(s);
            }
        }
        retiring = false;
        closeChannel();
        ctx.conns.putServer(this);
    }

    private void failQueue(MsgQueue q, boolean in) {
        for (Msg msg = q.first(); msg != null; ) {
            Msg next = q.next(msg);
            if (in) {
                dequeueInq(msg);
            } else {
                dequeueOutq(msg);
            }
            ctx.evb.delTimer(msg.tmo);
            if (msg.swallow || msg.noreply) {
                ClusterPool cl = server.owner.cluster;
                if (cl != null) {
                    cl.refreshLost(msg);
                }
                Request.put(ctx, msg);
            } else {
                msg.done = true;
                msg.error = true;
                msg.err = err;
                if (msg.fragOwner != null) {
                    Request.fragDone(ctx, msg);
                } else {
                    ((ClientConn) msg.owner).replyReady();
                }
            }
            msg = next;
        }
    }
}
