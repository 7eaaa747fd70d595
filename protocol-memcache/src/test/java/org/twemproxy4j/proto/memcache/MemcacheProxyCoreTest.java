package org.twemproxy4j.proto.memcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.twemproxy4j.proto.memcache.MemcacheHarness.ascii;
import static org.twemproxy4j.proto.memcache.MemcacheHarness.show;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The core and the memcache protocol together over real sockets and real memcached backends; a third memcached
 * outside the pool is the oracle for what memcached itself answers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MemcacheProxyCoreTest {
    private static MemcacheHarness h;
    private static int oracle;

    @BeforeAll
    static void setUp() throws Exception {
        h = new MemcacheHarness();
        int m1 = h.startMemcached();
        int m2 = h.startMemcached();
        oracle = h.startMemcached();
        h.startProxy(512, m1, m2);
    }

    @AfterAll
    static void tearDown() {
        h.close();
    }

    private static String roundTrip(Socket s, String req, int n) throws Exception {
        MemcacheHarness.write(s, ascii(req));
        return new String(MemcacheHarness.read(s, n), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void setGetDeleteIncr() throws Exception {
        try (Socket s = MemcacheHarness.connect(h.port)) {
            assertEquals("STORED\r\n", roundTrip(s, "set k1 5 0 3\r\nabc\r\n", 8));
            assertEquals("VALUE k1 5 3\r\nabc\r\nEND\r\n", roundTrip(s, "get k1\r\n", 24));
            assertEquals("STORED\r\n", roundTrip(s, "set n 0 0 1\r\n7\r\n", 8));
            assertEquals("10\r\n", roundTrip(s, "incr n 3\r\n", 4));
            assertEquals("DELETED\r\n", roundTrip(s, "delete k1\r\n", 9));
            assertEquals("END\r\n", roundTrip(s, "get k1\r\n", 5));
            assertTrue(roundTrip(s, "version\r\n", 16).startsWith("VERSION "));
        }
    }

    @Test
    void pipelinedAcrossServersKeepsOrder() throws Exception {
        try (Socket s = MemcacheHarness.connect(h.port)) {
            StringBuilder req = new StringBuilder();
            StringBuilder want = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                String v = "v" + i;
                req.append("set pk").append(i).append(" 0 0 ").append(v.length()).append("\r\n").append(v).append("\r\n");
                want.append("STORED\r\n");
            }
            for (int i = 0; i < 2000; i++) {
                String v = "v" + i;
                req.append("get pk").append(i).append("\r\n");
                want.append("VALUE pk").append(i).append(" 0 ").append(v.length()).append("\r\n").append(v)
                        .append("\r\nEND\r\n");
            }
            assertEquals(want.toString(), roundTrip(s, req.toString(), want.length()));
        }
    }

    @Test
    void noreplyIsNotAnswered() throws Exception {
        try (Socket s = MemcacheHarness.connect(h.port)) {
            assertEquals("VALUE nr 0 1\r\nx\r\nEND\r\n",
                    roundTrip(s, "set nr 0 0 1 noreply\r\nx\r\nget nr\r\n", 22));
            assertEquals("END\r\n", roundTrip(s, "delete nr noreply\r\nget nr\r\n", 5));
        }
    }

    @Test
    void largeValuesIn512ByteMbufs() throws Exception {
        try (Socket s = MemcacheHarness.connect(h.port)) {
            for (int len : new int[] {0, 511, 512, 513, 100_000, 1024 * 1024 - 512}) {
                byte[] v = new byte[len];
                for (int i = 0; i < len; i++) {
                    v[i] = (byte) ('a' + i % 26);
                }
                ByteArrayOutputStream req = new ByteArrayOutputStream();
                req.writeBytes(ascii("set big" + len + " 0 0 " + len + "\r\n"));
                req.writeBytes(v);
                req.writeBytes(ascii("\r\nget big" + len + "\r\n"));
                MemcacheHarness.write(s, req.toByteArray());
                ByteArrayOutputStream want = new ByteArrayOutputStream();
                want.writeBytes(ascii("STORED\r\nVALUE big" + len + " 0 " + len + "\r\n"));
                want.writeBytes(v);
                want.writeBytes(ascii("\r\nEND\r\n"));
                byte[] got = MemcacheHarness.read(s, want.size());
                assertEquals(show(want.toByteArray()), show(got), "len " + len);
            }
        }
    }

    /** Bad input gets exactly the bytes memcached itself sends for it, and the connection stays usable. */
    @Test
    void badInputAsMemcachedAnswers() throws Exception {
        String[] cases = {
            "GET a\r\n", "foo\r\n", "get\r\n", "\r\n", "set a 0 0 x\r\n", "set a 0 0 -1\r\n",
            "set a 0 0 3\r\nabcd\r\n", "set a 0 0 3\r\nabcXY", "set a abc 0 1\r\nx\r\n", "cas a 0 0 1\r\nx\r\n",
            "delete a 5\r\n", "incr a x\r\n", "touch a x\r\n", "get " + "k".repeat(251) + "\r\n",
            "set " + "k".repeat(251) + " 0 0 1\r\nx\r\n", "set a 0 0 1 noreply extra\r\nx\r\n",
            "set a 0 0 3 noreply\r\nabcd\r\n", "incr a noreply\r\n",
        };
        for (String c : cases) {
            String full = c + "get zz\r\n";
            byte[] want;
            try (Socket o = MemcacheHarness.connect(oracle)) {
                MemcacheHarness.write(o, ascii(full));
                want = MemcacheHarness.drain(o, 300, new boolean[1]);
            }
            try (Socket s = MemcacheHarness.connect(h.port)) {
                MemcacheHarness.write(s, ascii(full));
                boolean[] closed = new boolean[1];
                byte[] first = MemcacheHarness.read(s, want.length);
                byte[] more = MemcacheHarness.drain(s, 200, closed);
                byte[] got = java.util.Arrays.copyOf(first, first.length + more.length);
                System.arraycopy(more, 0, got, first.length, more.length);
                assertEquals(show(want), show(got), "for " + show(ascii(c)));
                assertTrue(!closed[0], "closed after " + show(ascii(c)));
            }
        }
    }

    /** Commands beyond nutcracker's: local answers, whole-pool commands, meta commands (quiet too), gat. */
    @Test
    void commandsBeyondNutcracker() throws Exception {
        try (Socket s = MemcacheHarness.connect(h.port)) {
            assertEquals("OK\r\n", roundTrip(s, "verbosity 1\r\n", 4));
            assertEquals("MN\r\n", roundTrip(s, "mn\r\n", 4));
            assertEquals("VERSION 1.6.0 twemproxy4j-0.5.0\r\n", roundTrip(s, "version\r\n", 33));
            assertEquals("ERROR\r\n", roundTrip(s, "stats items\r\n", 7));
            assertEquals("OK\r\n", roundTrip(s, "flush_all\r\n", 4));
            assertEquals("HD\r\n", roundTrip(s, "ms qa 2 T0\r\nhi\r\n", 4));
            assertEquals("VA 2 f0\r\nhi\r\n", roundTrip(s, "mg qa v f\r\n", 13));
            // quiet: the miss and the stored reply are left out, the hit is not; mn ends the batch
            assertEquals("VA 2\r\nhi\r\nMN\r\n",
                    roundTrip(s, "mg nosuch v q\r\nms qb 1 q\r\nx\r\nmg qa v q\r\nmn\r\n", 16));
            assertEquals("VALUE qa 0 2\r\nhi\r\nVALUE qb 0 1\r\nx\r\nEND\r\n",
                    roundTrip(s, "gat 100 qa qb nosuch\r\n", 40));
            // no reply to flush_all noreply: the next reply is the miss after the flush
            assertEquals("EN\r\n", roundTrip(s, "flush_all noreply\r\nmg qa v\r\n", 4));
            MemcacheHarness.write(s, ascii("stats\r\n"));
            StringBuilder all = new StringBuilder();
            while (all.indexOf("END\r\n") < 0) {
                all.append(new String(MemcacheHarness.read(s, 1), java.nio.charset.StandardCharsets.ISO_8859_1));
            }
            assertTrue(all.toString().startsWith("STAT pid "), all::toString);
            assertTrue(all.indexOf("STAT servers 2\r\n") > 0, all::toString);
            assertTrue(all.indexOf("STAT curr_items ") > 0, all::toString);
        }
    }

    @Test
    void quitClosesAfterEarlierReplies() throws Exception {
        try (Socket s = MemcacheHarness.connect(h.port)) {
            MemcacheHarness.write(s, ascii("get q1\r\nquit\r\nget q2\r\n"));
            boolean[] closed = new boolean[1];
            assertEquals("END\\r\\n", show(MemcacheHarness.drain(s, 1000, closed)));
            assertTrue(closed[0]);
        }
    }

    @Test
    void multiGetAcrossServersInKeyOrder() throws Exception {
        try (Socket s = MemcacheHarness.connect(h.port)) {
            StringBuilder set = new StringBuilder();
            StringBuilder get = new StringBuilder("get");
            StringBuilder want = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                set.append("set mk").append(i).append(" ").append(i).append(" 0 2\r\nv").append(i % 10).append("\r\n");
                get.append(" mk").append(i);
                want.append("VALUE mk").append(i).append(" ").append(i).append(" 2\r\nv").append(i % 10).append("\r\n");
            }
            want.append("END\r\n");
            assertEquals("STORED\r\n".repeat(50), roundTrip(s, set.toString(), 8 * 50));
            assertEquals(want.toString(), roundTrip(s, get + "\r\n", want.length()));
        }
    }
}
