package org.twemproxy4j.mbuf;

/**
 * Mirrors {@code struct mhdr} (STAILQ of mbufs, nc_mbuf.h): a message's chain of mbufs, intrusive and
 * doubly linked, so insert and remove are O(1) and allocate nothing.
 *
 * <pre>
 *   first -&gt; [mbuf] &lt;-&gt; [mbuf] &lt;-&gt; [mbuf] &lt;- last
 * </pre>
 *
 * Event-loop confined.
 */
public final class Mhdr {
    private Mbuf first;
    private Mbuf last;
    private int count;

    public Mbuf first() {
        return first;
    }

    public Mbuf last() {
        return last;
    }

    public int count() {
        return count;
    }

    public boolean isEmpty() {
        return first == null;
    }

    /** Appends at the tail (mbuf_insert). */
    public void insert(Mbuf m) {
        assert m.owner == null : "mbuf already on a chain";
        m.owner = this;
        m.next = null;
        m.prev = last;
        if (last == null) {
            first = m;
        } else {
            last.next = m;
        }
        last = m;
        count++;
    }

    /** Inserts at the head. */
    public void insertHead(Mbuf m) {
        assert m.owner == null : "mbuf already on a chain";
        m.owner = this;
        m.prev = null;
        m.next = first;
        if (first == null) {
            last = m;
        } else {
            first.prev = m;
        }
        first = m;
        count++;
    }

    /** Inserts {@code m} right after {@code at}, which must be on this chain. */
    public void insertAfter(Mbuf at, Mbuf m) {
        assert at.owner == this && m.owner == null;
        if (at == last) {
            insert(m);
            return;
        }
        m.owner = this;
        m.prev = at;
        m.next = at.next;
        at.next.prev = m;
        at.next = m;
        count++;
    }

    /** Unlinks {@code m} (mbuf_remove). */
    public void remove(Mbuf m) {
        assert m.owner == this : "mbuf not on this chain";
        if (m.prev == null) {
            first = m.next;
        } else {
            m.prev.next = m.next;
        }
        if (m.next == null) {
            last = m.prev;
        } else {
            m.next.prev = m.prev;
        }
        m.next = null;
        m.prev = null;
        m.owner = null;
        count--;
    }

    /** Sum of {@link Mbuf#length()} over the chain. */
    public long length() {
        long n = 0;
        for (Mbuf m = first; m != null; m = m.next) {
            n += m.last - m.pos;
        }
        return n;
    }

    /** Removes every mbuf and puts it back to {@code pool}. */
    public void putAll(MbufPool pool) {
        Mbuf m = first;
        while (m != null) {
            Mbuf n = m.next;
            m.next = null;
            m.prev = null;
            m.owner = null;
            pool.put(m);
            m = n;
        }
        first = null;
        last = null;
        count = 0;
    }
}
