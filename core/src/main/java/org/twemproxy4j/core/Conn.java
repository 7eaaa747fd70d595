package org.twemproxy4j.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.msg.MsgOwner;
import org.twemproxy4j.core.proto.ParseResult;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.core.util.NcErrno;
import org.twemproxy4j.event.EventHandler;
import org.twemproxy4j.event.Events;
import org.twemproxy4j.event.Registration;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * Mirrors {@code struct conn} (nc_connection.h): a client, server or proxy (listener) connection and the
 * per-role operations that nutcracker keeps as function pointers ({@code recv}, {@code recv_next},
 * {@code recv_done}, {@code send}, {@code send_next}, {@code send_done}, {@code close}, {@code active},
 * {@code enqueue_inq} ...). Here each slot is a method and each role a subclass: {@link ClientConn},
 * {@link ServerConn}, {@link ProxyConn}. The shared receive/send machinery of nc_message.c
 * ({@code msg_recv}, {@code msg_send}) lives here.
 *
 * <p>The queues, as nc_connection.c draws them:
 * <pre>
 *      Client+             Proxy           Server+
 *                        (nutcracker)
 *                             .
 *    msg_recv {read event}    .       msg_recv {read event}
 *      +                      .                         +
 *      |    c.rmsg  ----------.----&gt; s.imsg_q (in_q: to write to the server)
 *      |                      .                         |
 *      v                      .                         v    s.smsg: being written
 *   c.omsg_q (out_q: every   .               s.omsg_q (out_q: written, awaiting
 *    request of this client,  .                the server's response)
 *    in its order, until its  .                         |
 *    reply has been written)  .       s.rmsg: response being read
 *      ^                      .                         |
 *      +---- c.smsg &lt;---------.-------- request done ----+
 * </pre>
 * A request sits on its client's out_q (client links) and, at the same time, on one server's in_q then out_q
 * (server links); see {@link Msg}. Event-loop confined.
 */
public abstract class Conn implements EventHandler, MsgOwner {
    static final int NC_OK = 0;
    static final int NC_ERROR = -1;
    static final int NC_EAGAIN = -2;

    final Context ctx;
    SocketChannel channel;         // socket (client and server)
    Registration reg;              // event registration
    Proto proto;                   // protocol of the pool

    Msg rmsg;                      // current message being received
    Msg smsg;                      // current message being sent

    long recvBytes;                // received (read) bytes
    long sendBytes;                // sent (written) bytes
    int events;                    // connection io events
    int err;                       // connection errno
    boolean recvActive;            // recv active?
    boolean recvReady;             // recv ready?
    boolean sendActive;            // send active?
    boolean sendReady;             // send ready?
    boolean connecting;            // connecting?
    boolean connected;             // connected?
    boolean eof;                   // eof? aka passive close?
    boolean done;                  // done? aka close?
    boolean closed;                // closed and back in the pool
    boolean authenticated;         // authenticated?
    boolean bigReads;              // the last read filled its buffer: read into a spare chunk as well
    Conn livePrev;                 // link in the context's list of open connections
    Conn liveNext;

    Conn(Context ctx) {
        this.ctx = ctx;
    }

    void resetConn() {
        channel = null;
        reg = null;
        rmsg = null;
        smsg = null;
        recvBytes = 0;
        sendBytes = 0;
        events = 0;
        err = 0;
        recvActive = false;
        recvReady = false;
        sendActive = false;
        sendReady = false;
        connecting = false;
        connected = false;
        eof = false;
        done = false;
        closed = false;
        authenticated = false;
        bigReads = false;
    }

    // the role's slots (conn->recv_next ... conn->close)

    abstract Msg recvNext(boolean alloc);

    abstract void recvDone(Msg msg, Msg nmsg);

    abstract Msg sendNext();

    abstract void sendDone(Msg msg);

    abstract void close();

    abstract boolean active();

    abstract int parse(Msg msg);

    /** A framing error on {@code msg}: clients answer it, servers close. */
    abstract void parseError(Msg msg);

    @Override
    public char typeChar() {
        return 's';
    }

    /** Mirrors core_core(): error takes precedence over read, read over write. */
    @Override
    public void onEvent(int ev) {
        if (closed) {
            return;
        }
        try {
            handle(ev);
        } catch (RuntimeException e) {
            // a bug or an unexpected channel state must cost this connection only, never the loop
            Log.error("unexpected failure on " + typeChar() + ", closing it: " + e);
            if (err == 0) {
                err = NcErrno.EINVAL;
            }
            if (!closed) {
                ctx.close(this);
            }
        } catch (OutOfMemoryError e) {
            // no buffer left (netty's direct memory): the connection that asked for it goes, and its buffers
            // go back to the pool; everyone else continues
            Log.error("out of buffer memory on " + typeChar() + ", closing it: " + e.getMessage());
            err = NcErrno.ENOMEM;
            if (!closed) {
                ctx.close(this);
            }
        }
    }

    private void handle(int ev) {
        events = ev;

        if ((ev & Events.ERR) != 0) {
            ctx.close(this);
            return;
        }
        if ((ev & Events.READ) != 0) {
            int status = recv();
            if (status != NC_OK || done || err != 0) {
                ctx.close(this);
                return;
            }
        }
        if ((ev & Events.WRITE) != 0) {
            int status = send();
            if (status != NC_OK || done || err != 0) {
                ctx.close(this);
            }
        }
    }

    int recv() {
        return msgRecv();
    }

    int send() {
        return msgSend();
    }

    /** Mirrors msg_recv(). */
    final int msgRecv() {
        recvReady = true;
        do {
            Msg msg = recvNext(true);
            if (msg == null) {
                return NC_OK;
            }
            int status = msgRecvChain(msg);
            if (status != NC_OK) {
                return status;
            }
        } while (recvReady);
        return NC_OK;
    }

    /**
     * Mirrors msg_recv_chain(): read into the message's last mbuf, then parse every message in it. On a
     * connection that carries large messages (see {@link #bigReads}) the read also fills a spare chunk, parsed
     * once the last mbuf's bytes are.
     */
    private int msgRecvChain(Msg msg) {
        Mbuf mbuf = msg.mhdr.last();
        if (mbuf == null || mbuf.full()) {
            mbuf = ctx.mbufPool.get();
            msg.mhdr.insert(mbuf);
            msg.pos = mbuf.pos();
        }
        int room = mbuf.size();
        Mbuf spill = bigReads ? ctx.mbufPool.get() : null;
        int n = connRecv(mbuf, spill, room);
        if (n < 0) {
            if (spill != null) {
                ctx.mbufPool.put(spill);
            }
            if (n == NC_EAGAIN && msg.empty() && rmsg == msg) {
                // nothing came: an idle connection keeps no message nor buffer (nutcracker keeps both)
                rmsg = null;
                ctx.msgPool.put(msg);
            }
            return n == NC_EAGAIN ? NC_OK : NC_ERROR;
        }
        // a read that fills the buffer's room announces more of the same: the next reads scatter
        bigReads = n >= room;
        if (n <= room) {
            if (spill != null) {
                ctx.mbufPool.put(spill);
            }
            return parseRead(msg, n);
        }
        ctx.nspillReads++;
        int status = parseRead(msg, room);
        if (status != NC_OK) {
            ctx.mbufPool.put(spill);
            return status;
        }
        return parseSpill(spill);
    }

    /** Parses the {@code n} bytes just read into the last mbuf of {@code msg}, and every message they hold. */
    private int parseRead(Msg msg, int n) {
        msg.mlen += n;
        for (;;) {
            int status = msgParse(msg);
            if (status != NC_OK) {
                return status;
            }
            Msg nmsg = recvNext(false);
            if (nmsg == null || nmsg == msg) {
                break;
            }
            msg = nmsg;
        }
        return NC_OK;
    }

    /**
     * The bytes a scattering read put in {@code spill}, after the last mbuf's: appended to the message being
     * received (a new one if the last ended with that mbuf) and parsed. The message's last mbuf is full, as
     * the read filled it, unless the parser moved a partial token to a fresh mbuf (msg_repair): the token's
     * rest is then copied there from the spill, as a next read would have put it.
     */
    private int parseSpill(Mbuf spill) {
        int status = NC_OK;
        while (spill != null) {
            Msg msg = recvNext(true);
            if (msg == null) {
                break; // no more requests are read (end of stream, a framing error): as unread bytes
            }
            Mbuf last = msg.mhdr.last();
            int n;
            if (last == null || last.full()) {
                msg.mhdr.insert(spill);
                msg.pos = spill.pos();
                n = spill.length();
                spill = null;
            } else {
                n = last.copy(spill, spill.pos(), spill.length());
                spill.pos(spill.pos() + n);
                if (spill.empty()) {
                    ctx.mbufPool.put(spill);
                    spill = null;
                }
            }
            status = parseRead(msg, n);
            if (status != NC_OK) {
                break;
            }
        }
        if (spill != null) {
            ctx.mbufPool.put(spill);
        }
        return status;
    }

    /**
     * Mirrors conn_recv(), reading into the room of {@code mbuf} ({@code room} bytes) and then of {@code spill}
     * when not null: returns bytes read (0 on eof), or NC_EAGAIN / NC_ERROR.
     */
    private int connRecv(Mbuf mbuf, Mbuf spill, int room) {
        int size = spill == null ? room : room + spill.size();
        int n;
        try {
            n = spill == null ? mbuf.read(channel) : mbuf.read(channel, spill, ctx.riov);
        } catch (IOException e) {
            err = NcErrno.of(e);
            recvReady = false;
            if (Log.enabled(Log.LOG_INFO)) {
                Log.info("recv on " + typeChar() + " failed: " + e.getMessage());
            }
            return NC_ERROR;
        }
        if (n < 0) {
            recvReady = false;
            eof = true;
            // level-triggered readiness would report the end of stream forever: stop asking
            ctx.evb.delIn(reg);
            return 0;
        }
        if (n == 0) {
            recvReady = false;
            return NC_EAGAIN;
        }
        if (n < size) {
            recvReady = false;
        }

        recvBytes += n;
        return n;
    }

    /** Mirrors msg_parse(). */
    private int msgParse(Msg msg) {
        if (msg.empty()) {
            // no data to parse
            recvDone(msg, null);
            return NC_OK;
        }
        int r = parse(msg);
        msg.result = r;
        switch (r) {
            case ParseResult.OK:
                msgParsed(msg);
                // a message that failed the connection (a stray or failure reply) stops the parsing of what
                // follows it: the rest belongs to requests that now get an error
                return err != 0 ? NC_ERROR : NC_OK;
            case ParseResult.REPAIR:
                msgRepair(msg);
                return NC_OK;
            case ParseResult.AGAIN:
                return NC_OK;
            default:
                parseError(msg);
                return err != 0 ? NC_ERROR : NC_OK;
        }
    }

    /** Mirrors msg_parsed(): split off the bytes after the message (zero-copy) as the next message. */
    private void msgParsed(Msg msg) {
        Mbuf mbuf = msg.mhdr.last();
        if (msg.pos == mbuf.last()) {
            recvDone(msg, null);
            return;
        }
        Mbuf nbuf = ctx.mbufPool.split(mbuf, msg.pos, false);
        Msg nmsg = ctx.msgGet(this, msg.request);
        nmsg.mhdr.insert(nbuf);
        nmsg.pos = nbuf.pos();
        nmsg.mlen = nbuf.length();
        msg.mlen -= nmsg.mlen;
        recvDone(msg, nmsg);
    }

    /** Mirrors msg_repair(): move the partial token at msg.pos into a fresh mbuf with room. */
    private void msgRepair(Msg msg) {
        Mbuf mbuf = msg.mhdr.last();
        Mbuf nbuf = ctx.mbufPool.split(mbuf, msg.pos, true);
        msg.mhdr.insert(nbuf);
        msg.pos = nbuf.pos();
    }

    /** Mirrors msg_send(). */
    final int msgSend() {
        sendReady = true;
        do {
            Msg msg = sendNext();
            if (msg == null) {
                return NC_OK;
            }
            int status = msgSendChain(msg);
            if (status != NC_OK) {
                return status;
            }
        } while (sendReady);
        return NC_OK;
    }

    /** Mirrors msg_send_chain(): one gathering write of as many messages as fit, straight from their mbufs. */
    private int msgSendChain(Msg msg) {
        final ByteBuffer[] iov = ctx.iov;
        final Msg[] sendq = ctx.sendq;
        int niov = 0;
        int nmsg = 0;
        long nsend = 0;
        boolean full = false;
        for (;;) {
            sendq[nmsg++] = msg;
            for (Mbuf m = msg.mhdr.first(); m != null; m = m.next()) {
                if (m.empty()) {
                    continue;
                }
                if (niov == iov.length) {
                    full = true;
                    break;
                }
                iov[niov++] = m.readableView();
                nsend += m.length();
            }
            if (full || niov == iov.length || nmsg == sendq.length || nsend >= Context.SEND_LIMIT) {
                break;
            }
            msg = sendNext();
            if (msg == null) {
                break;
            }
        }
        smsg = null;

        long n;
        if (nsend != 0) {
            n = connSendv(iov, niov, nsend);
        } else {
            n = 0;
        }
        for (int i = 0; i < niov; i++) {
            iov[i] = null;
        }
        long nsent = n > 0 ? n : 0;
        for (int i = 0; i < nmsg; i++) {
            Msg m = sendq[i];
            sendq[i] = null;
            if (nsent == 0) {
                if (m.mlen == 0) {
                    sendDone(m);
                }
                continue;
            }
            Mbuf b = m.mhdr.first();
            for (; b != null; b = b.next()) {
                if (b.empty()) {
                    continue;
                }
                int len = b.length();
                if (nsent < len) {
                    b.pos(b.pos() + (int) nsent);
                    nsent = 0;
                    break;
                }
                b.pos(b.last());
                nsent -= len;
            }
            if (b == null) {
                sendDone(m);
            }
        }
        if (n >= 0) {
            return NC_OK;
        }
        return n == NC_EAGAIN ? NC_OK : NC_ERROR;
    }

    /** Mirrors conn_sendv(). */
    private long connSendv(ByteBuffer[] iov, int niov, long nsend) {
        long n;
        try {
            n = channel.write(iov, 0, niov);
        } catch (IOException e) {
            sendReady = false;
            err = NcErrno.of(e);
            if (Log.enabled(Log.LOG_INFO)) {
                Log.info("sendv on " + typeChar() + " failed: " + e.getMessage());
            }
            return NC_ERROR;
        }
        if (n == 0) {
            sendReady = false;
            return NC_EAGAIN;
        }
        if (n < nsend) {
            sendReady = false;
        }
        sendBytes += n;
        return n;
    }

    /** Closes the socket quietly (the descriptor part of conn close). */
    final void closeChannel() {
        if (reg != null) {
            ctx.evb.delConn(reg);
            reg = null;
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // ignored, as nutcracker ignores a failed close(2)
            }
            channel = null;
        }
    }
}
