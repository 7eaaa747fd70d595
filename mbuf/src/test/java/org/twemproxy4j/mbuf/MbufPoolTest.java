package org.twemproxy4j.mbuf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MbufPoolTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(Mbuf m) {
        byte[] b = new byte[m.length()];
        m.getBytes(m.pos(), b, 0, b.length);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void getPutRecyclesChunkAndHeader() {
        try (MbufPool pool = new MbufPool(512, 4)) {
            Mbuf m = pool.get();
            assertEquals(0, m.pos());
            assertEquals(0, m.last());
            assertEquals(512, m.end());
            assertEquals(512, m.size());
            assertTrue(m.empty());
            assertEquals(1, pool.nused());
            pool.put(m);
            assertEquals(0, pool.nused());
            assertEquals(1, pool.nfree());
            Mbuf m2 = pool.get();
            assertSame(m, m2, "header reused");
            assertEquals(1, pool.nalloc(), "chunk reused");
            pool.put(m2);
        }
    }

    @Test
    void poolIsBounded() {
        try (MbufPool pool = new MbufPool(512, 2)) {
            Mbuf[] ms = new Mbuf[5];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = pool.get();
            }
            for (Mbuf m : ms) {
                pool.put(m);
            }
            assertEquals(2, pool.nfree());
            assertEquals(5, pool.nalloc());
            assertEquals(3, pool.nrelease());
        }
    }

    @Test
    void rejectsBadChunkSize() {
        assertThrows(IllegalArgumentException.class, () -> new MbufPool(511, 1));
        assertThrows(IllegalArgumentException.class, () -> new MbufPool(MbufPool.MBUF_MAX_SIZE + 1, 1));
    }

    @Test
    void copyStopsAtEnd() {
        try (MbufPool pool = new MbufPool(512, 4)) {
            Mbuf m = pool.get();
            byte[] big = new byte[600];
            assertEquals(512, m.copy(big, 0, big.length));
            assertTrue(m.full());
            assertEquals(0, m.copy(big, 0, 1));
            pool.put(m);
        }
    }

    @Test
    void zeroCopySplitSharesChunkUntilLastPut() {
        try (MbufPool pool = new MbufPool(512, 4)) {
            Mbuf m = pool.get();
            m.copy(bytes("GET a\r\nGET b\r\nGE"), 0, 16);
            Mbuf n = pool.split(m, 7, false);
            assertEquals("GET a\r\n", text(m));
            assertEquals("GET b\r\nGE", text(n));
            assertTrue(m.full(), "the first part can no longer grow");
            assertEquals(7, n.start());
            assertEquals(512, n.end());
            assertTrue(n.shared());
            assertSame(m.byteBuf(), n.byteBuf());
            // the second part keeps receiving into the rest of the chunk
            n.copy(bytes("T c\r\n"), 0, 5);
            assertEquals("GET b\r\nGET c\r\n", text(n));
            assertEquals("GET a\r\n", text(m), "first part untouched");
            pool.put(m);
            assertEquals(0, pool.nfree(), "chunk still used by n");
            assertFalse(n.shared());
            pool.put(n);
            assertEquals(1, pool.nfree());
        }
    }

    @Test
    void repairSplitCopiesIntoFreshChunk() {
        try (MbufPool pool = new MbufPool(512, 4)) {
            Mbuf m = pool.get();
            byte[] fill = new byte[512];
            for (int i = 0; i < fill.length; i++) {
                fill[i] = (byte) ('a' + i % 26);
            }
            m.copy(fill, 0, 512);
            Mbuf n = pool.split(m, 500, true);
            assertEquals(500, m.length());
            assertEquals(12, n.length());
            assertNotSame(m.byteBuf(), n.byteBuf());
            assertEquals(0, n.pos());
            assertEquals(500, n.size());
            assertEquals(fill[500], n.getByte(0));
            assertEquals(fill[511], n.getByte(11));
            pool.put(m);
            pool.put(n);
            assertEquals(2, pool.nfree());
        }
    }

    @Test
    void viewsOfSharersAreIndependentForGatheringWrites() throws Exception {
        try (MbufPool pool = new MbufPool(512, 4)) {
            Mbuf m = pool.get();
            m.copy(bytes("hello world"), 0, 11);
            Mbuf n = pool.split(m, 5, false);
            ByteBuffer[] iov = {m.readableView(), n.readableView()};
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            var ch = Channels.newChannel(out);
            for (ByteBuffer b : iov) {
                ch.write(b);
            }
            assertEquals("hello world", out.toString(StandardCharsets.ISO_8859_1));
            pool.put(m);
            pool.put(n);
        }
    }

    @Test
    void readFromChannel() throws Exception {
        try (MbufPool pool = new MbufPool(512, 4)) {
            Mbuf m = pool.get();
            var in = Channels.newChannel(new java.io.ByteArrayInputStream(bytes("*1\r\n$4\r\nPING\r\n")));
            assertEquals(14, m.read(in));
            assertEquals("*1\r\n$4\r\nPING\r\n", text(m));
            assertEquals(-1, m.read(in));
            pool.put(m);
        }
    }

    @Test
    void mhdrChain() {
        try (MbufPool pool = new MbufPool(512, 8)) {
            Mhdr h = new Mhdr();
            assertTrue(h.isEmpty());
            Mbuf a = pool.get();
            Mbuf b = pool.get();
            Mbuf c = pool.get();
            h.insert(a);
            h.insert(c);
            h.insertAfter(a, b);
            assertSame(a, h.first());
            assertSame(b, a.next());
            assertSame(c, b.next());
            assertSame(c, h.last());
            assertEquals(3, h.count());
            a.copy(new byte[3], 0, 3);
            c.copy(new byte[4], 0, 4);
            assertEquals(7, h.length());
            h.remove(b);
            assertSame(c, a.next());
            assertSame(a, c.prev());
            assertNull(b.next());
            pool.put(b);
            Mbuf d = pool.get();
            h.insertHead(d);
            assertSame(d, h.first());
            h.putAll(pool);
            assertTrue(h.isEmpty());
            assertEquals(0, pool.nused());
        }
    }

    /** Direct memory in use, whichever way netty allocates it (JDK buffers or its own no-cleaner ones). */
    private static long directBytes() {
        long jdk = 0;
        for (java.lang.management.BufferPoolMXBean b
                : java.lang.management.ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                jdk = b.getMemoryUsed();
            }
        }
        return jdk + Math.max(0, io.netty.util.internal.PlatformDependent.usedDirectMemory());
    }

    @Test
    void theDefaultPoolTakesDirectMemoryChunkByChunkAndGivesItBack() {
        long before = directBytes();
        try (MbufPool pool = new MbufPool(MbufPool.MBUF_SIZE, 1)) {
            Mbuf a = pool.get();
            assertEquals(MbufPool.MBUF_SIZE, directBytes() - before, "one chunk costs its size, no arena");
            Mbuf b = pool.get();
            assertEquals(2L * MbufPool.MBUF_SIZE, directBytes() - before);
            pool.put(a); // kept: the free stack holds one
            pool.put(b); // beyond the bound: freed
            assertEquals(MbufPool.MBUF_SIZE, directBytes() - before);
            assertEquals(2, pool.nalloc());
            assertEquals(1, pool.nrelease());
        }
        assertEquals(0, directBytes() - before, "close frees the idle chunk");
    }
}

