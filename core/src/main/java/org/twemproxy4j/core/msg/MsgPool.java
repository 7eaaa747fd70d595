package org.twemproxy4j.core.msg;

import org.twemproxy4j.event.EventBase;
import org.twemproxy4j.event.TimerHandler;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.mbuf.MbufPool;

/**
 * Mirrors nc_message.c's free list and msg_get()/msg_put(): every message of one event loop comes from here and
 * goes back here, so the steady state allocates none. The list is bounded (nutcracker's free_msgq never shrinks):
 * beyond {@link #MAX_FREE_MSG} a freed message is left to the garbage collector.
 *
 * <p>A pooled message's timeout timer calls the loop's timeout handler; putting a message back cancels its
 * timer and returns its mbufs to the loop's {@link MbufPool}. Event-loop confined.
 */
public final class MsgPool {
    public static final int MAX_FREE_MSG = 65536;

    private final EventBase evb;
    private final MbufPool mbufPool;
    private final TimerHandler onTimeout;
    private long msgId;            // last message id handed out
    private Msg free;              // free_msgq
    private int nfree;             // messages on the free list
    private int nused;             // messages handed out and not yet put back

    public MsgPool(EventBase evb, MbufPool mbufPool, TimerHandler onTimeout) {
        this.evb = evb;
        this.mbufPool = mbufPool;
        this.onTimeout = onTimeout;
    }

    /** Mirrors msg_get(): a clean message owned by {@code owner}; a request is stamped with its arrival time. */
    public Msg get(MsgOwner owner, boolean request, long nowNanos) {
        Msg m = free;
        if (m != null) {
            free = m.freeNext;
            m.freeNext = null;
            nfree--;
        } else {
            m = new Msg(onTimeout);
        }
        nused++;
        m.startNanos = request ? nowNanos : 0L;
        m.id = ++msgId;
        m.owner = owner;
        m.request = request;
        return m;
    }

    /** Mirrors msg_put(): the message must be off every queue; its timer is cancelled and its mbufs freed. */
    public void put(Msg m) {
        assert !m.queued() : "msg still queued";
        evb.delTimer(m.tmo);
        m.mhdr.putAll(mbufPool);
        m.reset();
        nused--;
        if (nfree < MAX_FREE_MSG) {
            m.freeNext = free;
            free = m;
            nfree++;
        }
    }

    /** Mirrors msg_append(): appends {@code len} bytes of {@code data}, taking mbufs as needed. */
    public void append(Msg msg, byte[] data, int off, int len) {
        while (len > 0) {
            Mbuf last = msg.mhdr.last();
            if (last == null || last.full()) {
                last = mbufPool.get();
                msg.mhdr.insert(last);
            }
            int n = last.copy(data, off, len);
            off += n;
            len -= n;
            msg.mlen += n;
        }
    }

    /**
     * Appends {@code len} bytes that start at absolute {@code from} in mbuf {@code m} and may continue in its
     * chain (a key or an element span recorded by a parser) to {@code dst}.
     */
    public void appendFrom(Msg dst, Mbuf m, int from, int len) {
        while (len > 0) {
            int n = Math.min(len, m.last() - from);
            while (n > 0) {
                Mbuf last = dst.mhdr.last();
                if (last == null || last.full()) {
                    last = mbufPool.get();
                    dst.mhdr.insert(last);
                }
                int k = last.copy(m, from, n);
                from += k;
                n -= k;
                len -= k;
                dst.mlen += k;
            }
            m = m.next();
            if (m == null) {
                return;
            }
            from = m.pos();
        }
    }

    /** Messages handed out and not yet put back (leak checks). */
    public int nused() {
        return nused;
    }

    /** Messages waiting on the free list. */
    public int nfree() {
        return nfree;
    }
}
