package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.MemcachedServer;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * The memcache commands beyond nutcracker's, through twemproxy4j (its own JVM) in front of real memcached 1.6
 * servers: meta commands by key (and the proxy's handling of their {@code q} flag), gat/gats split and merged,
 * flush_all and stats over every server, the local version/verbosity/mn, spymemcached used as an application
 * uses it, and libmemcached's protocol checker {@code memccapable -a} against memcached and through the proxy.
 *
 * <p>Pool {@code mc} has three servers; pool {@code mcf} has one ordinary server and one started with
 * {@code -F} (flush_all disabled), to show flush_all is OK only when every server says OK.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MemcacheCommandsIT {
    private static final List<MemcachedServer> backends = new ArrayList<>();
    private static MemcachedServer plain;
    private static MemcachedServer noFlush;
    private static Twemproxy4jProcess proxy;
    private static int port;
    private static int portF;

    @BeforeAll
    static void start() {
        for (int i = 0; i < 3; i++) {
            backends.add(MemcachedServer.start());
        }
        plain = MemcachedServer.start();
        noFlush = MemcachedServer.start("-F");
        port = Ports.free();
        portF = Ports.free();
        StringBuilder y = new StringBuilder("mc:\n  listen: 127.0.0.1:" + port + "\n  hash: md5\n"
                + "  distribution: ketama\n  timeout: 5000\n  servers:\n");
        for (MemcachedServer m : backends) {
            y.append("   - ").append(m.address()).append(":1\n");
        }
        y.append("mcf:\n  listen: 127.0.0.1:").append(portF).append("\n  timeout: 5000\n  servers:\n")
                .append("   - ").append(plain.address()).append(":1\n")
                .append("   - ").append(noFlush.address()).append(":1\n");
        proxy = Twemproxy4jProcess.start(y.toString());
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        for (MemcachedServer m : backends) {
            m.close();
        }
        if (plain != null) {
            plain.close();
        }
        if (noFlush != null) {
            noFlush.close();
        }
    }

    /** A text connection: writes requests, reads lines and byte counts. */
    private static final class Conn implements AutoCloseable {
        final Socket s;
        final InputStream in;

        Conn(int p) throws IOException {
            s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", p), 2000);
            s.setSoTimeout(10_000);
            in = new BufferedInputStream(s.getInputStream());
        }

        Conn send(String req) throws IOException {
            s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        /** One line, with its CRLF. */
        String line() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int prev = -1;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed after " + out);
                }
                out.write(b);
                if (prev == '\r' && b == '\n') {
                    return out.toString(StandardCharsets.ISO_8859_1);
                }
                prev = b;
            }
        }

        /** Lines up to and including {@code last}. */
        String until(String last) throws IOException {
            StringBuilder sb = new StringBuilder();
            String l;
            do {
                l = line();
                sb.append(l);
            } while (!l.equals(last));
            return sb.toString();
        }

        String rt(String req) throws IOException {
            return send(req).line();
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    /** The numeric STAT lines of a {@code stats} reply. */
    private static Map<String, Long> stats(String reply) {
        Map<String, Long> m = new HashMap<>();
        for (String l : reply.split("\r\n")) {
            String[] w = l.split(" ");
            if (w.length == 3 && w[0].equals("STAT") && w[2].matches("-?\\d+")) {
                m.put(w[1], Long.parseLong(w[2]));
            }
        }
        return m;
    }

    private static Map<String, Long> direct(MemcachedServer m) throws IOException {
        try (Conn c = new Conn(m.port())) {
            return stats(c.send("stats\r\n").until("END\r\n"));
        }
    }

    @Test
    void localCommands() throws IOException {
        try (Conn c = new Conn(port)) {
            assertEquals("VERSION 1.6.0 twemproxy4j-0.5.0\r\n", c.rt("version\r\n"));
            assertEquals("OK\r\n", c.rt("verbosity 1\r\n"));
            assertEquals("MN\r\n", c.rt("verbosity 1 noreply\r\nmn\r\n"));
            assertEquals("MN\r\n", c.rt("verbosity noreply\r\nmn\r\n"));
            assertEquals("CLIENT_ERROR bad command line format\r\n", c.rt("verbosity x\r\n"));
            assertEquals("ERROR\r\n", c.rt("stats items\r\n"));
            assertEquals("ERROR\r\n", c.rt("mx a\r\n"));
        }
    }

    /** Meta commands by key: stored where get finds them, with their flags; ma, md, me; ms errors. */
    @Test
    void metaCommands() throws IOException {
        try (Conn c = new Conn(port)) {
            for (int i = 0; i < 60; i++) {
                assertEquals("HD\r\n", c.rt("ms meta:" + i + " " + String.valueOf(i).length() + " F" + i + " T0\r\n"
                        + i + "\r\n"));
            }
            for (int i = 0; i < 60; i++) {
                String v = String.valueOf(i);
                assertEquals("VALUE meta:" + i + " " + i + " " + v.length() + "\r\n" + v + "\r\nEND\r\n",
                        c.send("get meta:" + i + "\r\n").until("END\r\n"));
                assertEquals("VA " + v.length() + " f" + i + " kmeta:" + i + " Oop" + i + "\r\n",
                        c.rt("mg meta:" + i + " v f k Oop" + i + "\r\n"));
                assertEquals(v + "\r\n", c.line());
            }
            // placed by key: each is on exactly one server, and every server holds some of them
            int[] held = new int[backends.size()];
            StringBuilder where = new StringBuilder();
            for (int i = 0; i < 60; i++) {
                int n = 0;
                for (int b = 0; b < backends.size(); b++) {
                    try (Conn d = new Conn(backends.get(b).port())) {
                        String r = d.rt("mg meta:" + i + "\r\n");
                        where.append(r.trim()).append(b).append(' ');
                        if (r.equals("HD\r\n")) {
                            held[b]++;
                            n++;
                        }
                    }
                }
                assertEquals(1, n, "meta:" + i + " " + where);
            }
            int holding = 0;
            for (int h : held) {
                holding += h > 0 ? 1 : 0;
            }
            assertEquals(backends.size(), holding, "spread over servers " + java.util.Arrays.toString(held));
            assertEquals("EN\r\n", c.rt("mg nosuch v\r\n"));
            assertEquals("HD\r\n", c.rt("ms cnt 1\r\n5\r\n"));
            assertEquals("VA 1\r\n", c.rt("ma cnt D3 v\r\n"));
            assertEquals("8\r\n", c.line());
            assertEquals("NF\r\n", c.rt("ma nosuch\r\n"));
            assertTrue(c.rt("me cnt\r\n").startsWith("ME cnt exp=-1 "));
            assertEquals("HD\r\n", c.rt("md cnt\r\n"));
            assertEquals("NF\r\n", c.rt("md cnt\r\n"));
            assertEquals("EN\r\n", c.rt("me cnt\r\n"));
            // ms compare-and-swap
            String cas = c.rt("mg meta:1 c\r\n");
            assertTrue(cas.startsWith("HD c"), cas);
            String unique = cas.substring(4, cas.length() - 2);
            assertEquals("EX\r\n", c.rt("ms meta:1 1 C" + (Long.parseLong(unique) + 1) + "\r\nx\r\n"));
            assertEquals("HD\r\n", c.rt("ms meta:1 1 C" + unique + "\r\nx\r\n"));
        }
        // errors: the same replies as memcached's own, byte for byte (a refused ms consumes no block, so its data
        // is read as a command; a block too long is cut where memcached cuts it)
        String errors = "ms a x\r\nms a\r\nmg\r\nms a 1 !\r\nx\r\nms a 1\r\nxy\r\n"
                + "ms " + "k".repeat(251) + " 1\r\nx\r\nms a 1" + " T1".repeat(17) + "\r\nx\r\nmg a v\r\nmn\r\n";
        String want;
        try (Conn d = new Conn(plain.port())) {
            want = d.send(errors).until("MN\r\n");
        }
        assertTrue(want.startsWith("CLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command line format\r\n"
                + "ERROR\r\nCLIENT_ERROR invalid flag\r\nCLIENT_ERROR bad data chunk\r\nERROR\r\n"), want);
        try (Conn c = new Conn(port)) {
            assertEquals(want, c.send(errors).until("MN\r\n"));
        }
    }

    /** q: memcached leaves out the uneventful replies; so does the proxy, and the batch ends with mn. */
    @Test
    void quietMetaBatch() throws IOException {
        try (Conn c = new Conn(port)) {
            StringBuilder req = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                req.append("ms qb:").append(i).append(" 1 q\r\n").append(i % 10).append("\r\n");
            }
            for (int i = 0; i < 40; i++) {
                req.append("mg qb:").append(i).append(" v k q\r\n");
            }
            req.append("md qb:0 q\r\nmd qb:0 q\r\nma qb:1 q\r\nma nosuch q\r\nmn\r\n");
            StringBuilder want = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                want.append("VA 1 kqb:").append(i).append("\r\n").append(i % 10).append("\r\n");
            }
            want.append("NF\r\nNF\r\nMN\r\n");
            assertEquals(want.toString(), c.send(req.toString()).until("MN\r\n"));
            assertEquals("VA 1\r\n", c.rt("mg qb:1 v\r\n"));
            assertEquals("2\r\n", c.line());
        }
    }

    /** The VALUE blocks of a one-line-values reply, sorted, and its last line. */
    private static List<String> blocks(String reply) {
        String[] l = reply.split("\r\n");
        List<String> out = new ArrayList<>();
        for (int i = 0; i + 1 < l.length; i += 2) {
            out.add(l[i] + "|" + l[i + 1]);
        }
        java.util.Collections.sort(out);
        out.add(l[l.length - 1]);
        return out;
    }

    /** gat/gats: one key forwarded, several split and merged in key order; the exptime reaches every server. */
    @Test
    void gatAndGats() throws IOException {
        try (Conn c = new Conn(port)) {
            StringBuilder want = new StringBuilder();
            StringBuilder keys = new StringBuilder();
            for (int i = 0; i < 30; i++) {
                assertEquals("STORED\r\n", c.rt("set gat:" + i + " " + i + " 0 1\r\n" + (i % 10) + "\r\n"));
                keys.append(" gat:").append(i).append(i % 3 == 0 ? " nosuch:" + i : "");
                want.append("VALUE gat:").append(i).append(' ').append(i).append(" 1\r\n").append(i % 10).append("\r\n");
            }
            want.append("END\r\n");
            // every present key's block once, END last (the order is nutcracker's merge order, as for get)
            assertEquals(blocks(want.toString()), blocks(c.send("gat 1000" + keys + "\r\n").until("END\r\n")));
            for (int i = 0; i < 30; i++) {
                String me = c.rt("me gat:" + i + "\r\n");
                // me prints the time left as a negative number
                assertTrue(me.matches("ME gat:" + i + " exp=-(999|1000) .*\r\n"), me);
            }
            String gats = c.send("gats 0 gat:1 gat:2\r\n").until("END\r\n");
            assertTrue(gats.matches("VALUE gat:1 1 1 \\d+\r\n1\r\nVALUE gat:2 2 1 \\d+\r\n2\r\nEND\r\n"), gats);
            assertEquals("VALUE gat:3 3 1\r\n", c.rt("gat 0 gat:3\r\n"));
            assertEquals("3\r\nEND\r\n", c.line() + c.line());
            assertEquals("CLIENT_ERROR invalid exptime argument\r\n", c.rt("gat x gat:3\r\n"));
            assertEquals("ERROR\r\n", c.rt("gat 10\r\n"));
        }
    }

    /** flush_all reaches every server; noreply is silent; OK only when every server says OK. */
    @Test
    void flushAll() throws IOException {
        try (Conn c = new Conn(port)) {
            for (int i = 0; i < 30; i++) {
                assertEquals("STORED\r\n", c.rt("set fl:" + i + " 0 0 1\r\nx\r\n"));
            }
            assertEquals("OK\r\n", c.rt("flush_all\r\n"));
            for (MemcachedServer m : backends) {
                try (Conn d = new Conn(m.port())) {
                    for (int i = 0; i < 30; i++) {
                        assertEquals("EN\r\n", d.rt("mg fl:" + i + "\r\n"));
                    }
                }
            }
            assertEquals("STORED\r\n", c.rt("set fl:a 0 0 1\r\nx\r\n"));
            // no reply to flush_all noreply: the next reply is the miss after it
            assertEquals("EN\r\n", c.rt("flush_all noreply\r\nmg fl:a\r\n"));
            assertEquals("OK\r\n", c.rt("flush_all 0\r\n"));
            assertEquals("CLIENT_ERROR bad command line format\r\n", c.rt("flush_all x\r\n"));
        }
        try (Conn c = new Conn(portF)) {
            assertEquals("CLIENT_ERROR flush_all not allowed\r\n", c.rt("flush_all\r\n"));
            assertEquals("MN\r\n", c.rt("flush_all noreply\r\nmn\r\n"));
        }
    }

    /** stats: the proxy's own lines, and the servers' counters summed (nothing else runs against them here). */
    @Test
    void statsSumsTheServers() throws IOException {
        try (Conn c = new Conn(portF)) {
            for (int i = 0; i < 20; i++) {
                assertEquals("STORED\r\n", c.rt("set st:" + i + " 0 0 3\r\nabc\r\n"));
                c.send("get st:" + i + " nosuch:" + i + "\r\n").until("END\r\n");
            }
            String reply = c.send("stats\r\n").until("END\r\n");
            assertTrue(reply.startsWith("STAT pid "), reply);
            assertTrue(reply.contains("STAT version 1.6.0 twemproxy4j-0.5.0\r\n"), reply);
            assertTrue(reply.contains("STAT servers 2\r\n"), reply);
            Map<String, Long> got = stats(reply);
            Map<String, Long> a = direct(plain);
            Map<String, Long> b = direct(noFlush);
            for (String k : new String[] {"curr_items", "bytes", "total_items", "get_hits", "get_misses",
                "cmd_set", "limit_maxbytes"}) {
                assertEquals(a.get(k) + b.get(k), got.get(k), k + " in " + reply);
            }
            assertEquals(20L, got.get("curr_items"));
            assertNotEquals(0L, got.get("bytes"));
        }
    }

    /** spymemcached as an application uses it: set, get, multi-get, gets and cas, through the proxy. */
    @Test
    void spymemcachedClient() throws Exception {
        MemcachedClient mc = new MemcachedClient(new InetSocketAddress("127.0.0.1", port));
        try {
            Map<String, Object> want = new LinkedHashMap<>();
            for (int i = 0; i < 100; i++) {
                assertTrue(mc.set("spy:" + i, 0, "value-" + i).get(5, TimeUnit.SECONDS));
                want.put("spy:" + i, "value-" + i);
            }
            assertEquals("value-7", mc.get("spy:7"));
            assertNull(mc.get("spy:nosuch"));
            List<String> keys = new ArrayList<>(want.keySet());
            keys.add("spy:nosuch");
            assertEquals(want, mc.getBulk(keys));
            CASValue<Object> cv = mc.gets("spy:3");
            assertEquals("value-3", cv.getValue());
            assertEquals(CASResponse.OK, mc.cas("spy:3", cv.getCas(), "changed"));
            assertEquals(CASResponse.EXISTS, mc.cas("spy:3", cv.getCas(), "again"));
            assertEquals("changed", mc.get("spy:3"));
            assertTrue(mc.delete("spy:3").get(5, TimeUnit.SECONDS));
            assertEquals(10L, mc.incr("spy:ctr", 1, 10));
            assertEquals(11L, mc.incr("spy:ctr", 1, 10));
        } finally {
            mc.shutdown(5, TimeUnit.SECONDS);
        }
    }

    /** The ascii tests of {@code memccapable -a}: name to verdict ("pass", "fail", ...). */
    private static Map<String, String> memccapable(int p) throws Exception {
        Process pr = new ProcessBuilder("memccapable", "-a", "-t", "5", "-h", "127.0.0.1", "-p", Integer.toString(p))
                .redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS), "memccapable did not finish");
        Map<String, String> verdicts = new LinkedHashMap<>();
        // "ascii set noreply   [pass]"; a failure's "[FAIL]" may come on the next line
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(ascii [a-z]+(?: noreply)?)\\s*\\[(\\w+)\\]")
                .matcher(out);
        while (m.find()) {
            verdicts.put(m.group(1), m.group(2));
        }
        assertTrue(verdicts.size() >= 20, "memccapable output: " + out);
        return verdicts;
    }

    /** Every ascii test of memccapable that passes against memcached passes through the proxy (3 servers). */
    @Test
    void memccapablePassesThroughTheProxy() throws Exception {
        Map<String, String> direct = memccapable(backends.get(0).port());
        Map<String, String> proxied = memccapable(port);
        for (Map.Entry<String, String> e : direct.entrySet()) {
            if (e.getValue().equals("pass")) {
                assertEquals("pass", proxied.get(e.getKey()), e.getKey() + ": direct " + direct + " proxied " + proxied);
            }
        }
        assertEquals(direct.keySet(), proxied.keySet());
    }
}
