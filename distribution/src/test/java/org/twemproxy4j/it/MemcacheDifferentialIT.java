package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Await;
import org.twemproxy4j.it.fixture.MemcachedServer;
import org.twemproxy4j.it.fixture.NutcrackerProcess;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.ProxyProcess;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * The memcache differential suite: each case of {@code memcache-diff/cases.txt} goes to nutcracker 0.5.0 and to
 * twemproxy4j, both serving the same memcache pool over the same three memcached backends (flushed before each
 * run), and the client must see the same bytes and the same close. Cases marked "fix" are the documented
 * differences: nutcracker closes the connection, and twemproxy4j must answer exactly what a memcached outside
 * the pool (the oracle) answers to the same bytes, and keep the connection open. CAS uniques differ from
 * process to process and are masked. Cases marked "m512" run again on a pair started with {@code -m 512}.
 * {@code -Ddiff.candidate=nutcracker} puts a second nutcracker in twemproxy4j's place, to check the harness:
 * then exactly the "fix" cases fail.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MemcacheDifferentialIT {
    /** A bound on each dynamic test (a class-level {@code @Timeout} covers only the factory methods). */
    private static final Duration CASE_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern CAS = Pattern.compile("(VALUE \\S+ \\d+ \\d+) (\\d+)\r\n");

    private static final List<MemcachedServer> backends = new ArrayList<>();
    private static MemcachedServer oracle;
    private static final List<ProxyProcess> proxies = new ArrayList<>();
    private static int[] ncPort = new int[2];
    private static int[] twPort = new int[2];

    /** One case of the corpus. */
    record Case(String name, byte[] request, boolean fix, byte[] fixReply, boolean m512) {
    }

    @BeforeAll
    static void start() {
        for (int i = 0; i < 3; i++) {
            backends.add(MemcachedServer.start());
        }
        oracle = MemcachedServer.start();
        for (int pair = 0; pair < 2; pair++) {
            String[] extra = pair == 0 ? new String[0] : new String[] {"-m", "512"};
            ncPort[pair] = Ports.free();
            proxies.add(NutcrackerProcess.start(yaml(ncPort[pair]), extra));
            twPort[pair] = Ports.free();
            if ("nutcracker".equals(System.getProperty("diff.candidate"))) {
                // checks the harness itself: then only the cases marked "fix" may fail
                proxies.add(NutcrackerProcess.start(yaml(twPort[pair]), extra));
            } else {
                proxies.add(Twemproxy4jProcess.start(yaml(twPort[pair]), extra));
            }
        }
    }

    static String yaml(int port) {
        StringBuilder y = new StringBuilder("mc:\n  listen: 127.0.0.1:" + port + "\n  hash: fnv1a_64\n"
                + "  distribution: ketama\n  timeout: 4000\n  servers:\n");
        for (MemcachedServer m : backends) {
            y.append("   - ").append(m.address()).append(":1\n");
        }
        return y.toString();
    }

    @AfterAll
    static void stop() {
        for (ProxyProcess p : proxies) {
            p.close();
        }
        for (MemcachedServer m : backends) {
            m.close();
        }
        if (oracle != null) {
            oracle.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> differential() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : corpus()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> Await.bounded(CASE_TIMEOUT, () -> run(c, 0))));
            if (c.m512()) {
                tests.add(DynamicTest.dynamicTest("[-m 512] " + c.name(),
                        () -> Await.bounded(CASE_TIMEOUT, () -> run(c, 1))));
            }
        }
        assertTrue(tests.size() > 60, "corpus too small");
        return tests.stream();
    }

    /** A pipeline of thousands of requests over every server, and a multi-get of many keys. */
    @TestFactory
    Stream<DynamicTest> generated() {
        List<DynamicTest> tests = new ArrayList<>();
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            p.append("set pipe").append(i).append(" ").append(i).append(" 0 ").append(String.valueOf(i).length())
                    .append("\r\n").append(i).append("\r\n");
        }
        StringBuilder g = new StringBuilder("get");
        for (int i = 0; i < 3000; i++) {
            p.append(i % 3 == 0 ? "get pipe" : i % 3 == 1 ? "gets pipe" : "incr pipe").append(i)
                    .append(i % 3 == 2 ? " 1" : "").append("\r\n");
            g.append(" pipe").append(i * 7 % 3100);
        }
        p.append(g).append("\r\n");
        byte[] bytes = p.toString().getBytes(StandardCharsets.ISO_8859_1);
        Case c = new Case("generated / 9000 pipelined requests and a 3000-key multi-get", bytes, false, null, true);
        tests.add(DynamicTest.dynamicTest(c.name(), () -> Await.bounded(CASE_TIMEOUT, () -> run(c, 0))));
        tests.add(DynamicTest.dynamicTest("[-m 512] " + c.name(),
                () -> Await.bounded(CASE_TIMEOUT, () -> run(c, 1))));
        return tests.stream();
    }

    private static void run(Case c, int pair) throws IOException {
        flush();
        Result nc = exchange(ncPort[pair], c.request(), null);
        flush();
        if (!c.fix()) {
            // a plain case must exercise something: nutcracker answers it (or closes, for quit)
            assertTrue(nc.bytes.length > 0 || nc.closed, "nutcracker said nothing: a useless case");
            Result tw = exchange(twPort[pair], c.request(), nc.bytes.length);
            assertEquals(show(nc.bytes), show(tw.bytes), "bytes");
            assertEquals(nc.closed, tw.closed, "closed");
            return;
        }
        byte[] want = c.fixReply();
        boolean wantClosed = false;
        if (want == null) {
            flush();
            Result o = exchange(oracle.port(), c.request(), null);
            want = o.bytes;
            wantClosed = o.closed;
            flush();
        }
        Result tw = exchange(twPort[pair], c.request(), want.length);
        assertEquals(show(want), show(tw.bytes), "twemproxy4j's documented reply (memcached's own)");
        assertEquals(wantClosed, tw.closed, "closed");
        // a case marked as a fix must really be one: nutcracker answers it otherwise
        assertTrue(nc.closed != tw.closed || !show(nc.bytes).equals(show(tw.bytes)),
                "nutcracker gives the same reply: not a difference, unmark the case");
    }

    private static void flush() throws IOException {
        for (MemcachedServer m : backends) {
            flushOne(m.port());
        }
        flushOne(oracle.port());
    }

    private static void flushOne(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("flush_all\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] ok = s.getInputStream().readNBytes(4);
            assertEquals("OK\r\n", new String(ok, StandardCharsets.ISO_8859_1), "flush_all on " + port);
        }
    }

    record Result(byte[] bytes, boolean closed) {
    }

    /**
     * Sends {@code req} and reads the reply: at least {@code expect} bytes when given (within 10 s), then until
     * 200 ms pass without a byte, or the peer closes.
     */
    static Result exchange(int port, byte[] req, Integer expect) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(req);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // the peer closed: what it said before is the result
                }
            });
            writer.start();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            boolean closed = false;
            long deadline = System.currentTimeMillis() + 10_000;
            int want = expect == null ? 1 : Math.max(1, expect);
            for (;;) {
                boolean waiting = out.size() < want && System.currentTimeMillis() < deadline;
                s.setSoTimeout(waiting ? 1000 : 200);
                try {
                    int n = in.read(buf);
                    if (n < 0) {
                        closed = true;
                        break;
                    }
                    out.write(buf, 0, n);
                } catch (SocketTimeoutException e) {
                    if (!waiting || (expect == null && out.size() == 0
                            && System.currentTimeMillis() > deadline - 8_000)) {
                        break;
                    }
                } catch (IOException e) {
                    closed = true;
                    break;
                }
            }
            try {
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Result(out.toByteArray(), closed);
        }
    }

    static String show(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        Matcher m = CAS.matcher(s);
        s = m.replaceAll("$1 <cas>\r\n");
        if (s.length() > 4000) {
            s = s.length() + " bytes, md5 " + md5(s) + ": " + s.substring(0, 300) + " ... "
                    + s.substring(s.length() - 300);
        }
        return s.replace("\r", "\\r").replace("\n", "\\n\n");
    }

    private static String md5(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.ISO_8859_1));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Case> corpus() throws IOException {
        List<Case> out = new ArrayList<>();
        String text;
        try (InputStream in = MemcacheDifferentialIT.class.getResourceAsStream("/memcache-diff/cases.txt")) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("memcache-diff/cases.txt missing"));
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (!l.startsWith("=== ")) {
                continue;
            }
            String[] parts = l.substring(4).split("\\s*\\|\\s*");
            String name = parts[0].trim();
            boolean fix = false;
            boolean m512 = false;
            byte[] fixReply = null;
            for (int k = 1; k < parts.length; k++) {
                String opt = parts[k].trim();
                if (opt.equals("m512")) {
                    m512 = true;
                } else if (opt.equals("fix")) {
                    fix = true;
                } else if (opt.startsWith("fix=")) {
                    fix = true;
                    fixReply = unescape(opt.substring(4));
                } else {
                    throw new IllegalArgumentException("bad option " + opt + " in " + l);
                }
            }
            out.add(new Case(name, unescape(lines[i + 1]), fix, fixReply, m512));
        }
        return out;
    }

    /** \r \n \t \0 \\ \xNN and {N*c} (N copies of c). */
    static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '{') {
                int star = s.indexOf('*', i);
                int end = s.indexOf('}', i);
                int n = Integer.parseInt(s.substring(i + 1, star));
                byte b = (byte) s.charAt(star + 1);
                for (int k = 0; k < n; k++) {
                    out.write(b);
                }
                i = end;
            } else if (ch == '\\') {
                char e = s.charAt(++i);
                switch (e) {
                    case 'r' -> out.write('\r');
                    case 'n' -> out.write('\n');
                    case 't' -> out.write('\t');
                    case '0' -> out.write(0);
                    case '\\' -> out.write('\\');
                    case 'x' -> {
                        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    default -> throw new IllegalArgumentException("bad escape \\" + e);
                }
            } else {
                out.write(ch);
            }
        }
        return out.toByteArray();
    }
}
