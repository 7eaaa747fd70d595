package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.MemcachedServer;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * twemproxy4j (the launcher, in its own JVM, with {@code -m 512}) in front of four real memcached backends, driven
 * with raw sockets: twemproxy's tests/test_memcache cases (set/get/incr/delete, multi-get of many keys with
 * missing ones), values up to 1 MiB across 512-byte mbufs, pipelines of 10,000 requests, requests written one
 * byte at a time, noreply, quit, and bad input that costs only its own connection nothing but a reply.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MemcacheProxyIT {
    private static final List<MemcachedServer> backends = new ArrayList<>();
    private static Twemproxy4jProcess proxy;
    private static int port;

    @BeforeAll
    static void start() {
        for (int i = 0; i < 4; i++) {
            backends.add(MemcachedServer.start());
        }
        port = Ports.free();
        StringBuilder y = new StringBuilder("mc:\n  listen: 127.0.0.1:" + port + "\n  hash: fnv1a_64\n"
                + "  distribution: ketama\n  timeout: 5000\n  servers:\n");
        for (MemcachedServer m : backends) {
            y.append("   - ").append(m.address()).append(":1\n");
        }
        proxy = Twemproxy4jProcess.start(y.toString(), "-m", "512");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        for (MemcachedServer m : backends) {
            m.close();
        }
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String rt(Socket s, String req, int n) throws IOException {
        s.getOutputStream().write(ascii(req));
        return new String(readN(s, n), StandardCharsets.ISO_8859_1);
    }

    private static byte[] readN(Socket s, int n) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            while (out.size() < n) {
                int r = in.read(buf, 0, Math.min(buf.length, n - out.size()));
                if (r < 0) {
                    break;
                }
                out.write(buf, 0, r);
            }
        } catch (SocketTimeoutException e) {
            // return what came
        }
        return out.toByteArray();
    }

    /** True when the peer closes within 3 s. */
    private static boolean closedByPeer(Socket s) throws IOException {
        s.setSoTimeout(3000);
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static String value(String key, int flags, String v) {
        return "VALUE " + key + " " + flags + " " + v.length() + "\r\n" + v + "\r\n";
    }

    /** tests/test_memcache/test_gets.py: set, get, incr, delete. */
    @Test
    void basic() throws IOException {
        try (Socket s = connect()) {
            assertEquals("STORED\r\n", rt(s, "set k 0 0 1\r\nv\r\n", 8));
            assertEquals(value("k", 0, "v") + "END\r\n", rt(s, "get k\r\n", 21));
            assertEquals("STORED\r\n", rt(s, "set num 0 0 1\r\n1\r\n", 8));
            assertEquals("11\r\n", rt(s, "incr num 10\r\n", 4));
            assertEquals("DELETED\r\n", rt(s, "delete k\r\n", 9));
            assertEquals("END\r\n", rt(s, "get k\r\n", 5));
        }
    }

    /** tests/test_memcache/test_gets.py: multi-get of many keys, some missing, over every server. */
    @Test
    void multiGetLargeWithMissingKeys() throws IOException {
        try (Socket s = connect()) {
            StringBuilder set = new StringBuilder();
            for (int i = 0; i < 1000; i += 2) {
                set.append("set mg:").append(i).append(" ").append(i).append(" 0 ").append(String.valueOf(i * 31).length())
                        .append("\r\n").append(i * 31).append("\r\n");
            }
            assertEquals("STORED\r\n".repeat(500), rt(s, set.toString(), 8 * 500));
            // present keys only, in any order of servers: the reply follows the client's key order
            StringBuilder get = new StringBuilder("get");
            StringBuilder want = new StringBuilder();
            for (int i = 998; i >= 0; i -= 2) {
                get.append(" mg:").append(i);
                want.append(value("mg:" + i, i, String.valueOf(i * 31)));
            }
            want.append("END\r\n");
            assertEquals(want.toString(), rt(s, get + "\r\n", want.length()));
            // with missing keys the hits still all come, once each, with one END
            StringBuilder get2 = new StringBuilder("get");
            for (int i = 0; i < 1000; i++) {
                get2.append(" mg:").append(i);
            }
            String got = rt(s, get2 + "\r\n", want.length());
            assertEquals(want.length(), got.length());
            assertTrue(got.endsWith("END\r\n") && got.indexOf("END\r\n") == got.length() - 5, got);
            for (int i = 0; i < 1000; i += 2) {
                assertTrue(got.contains(value("mg:" + i, i, String.valueOf(i * 31))), "mg:" + i);
            }
        }
    }

    @Test
    void valuesUpTo1MiBAcross512ByteMbufs() throws IOException {
        Random rnd = new Random(42);
        try (Socket s = connect()) {
            for (int len : new int[] {0, 1, 509, 510, 511, 512, 513, 1023, 1024, 65536, 1024 * 1024 - 1024}) {
                byte[] v = new byte[len];
                rnd.nextBytes(v);
                ByteArrayOutputStream req = new ByteArrayOutputStream();
                req.writeBytes(ascii("set v" + len + " 9 0 " + len + "\r\n"));
                req.writeBytes(v);
                req.writeBytes(ascii("\r\nget v" + len + "\r\ngets v" + len + " v" + len + "x v" + len + "\r\n"));
                s.getOutputStream().write(req.toByteArray());
                byte[] head = ascii("STORED\r\nVALUE v" + len + " 9 " + len + "\r\n");
                int tail = 2 + 5;
                byte[] got = readN(s, head.length + len + tail);
                ByteArrayOutputStream want = new ByteArrayOutputStream();
                want.writeBytes(head);
                want.writeBytes(v);
                want.writeBytes(ascii("\r\nEND\r\n"));
                assertTrue(java.util.Arrays.equals(want.toByteArray(), got), "value of " + len + " bytes");
                // the multi-get: the same value twice (gets adds the cas unique), one END
                byte[] line = readLine(s);
                assertTrue(new String(line, StandardCharsets.ISO_8859_1).startsWith("VALUE v" + len + " 9 " + len + " "));
                byte[] data = readN(s, len + 2);
                assertTrue(java.util.Arrays.equals(v, java.util.Arrays.copyOf(data, len)));
                readLine(s);
                readN(s, len + 2);
                assertEquals("END\r\n", new String(readN(s, 5), StandardCharsets.ISO_8859_1));
            }
        }
    }

    private static byte[] readLine(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        int c;
        while ((c = in.read()) >= 0) {
            out.write(c);
            if (c == '\n') {
                break;
            }
        }
        return out.toByteArray();
    }

    @Test
    void pipelineOf10000() throws IOException {
        try (Socket s = connect()) {
            StringBuilder req = new StringBuilder();
            StringBuilder want = new StringBuilder();
            for (int i = 0; i < 5000; i++) {
                req.append("set p").append(i).append(" 0 0 ").append(String.valueOf(i).length()).append("\r\n")
                        .append(i).append("\r\n");
                want.append("STORED\r\n");
            }
            for (int i = 0; i < 5000; i++) {
                req.append("get p").append(i).append("\r\n");
                want.append(value("p" + i, 0, String.valueOf(i))).append("END\r\n");
            }
            Thread w = writer(s, ascii(req.toString()));
            assertEquals(want.toString(), new String(readN(s, want.length()), StandardCharsets.ISO_8859_1));
            join(w);
        }
    }

    @Test
    void oneByteAtATime() throws IOException, InterruptedException {
        try (Socket s = connect()) {
            s.setTcpNoDelay(true);
            byte[] req = ascii("set slow 3 0 5\r\nab\r\nc\r\nget slow x\r\nincr nope 1\r\ndelete slow noreply\r\nget slow\r\n");
            OutputStream out = s.getOutputStream();
            for (byte b : req) {
                out.write(b);
                out.flush();
                Thread.sleep(1); // the scenario: each byte its own segment, arriving apart
            }
            String want = "STORED\r\n" + value("slow", 3, "ab\r\nc") + "END\r\nNOT_FOUND\r\nEND\r\n";
            assertEquals(want, new String(readN(s, want.length()), StandardCharsets.ISO_8859_1));
        }
    }

    /** Bad input gets memcached's reply and the connection goes on; other clients never notice. */
    @Test
    void badInputIsAnsweredAndTheConnectionStays() throws IOException {
        try (Socket bad = connect(); Socket good = connect()) {
            assertEquals("STORED\r\n", rt(good, "set g 0 0 1\r\n1\r\n", 8));
            assertEquals("ERROR\r\n", rt(bad, "GET g\r\n", 7));
            assertEquals("CLIENT_ERROR bad data chunk\r\nERROR\r\n", rt(bad, "set g 0 0 1\r\nxyz\r\n", 36));
            assertEquals("CLIENT_ERROR bad command line format\r\n", rt(bad, "get " + "k".repeat(251) + "\r\n", 38));
            assertEquals(value("g", 0, "1") + "END\r\n", rt(good, "get g\r\n", 21));
            assertEquals(value("g", 0, "1") + "END\r\n", rt(bad, "get g\r\n", 21));
        }
    }

    @Test
    void overlongLineClosesAfterEarlierReplies() throws IOException {
        try (Socket s = connect()) {
            Thread w = writer(s, ascii("get a\r\n" + "x".repeat(40_000)));
            assertEquals("END\r\n", new String(readN(s, 5), StandardCharsets.ISO_8859_1));
            assertTrue(closedByPeer(s));
            join(w);
        }
        try (Socket s = connect()) {
            assertEquals("END\r\n", rt(s, "get a\r\n", 5));
        }
    }

    @Test
    void quitAndNoreply() throws IOException {
        try (Socket s = connect()) {
            assertEquals(value("nr", 0, "x") + "END\r\n", rt(s, "set nr 0 0 1 noreply\r\nx\r\nget nr\r\n", 22));
            assertEquals("END\r\n", rt(s, "delete nr noreply\r\nget nr\r\nquit\r\nget nr\r\n", 5));
            assertTrue(closedByPeer(s));
        }
    }

    private static Thread writer(Socket s, byte[] data) {
        Thread t = new Thread(() -> {
            try {
                s.getOutputStream().write(data);
            } catch (IOException e) {
                // closed by the peer
            }
        });
        t.start();
        return t;
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
