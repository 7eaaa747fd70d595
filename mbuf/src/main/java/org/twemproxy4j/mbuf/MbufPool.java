package org.twemproxy4j.mbuf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Mirrors nc_mbuf.c's free list ({@code mbuf_get}, {@code mbuf_put}, {@code mbuf_split}): fixed-size chunks
 * of {@link #chunkSize()} bytes of direct memory, and the {@link Mbuf} headers over them.
 *
 * <p>This pool is the only cache of chunks: by default each chunk is its own direct allocation
 * ({@link #DIRECT}, netty's unpooled allocator), taken when the free stack is empty and freed when it is full.
 * A second, preallocating pool underneath (netty's pooled allocator reserves and zeroes 4 MiB per arena at the
 * first buffer) would hold memory that no traffic asked for.
 *
 * <p>Chunks and headers are recycled through two array stacks owned by the pool. Unlike nutcracker's
 * never-shrinking free list, both stacks are bounded ({@code maxFreeChunks}): a chunk put back while the
 * stack is full is released to netty's allocator, so memory returns after a burst.
 *
 * <p>A chunk may be shared by several headers after a zero-copy {@link #split(Mbuf, int, boolean) split}
 * (pipelined requests read into one chunk are forwarded without copying); its loop-confined reference count
 * returns it when the last header is put.
 *
 * <p>Event-loop confined: one pool per event loop.
 * {@link #close()} releases every free chunk.
 */
public final class MbufPool implements AutoCloseable {
    public static final int MBUF_MIN_SIZE = 512;
    public static final int MBUF_MAX_SIZE = 16777216;
    public static final int MBUF_SIZE = 16384;

    /** The default source of chunks: one direct allocation per chunk, no pooling, no leak sampling. */
    public static final ByteBufAllocator DIRECT = new UnpooledByteBufAllocator(true, true);

    private final ByteBufAllocator alloc;
    private final int chunkSize;
    private final int maxFree;
    private Chunk[] freeChunks;
    private int nfreeChunks;
    private Mbuf[] freeMbufs;
    private int nfreeMbufs;
    private long nalloc;       // chunks allocated from netty, ever
    private long nrelease;     // chunks released to netty, ever
    private int nused;         // headers handed out and not yet put
    private boolean closed;

    /** A pool of {@code chunkSize}-byte direct chunks keeping at most {@code maxFreeChunks} idle. */
    public MbufPool(int chunkSize, int maxFreeChunks) {
        this(chunkSize, maxFreeChunks, DIRECT);
    }

    public MbufPool(int chunkSize, int maxFreeChunks, ByteBufAllocator alloc) {
        if (chunkSize < MBUF_MIN_SIZE || chunkSize > MBUF_MAX_SIZE) {
            throw new IllegalArgumentException("mbuf chunk size " + chunkSize + " not in [" + MBUF_MIN_SIZE
                    + ", " + MBUF_MAX_SIZE + "]");
        }
        if (maxFreeChunks < 0) {
            throw new IllegalArgumentException("maxFreeChunks < 0");
        }
        this.alloc = alloc;
        this.chunkSize = chunkSize;
        this.maxFree = maxFreeChunks;
        this.freeChunks = new Chunk[Math.min(maxFreeChunks, 64)];
        this.freeMbufs = new Mbuf[Math.min(maxFreeChunks, 64)];
    }

    public int chunkSize() {
        return chunkSize;
    }

    /** Idle chunks held by the pool. */
    public int nfree() {
        return nfreeChunks;
    }

    /** Headers currently handed out. */
    public int nused() {
        return nused;
    }

    public long nalloc() {
        return nalloc;
    }

    public long nrelease() {
        return nrelease;
    }

    /** A fresh mbuf owning a whole chunk, empty (mbuf_get). */
    public Mbuf get() {
        Chunk c;
        if (nfreeChunks > 0) {
            c = freeChunks[--nfreeChunks];
            freeChunks[nfreeChunks] = null;
        } else {
            c = newChunk();
        }
        Mbuf m = header();
        m.attach(c, 0, chunkSize);
        return m;
    }

    /** Returns {@code m} (which must not be on a chain) and, if it was the last sharer, its chunk (mbuf_put). */
    public void put(Mbuf m) {
        assert m.owner == null : "mbuf still on a chain";
        assert m.chunk != null : "mbuf put twice";
        Chunk c = m.chunk;
        if (m.view != null) {
            c.returnView(m.view);
        }
        m.chunk = null;
        m.buf = null;
        m.view = null;
        m.next = null;
        m.prev = null;
        nused--;
        if (--c.refcnt == 0) {
            putChunk(c);
        }
        if (nfreeMbufs < maxFree) {
            if (nfreeMbufs == freeMbufs.length) {
                freeMbufs = grow(freeMbufs);
            }
            freeMbufs[nfreeMbufs++] = m;
        }
    }

    /**
     * Splits {@code m} at absolute index {@code at} (pos &lt;= at &lt;= last): the bytes {@code [at, last)}
     * move to a new mbuf, which is returned (not linked to any chain), and {@code m} ends at {@code at}
     * (mbuf_split).
     *
     * <ul>
     *   <li>{@code copy == false} (a message boundary): zero-copy. The new header shares the chunk and takes
     *       over the rest of the region, free space included; {@code m} can no longer grow.</li>
     *   <li>{@code copy == true} (a repair of a token that straddles the chunk end): the bytes are copied to the
     *       start of a fresh chunk, so the token has room to complete.</li>
     * </ul>
     */
    public Mbuf split(Mbuf m, int at, boolean copy) {
        assert at >= m.pos && at <= m.last : "split outside [pos, last]";
        Mbuf n;
        if (copy) {
            n = get();
            n.copy(m, at, m.last - at);
            m.last = at;
        } else {
            n = header();
            n.attach(m.chunk, at, m.end);
            n.last = m.last;
            m.last = at;
            m.end = at;
        }
        return n;
    }

    private Mbuf header() {
        nused++;
        if (nfreeMbufs > 0) {
            Mbuf m = freeMbufs[--nfreeMbufs];
            freeMbufs[nfreeMbufs] = null;
            return m;
        }
        return new Mbuf();
    }

    private Chunk newChunk() {
        if (closed) {
            throw new IllegalStateException("mbuf pool closed");
        }
        ByteBuf b = alloc.directBuffer(chunkSize, chunkSize);
        nalloc++;
        return new Chunk(b);
    }

    private void putChunk(Chunk c) {
        if (!closed && nfreeChunks < maxFree) {
            if (nfreeChunks == freeChunks.length) {
                freeChunks = grow(freeChunks);
            }
            freeChunks[nfreeChunks++] = c;
        } else {
            c.buf.release();
            nrelease++;
        }
    }

    private <T> T[] grow(T[] a) {
        int n = Math.min(Math.max(a.length << 1, 16), Math.max(maxFree, 1));
        return java.util.Arrays.copyOf(a, n);
    }

    /** Releases every idle chunk; chunks still in use are released when put. */
    @Override
    public void close() {
        closed = true;
        for (int i = 0; i < nfreeChunks; i++) {
            freeChunks[i].buf.release();
            freeChunks[i] = null;
            nrelease++;
        }
        nfreeChunks = 0;
    }
}
