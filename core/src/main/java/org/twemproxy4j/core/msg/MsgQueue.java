package org.twemproxy4j.core.msg;

/**
 * Mirrors {@code struct msg_tqh} (nc_queue.h TAILQ): an intrusive doubly-linked queue of messages. A
 * message carries two sets of links, so it can be on one client queue ({@code c_tqe}: the client's out_q)
 * and one server queue ({@code s_tqe}: a server's in_q or out_q) at the same time. Insert and remove are
 * O(1) and allocate nothing. Event-loop confined.
 */
public final class MsgQueue {
    private final boolean server;  // which links: s_tqe (true) or c_tqe (false)
    private Msg head;
    private Msg tail;
    private int count;

    public MsgQueue(boolean server) {
        this.server = server;
    }

    public Msg first() {
        return head;
    }

    public boolean isEmpty() {
        return head == null;
    }

    public int count() {
        return count;
    }

    public Msg next(Msg m) {
        return server ? m.sNext : m.cNext;
    }

    public boolean contains(Msg m) {
        return (server ? m.sQ : m.cQ) == this;
    }

    public void insertTail(Msg m) {
        if (server) {
            assert m.sQ == null : "msg already on a server queue";
            m.sQ = this;
            m.sNext = null;
            m.sPrev = tail;
            if (tail == null) {
                head = m;
            } else {
                tail.sNext = m;
            }
        } else {
            assert m.cQ == null : "msg already on a client queue";
            m.cQ = this;
            m.cNext = null;
            m.cPrev = tail;
            if (tail == null) {
                head = m;
            } else {
                tail.cNext = m;
            }
        }
        tail = m;
        count++;
    }

    public void insertHead(Msg m) {
        if (server) {
            assert m.sQ == null;
            m.sQ = this;
            m.sPrev = null;
            m.sNext = head;
            if (head == null) {
                tail = m;
            } else {
                head.sPrev = m;
            }
        } else {
            assert m.cQ == null;
            m.cQ = this;
            m.cPrev = null;
            m.cNext = head;
            if (head == null) {
                tail = m;
            } else {
                head.cPrev = m;
            }
        }
        head = m;
        count++;
    }

    /** Inserts {@code m} right after {@code at}, which is on this queue. */
    public void insertAfter(Msg at, Msg m) {
        if (server) {
            assert at.sQ == this && m.sQ == null;
            Msg n = at.sNext;
            if (n == null) {
                insertTail(m);
                return;
            }
            m.sQ = this;
            m.sPrev = at;
            m.sNext = n;
            at.sNext = m;
            n.sPrev = m;
        } else {
            assert at.cQ == this && m.cQ == null;
            Msg n = at.cNext;
            if (n == null) {
                insertTail(m);
                return;
            }
            m.cQ = this;
            m.cPrev = at;
            m.cNext = n;
            at.cNext = m;
            n.cPrev = m;
        }
        count++;
    }

    public void remove(Msg m) {
        if (server) {
            assert m.sQ == this : "msg not on this queue";
            Msg p = m.sPrev;
            Msg n = m.sNext;
            if (p == null) {
                head = n;
            } else {
                p.sNext = n;
            }
            if (n == null) {
                tail = p;
            } else {
                n.sPrev = p;
            }
            m.sPrev = null;
            m.sNext = null;
            m.sQ = null;
        } else {
            assert m.cQ == this : "msg not on this queue";
            Msg p = m.cPrev;
            Msg n = m.cNext;
            if (p == null) {
                head = n;
            } else {
                p.cNext = n;
            }
            if (n == null) {
                tail = p;
            } else {
                n.cPrev = p;
            }
            m.cPrev = null;
            m.cNext = null;
            m.cQ = null;
        }
        count--;
    }
}
