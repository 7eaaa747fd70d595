package org.twemproxy4j.mbuf;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * Mirrors {@code struct mbuf} (nc_mbuf.h): a header over one region of a fixed-size pooled chunk.
 *
 * <pre>
 *   chunk:  +-------------+-------------------+------------------+--------------+
 *           | (other mbuf)|  already sent     |  readable bytes  | writable     |
 *           +-------------+-------------------+------------------+--------------+
 *           0           start               pos               last            end     capacity
 *
 *   start &lt;= pos &lt;= last &lt;= end &lt;= chunk size
 * </pre>
 *
 * <ul>
 *   <li>{@code [start, end)} is this header's region of the chunk. A fresh mbuf owns the whole chunk; after a
 *       zero-copy {@link MbufPool#split split} two headers own disjoint regions of the same chunk.</li>
 *   <li>{@code [pos, last)} holds the bytes not yet consumed (sent); a receive appends at {@code last}.</li>
 *   <li>{@code [last, end)} is free space; {@link #full()} when {@code last == end}.</li>
 * </ul>
 *
 * Indexes are absolute indexes into the chunk's {@link ByteBuf} ({@link #getByte(int)}), like netty's
 * absolute {@code getByte}. Mbufs are linked into an {@link Mhdr} chain (a message). Event-loop confined.
 */
public final class Mbuf {
    Chunk chunk;               // shared pooled memory
    ByteBuf buf;               // == chunk.buf, cached
    ByteBuffer view;           // this header's NIO view of the chunk
    int start;                 // start of this header's region
    int end;                   // end of this header's region
    int pos;                   // read marker
    int last;                  // write marker
    Mbuf next;                 // link in mhdr
    Mbuf prev;                 // link in mhdr
    Mhdr owner;                // chain this mbuf is on, or null

    Mbuf() {
    }

    void attach(Chunk c, int from, int to) {
        chunk = c;
        buf = c.buf;
        c.refcnt++;
        start = from;
        pos = from;
        last = from;
        end = to;
    }

    private ByteBuffer view() {
        ByteBuffer v = view;
        if (v == null) {
            v = chunk.takeView();
            view = v;
        }
        return v;
    }

    /** Read marker: the first byte not yet consumed. */
    public int pos() {
        return pos;
    }

    public void pos(int p) {
        assert p >= start && p <= last : "pos " + p;
        pos = p;
    }

    /** Write marker: one past the last byte written. */
    public int last() {
        return last;
    }

    public void last(int l) {
        assert l >= pos && l <= end : "last " + l;
        last = l;
    }

    public int start() {
        return start;
    }

    public int end() {
        return end;
    }

    /** Bytes between pos and last (mbuf_length). */
    public int length() {
        return last - pos;
    }

    /** Free space after last (mbuf_size). */
    public int size() {
        return end - last;
    }

    public boolean empty() {
        return pos == last;
    }

    public boolean full() {
        return last == end;
    }

    /** True when another header shares this chunk (a zero-copy split happened). */
    public boolean shared() {
        return chunk.refcnt > 1;
    }

    /** Next mbuf in the chain, or null. */
    public Mbuf next() {
        return next;
    }

    public Mbuf prev() {
        return prev;
    }

    /** Absolute read of one byte of the chunk (an index in [start, last)). */
    public byte getByte(int i) {
        return buf.getByte(i);
    }

    /** The underlying chunk buffer; indexes are absolute as in {@link #getByte}. */
    public ByteBuf byteBuf() {
        return buf;
    }

    /** Copies {@code len} bytes starting at absolute {@code from} into {@code dst}. */
    public void getBytes(int from, byte[] dst, int dstOff, int len) {
        buf.getBytes(from, dst, dstOff, len);
    }

    /** Appends as many of {@code src[off, off+len)} as fit; returns the number copied (mbuf_copy). */
    public int copy(byte[] src, int off, int len) {
        int n = Math.min(len, end - last);
        buf.setBytes(last, src, off, n);
        last += n;
        return n;
    }

    /** Appends {@code len} bytes of another mbuf starting at its absolute index {@code from}; returns copied. */
    public int copy(Mbuf src, int from, int len) {
        int n = Math.min(len, end - last);
        buf.setBytes(last, src.buf, from, n);
        last += n;
        return n;
    }

    /**
     * Reads from {@code ch} into {@code [last, end)} and advances last. Returns what the channel returned
     * (-1 on end of stream, 0 when it would block).
     */
    public int read(ReadableByteChannel ch) throws IOException {
        ByteBuffer v = view();
        v.limit(end).position(last);
        int n = ch.read(v);
        if (n > 0) {
            last += n;
        }
        return n;
    }

    /**
     * A scattering read: fills {@code [last, end)} of this mbuf, then of {@code spill}, in one call, and advances
     * both write markers. {@code iov} (length 2 or more) is scratch, cleared before returning. Returns what the
     * channel returned (-1 on end of stream, 0 when it would block).
     */
    public int read(ScatteringByteChannel ch, Mbuf spill, ByteBuffer[] iov) throws IOException {
        ByteBuffer a = view();
        a.limit(end).position(last);
        ByteBuffer b = spill.view();
        b.limit(spill.end).position(spill.last);
        iov[0] = a;
        iov[1] = b;
        long n;
        try {
            n = ch.read(iov, 0, 2);
        } finally {
            iov[0] = null;
            iov[1] = null;
        }
        if (n > 0) {
            int here = Math.min((int) n, end - last);
            last += here;
            spill.last += (int) n - here;
        }
        return (int) n;
    }

    /**
     * This header's view with position = pos and limit = last, ready for a gathering write. The view is
     * owned by this mbuf: after the write, advance with {@link #pos(int)} using the bytes written.
     */
    public ByteBuffer readableView() {
        ByteBuffer v = view();
        v.limit(last).position(pos);
        return v;
    }

    @Override
    public String toString() {
        return "Mbuf[start=" + start + ", pos=" + pos + ", last=" + last + ", end=" + end
                + ", refcnt=" + (chunk == null ? 0 : chunk.refcnt) + "]";
    }
}
