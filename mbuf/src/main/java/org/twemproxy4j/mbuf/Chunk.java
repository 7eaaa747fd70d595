package org.twemproxy4j.mbuf;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/**
 * One fixed-size pooled {@link ByteBuf} shared by the {@link Mbuf}s that hold disjoint regions of it.
 *
 * <p>The reference count is loop-confined (a plain int): it counts the {@code Mbuf} headers that point into
 * this chunk. The chunk goes back to its {@link MbufPool} when the last of them is put. Each header
 * borrows, when it first does I/O, its own NIO view ({@link ByteBuffer} over the whole chunk, position/limit free) from a small
 * per-chunk stack, so two headers of one chunk may sit in the same gathering write; views are created
 * only the first time a chunk has that many sharers doing I/O at once (at most 64 are kept per chunk).
 *
 * <p>Event-loop confined.
 */
final class Chunk {
    final ByteBuf buf;         // the pooled memory, capacity == chunk size
    int refcnt;                // number of Mbuf headers pointing here
    private static final int MAX_VIEWS = 64;
    private ByteBuffer[] views = new ByteBuffer[2];
    private int nviews;        // free views on the stack

    Chunk(ByteBuf buf) {
        this.buf = buf;
    }

    ByteBuffer takeView() {
        if (nviews > 0) {
            ByteBuffer v = views[--nviews];
            views[nviews] = null;
            return v;
        }
        return buf.nioBuffer(0, buf.capacity());
    }

    void returnView(ByteBuffer v) {
        if (nviews == MAX_VIEWS) {
            return; // let the garbage collector have it: bounds the memory of a much-shared chunk
        }
        if (nviews == views.length) {
            ByteBuffer[] n = new ByteBuffer[views.length << 1];
            System.arraycopy(views, 0, n, 0, nviews);
            views = n;
        }
        views[nviews++] = v;
    }
}
