package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Await;
import org.twemproxy4j.it.fixture.MemcachedServer;
import org.twemproxy4j.it.fixture.NutcrackerProcess;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.ProxyProcess;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.fixture.Tcp;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * The stats port of twemproxy4j against nutcracker 0.5.0's: the same configuration (four pools: redis "alpha"
 * over three redis-servers, memcache "mc" over a memcached, redis "down" over two ports nobody listens on, with
 * auto_eject_hosts, redis "slow" with a 300 ms timeout over a redis-server that is paused for one request), the
 * same workload over the same backends (flushed in between: sets, gets, a fragmented MGET, pipelining, backends
 * dropping the proxy's connections, refused connections and ejections, a timeout, broken framing, a client left
 * connected), then both stats documents compared field by field: the same keys in the same order at every level
 * (twemproxy4j's {@code latency_*} numbers aside), the same values, except where twemproxy4j fixes nutcracker on
 * purpose ({@code fragments} counted) or where a value is a moment ({@code server_ejected_at}, uptime,
 * timestamp). Then what nutcracker does not have: the latency figures, and the Prometheus endpoint scraped and
 * parsed by a strict text-format parser. And {@code -D}, byte for byte.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatsIT {
    private static final int INTERVAL = 100; // -i, ms
    /** Keys different enough for fnv1a_64 (whose key0..key9 all land on one server) to spread over the pool. */
    private static final List<String> KEYS = List.of("apple", "banana", "cherry", "damson", "elderberry", "fig",
            "grape", "huckleberry", "jujube", "kiwi", "lemon", "mango", "nectarine", "olive", "papaya", "quince",
            "raspberry", "strawberry", "tangerine", "watermelon");
    private static final int NKEYS = KEYS.size();

    private final List<RedisServer> redis = new ArrayList<>();
    private MemcachedServer memcached;
    private RedisServer slowRedis;
    private int dead1;
    private int dead2;
    private Map<String, Object> ncDoc;
    private Map<String, Object> ourDoc;
    private String ourText;
    private long startMicros;
    private long endMicros;
    private Twemproxy4jProcess ours;
    private int promPort;
    private int alphaRequests;

    @BeforeAll
    void runTheWorkloadOnBoth() throws Exception {
        for (int i = 0; i < 3; i++) {
            redis.add(RedisServer.start());
        }
        memcached = MemcachedServer.start();
        slowRedis = RedisServer.start();
        dead1 = Ports.free();
        dead2 = Ports.free();
        startMicros = System.currentTimeMillis() * 1000L;

        int[] l = {Ports.free(), Ports.free(), Ports.free(), Ports.free()};
        try (NutcrackerProcess nc = NutcrackerProcess.start(yaml(l), "-i", Integer.toString(INTERVAL));
                Socket idle = connect(l[1])) { // a client that stays connected: the gauges
            alphaRequests = workload(nc, l);
            ncDoc = settled(nc);
        }
        for (RedisServer r : redis) {
            r.flushAll();
        }
        slowRedis.flushAll();
        memcacheFlush();

        int[] m = {Ports.free(), Ports.free(), Ports.free(), Ports.free()};
        promPort = Ports.free();
        ours = Twemproxy4jProcess.start(yaml(m), "-i", Integer.toString(INTERVAL),
                "--prometheus-port=" + promPort, "--prometheus-addr=127.0.0.1");
        try (Socket idle = connect(m[1])) {
            assertEquals(alphaRequests, workload(ours, m));
            ourDoc = settled(ours);
            ourText = ours.stats();
        }
        endMicros = System.currentTimeMillis() * 1000L;
    }

    @AfterAll
    void stop() {
        if (ours != null) {
            ours.close();
        }
        for (RedisServer r : redis) {
            r.close();
        }
        if (memcached != null) {
            memcached.close();
        }
        if (slowRedis != null) {
            slowRedis.resume();
            slowRedis.close();
        }
    }

    private String yaml(int[] listen) {
        return "alpha:\n"
                + "  listen: 127.0.0.1:" + listen[0] + "\n"
                + "  redis: true\n"
                + "  hash: fnv1a_64\n"
                + "  distribution: ketama\n"
                + "  servers:\n"
                + "   - " + redis.get(0).address() + ":1\n"
                + "   - " + redis.get(1).address() + ":1 second\n"
                + "   - " + redis.get(2).address() + ":2\n"
                + "mc:\n"
                + "  listen: 127.0.0.1:" + listen[1] + "\n"
                + "  servers:\n"
                + "   - " + memcached.address() + ":1\n"
                + "down:\n"
                + "  listen: 127.0.0.1:" + listen[2] + "\n"
                + "  redis: true\n"
                + "  auto_eject_hosts: true\n"
                + "  server_failure_limit: 1\n"
                + "  server_retry_timeout: 600000\n"
                + "  servers:\n"
                + "   - 127.0.0.1:" + dead1 + ":1\n"
                + "   - 127.0.0.1:" + dead2 + ":1\n"
                + "slow:\n"
                + "  listen: 127.0.0.1:" + listen[3] + "\n"
                + "  redis: true\n"
                + "  timeout: 300\n"
                + "  servers:\n"
                + "   - " + slowRedis.address() + ":1\n";
    }

    /** The workload; returns the number of requests sent to pool alpha (one reply each). */
    private int workload(ProxyProcess proxy, int[] listen) throws IOException {
        int n = 0;
        try (Socket s = connect(listen[0])) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < NKEYS; i++) {
                assertEquals("+OK\r\n", call(in, out, "SET", KEYS.get(i), "value-" + i));
                n++;
            }
            for (int i = 0; i < NKEYS; i++) {
                assertEquals("$" + ("value-" + i).length() + "\r\nvalue-" + i + "\r\n", call(in, out, "GET", KEYS.get(i)));
                n++;
            }
            assertEquals("$-1\r\n", call(in, out, "GET", "missing"));
            n++;
            List<String> mget = new ArrayList<>(List.of("MGET"));
            for (int i = 0; i < NKEYS; i++) {
                mget.add(KEYS.get(i));
            }
            assertTrue(call(in, out, mget.toArray(new String[0])).startsWith("*" + NKEYS + "\r\n"));
            n++;
            assertEquals(":1\r\n", call(in, out, "DEL", KEYS.get(0)));
            n++;
            assertEquals(":11\r\n", call(in, out, "INCRBY", "counter", "11"));
            n++;
        }
        // every backend drops the proxy's connection (server_eof), then the keys are read again (new connections)
        for (RedisServer r : redis) {
            assertTrue(r.command("CLIENT", "KILL", "TYPE", "normal").startsWith(":"));
        }
        for (RedisServer r : redis) { // the proxy sees the EOFs and closes its ends before the next requests
            Await.until("the proxy closes its connection to " + r.address(), Duration.ofSeconds(20),
                    () -> !Tcp.connectedTo(proxy.pid(), r.port()));
        }
        try (Socket s = connect(listen[0])) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int i = 1; i < NKEYS; i++) {
                assertEquals("$" + ("value-" + i).length() + "\r\nvalue-" + i + "\r\n",
                        call(in, out, "GET", KEYS.get(i)));
                n++;
            }
        }
        try (Socket s = connect(listen[0])) { // a second client, pipelining
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 10; i++) {
                batch.write(Resp.command("GET", KEYS.get(i + 5)));
            }
            out.write(batch.toByteArray());
            out.flush();
            for (int i = 0; i < 10; i++) {
                Resp.readReply(s.getInputStream());
                n++;
            }
        }
        try (Socket s = connect(listen[1])) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < 5; i++) {
                out.write(("set mkey" + i + " 0 0 3\r\nabc\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals("STORED\r\n", line(in));
            }
            out.write("get mkey1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("VALUE mkey1 0 3\r\n", line(in));
            assertEquals("abc\r\n", line(in));
            assertEquals("END\r\n", line(in));
        }
        try (Socket s = connect(listen[2])) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            // first server refused: ejected; the key moves to the second, refused: ejected; then none is left
            for (int i = 0; i < 3; i++) {
                assertEquals("-ERR Connection refused\r\n", call(in, out, "GET", "x"));
            }
        }
        try (Socket s = connect(listen[3])) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            assertEquals("+OK\r\n", call(in, out, "SET", "s", "1"));
            slowRedis.pause(); // the request times out: the server connection is closed
            try {
                assertEquals("-ERR Connection timed out\r\n", call(in, out, "GET", "s"));
            } finally {
                slowRedis.resume();
            }
            assertEquals("$1\r\n1\r\n", call(in, out, "GET", "s")); // a new server connection
        }
        try (Socket s = connect(listen[0])) { // broken framing: the client is closed with an error
            s.getOutputStream().write("*1\r\n$x\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.getInputStream().readAllBytes(); // until the proxy closes (after its error reply, for ours)
        }
        return n;
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static String call(InputStream in, OutputStream out, String... args) throws IOException {
        out.write(Resp.command(args));
        out.flush();
        return new String(Resp.readReply(in), StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (c == '\n') {
                break;
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private void memcacheFlush() throws IOException {
        try (Socket s = connect(memcached.port())) {
            s.getOutputStream().write("flush_all\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("OK\r\n", line(s.getInputStream()));
        }
    }

    /**
     * The document once the proxy has settled: read until two reads, more than two intervals apart, agree
     * (uptime and timestamp aside), as nutcracker's figures may be an interval old.
     */
    private static Map<String, Object> settled(ProxyProcess p) throws InterruptedException {
        String prev = null;
        for (int i = 0; i < 50; i++) {
            Thread.sleep(3L * INTERVAL); // the condition itself: two reads more than two intervals apart agree
            String text = p.stats();
            String key = text.replaceAll("\"(uptime|timestamp)\":\\d+", "");
            if (key.equals(prev)) {
                return Json.object(text);
            }
            prev = key;
        }
        throw new AssertionError(p.what() + "'s stats never settled: " + prev);
    }

    // ---- the comparison with nutcracker

    /** twemproxy4j's documented extra numbers: latency per pool and server, reload counts at the top. */
    private static boolean extra(String key) {
        return key.startsWith("latency_") || key.equals("reloads") || key.equals("reload_failures")
                || key.equals("session_connections");
    }

    private static List<String> keys(Map<String, Object> m) {
        List<String> l = new ArrayList<>();
        for (String k : m.keySet()) {
            if (!extra(k)) {
                l.add(k);
            }
        }
        return l;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Map<String, Object> m, String key) {
        Object o = m.get(key);
        assertTrue(o instanceof Map, key + " is an object");
        return (Map<String, Object>) o;
    }

    @Test
    void theHeaderIsNutcrackers() {
        assertEquals(keys(ncDoc), keys(ourDoc), "top-level keys and their order");
        assertEquals(0L, ourDoc.get("reloads"), "reload counts: plain numbers, skipped by nutcracker's agents");
        assertEquals(0L, ourDoc.get("reload_failures"));
        // pools sorted as nutcracker sorts them: by length, then bytes
        assertEquals(List.of("service", "source", "version", "uptime", "timestamp", "total_connections",
                "curr_connections", "mc", "down", "slow", "alpha"), keys(ourDoc));
        assertEquals("nutcracker", ourDoc.get("service"));
        assertEquals(ncDoc.get("source"), ourDoc.get("source"), "the host name");
        assertEquals("0.5.0", ourDoc.get("version"));
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs((Long) ourDoc.get("timestamp") - now) < 120);
        assertTrue((Long) ourDoc.get("uptime") >= 0 && (Long) ourDoc.get("uptime") < 600);
        assertEquals(ncDoc.get("total_connections"), ourDoc.get("total_connections"), "total_connections");
        assertEquals(ncDoc.get("curr_connections"), ourDoc.get("curr_connections"), "curr_connections");
    }

    @Test
    void theBytesAreLaidOutAsNutcrackers() {
        assertTrue(ourText.startsWith("{\"service\":\"nutcracker\", \"source\":\"" + ourDoc.get("source")
                + "\", \"version\":\"0.5.0\", \"uptime\":"), ourText);
        assertTrue(ourText.endsWith("}}}\n") && ourText.indexOf('\n') == ourText.length() - 1, ourText);
        assertTrue(ourText.contains(", \"mc\": {\"client_eof\":"), ourText);
        assertTrue(Pattern.compile("\\}\\},\"down\": \\{\"client_eof\":\\d+, ").matcher(ourText).find(), ourText);
        // without twemproxy4j's extra numbers, the very same separators as nutcracker's
        String stripped = ourText.replaceAll("\"(latency_[a-z0-9_]+|reloads|reload_failures|session_connections)\":\\d+, ", "")
                .replaceAll(", \"(latency_[a-z0-9_]+|session_connections)\":\\d+\\}", "}");
        assertEquals(stripped.replaceAll("\\d+", "N"), nutcrackerShape());
    }

    /** nutcracker's document with every number replaced by N (what twemproxy4j's must look like). */
    private String nutcrackerShape() {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : ncDoc.entrySet()) {
            shape(b, e.getKey(), e.getValue());
        }
        b.setCharAt(b.length() - 1, '}');
        b.append('\n');
        return b.toString().replaceAll("\\d+", "N");
    }

    @SuppressWarnings("unchecked")
    private static void shape(StringBuilder b, String key, Object v) {
        if (v instanceof Map) {
            b.append('"').append(key).append("\": {");
            for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
                shape(b, e.getKey(), e.getValue());
            }
            int n = b.length();
            if (b.charAt(n - 2) == ',') {
                b.setCharAt(n - 2, '}');
                b.setCharAt(n - 1, ',');
            } else {
                b.setCharAt(n - 1, '}');
                b.append(',');
            }
        } else if (v instanceof String) {
            b.append('"').append(key).append("\":\"").append(v).append("\", ");
        } else {
            b.append('"').append(key).append("\":").append(v).append(", ");
        }
    }

    @Test
    void everyPoolAndServerFieldAsNutcrackers() {
        List<String> diffs = new ArrayList<>();
        for (String pool : List.of("alpha", "mc", "down", "slow")) {
            Map<String, Object> np = obj(ncDoc, pool);
            Map<String, Object> op = obj(ourDoc, pool);
            assertEquals(keys(np), keys(op), pool + ": keys and their order");
            for (String k : keys(np)) {
                Object nv = np.get(k);
                Object ov = op.get(k);
                if (nv instanceof Map) {
                    Map<String, Object> ns = obj(np, k);
                    Map<String, Object> os = obj(op, k);
                    assertEquals(keys(ns), keys(os), pool + "." + k + ": keys and their order");
                    for (String f : keys(ns)) {
                        Object a = ns.get(f);
                        Object b = os.get(f);
                        if (f.equals("server_ejected_at")) {
                            long t = (Long) b;
                            assertEquals((Long) a != 0, t != 0, pool + "." + k + ".server_ejected_at set as nutcracker's");
                            assertTrue(t == 0 || t >= startMicros - 1_000_000 && t <= endMicros + 1_000_000,
                                    pool + "." + k + ".server_ejected_at in microseconds, during the test: " + t);
                        } else if (!a.equals(b)) {
                            diffs.add(pool + "." + k + "." + f + ": nutcracker " + a + ", twemproxy4j " + b);
                        }
                    }
                } else if (k.equals("fragments")) {
                    assertEquals(0L, nv, "nutcracker never counts fragments");
                } else if (!nv.equals(ov)) {
                    diffs.add(pool + "." + k + ": nutcracker " + nv + ", twemproxy4j " + ov);
                }
            }
        }
        assertEquals(List.of(), diffs, () -> "nutcracker:\n" + ncDoc + "\ntwemproxy4j:\n" + ourText);
    }

    @Test
    void theWorkloadMovedTheCountersBothAgreeOn() {
        Map<String, Object> alpha = obj(ourDoc, "alpha");
        long requests = 0;
        long responses = 0;
        for (String k : keys(alpha)) {
            if (alpha.get(k) instanceof Map) {
                requests += (Long) obj(alpha, k).get("requests");
                responses += (Long) obj(alpha, k).get("responses");
                long used = (Long) obj(alpha, k).get("requests");
                assertEquals(used > 0 ? 1L : 0L, obj(alpha, k).get("server_connections"), k);
            }
        }
        // every request but the MGET went to one server; the MGET became one fragment per server
        assertTrue(requests >= alphaRequests && requests <= alphaRequests + 2, "requests " + requests);
        assertEquals(requests, responses);
        long eofs = 0;
        for (String k : keys(alpha)) {
            if (alpha.get(k) instanceof Map) {
                eofs += (Long) obj(alpha, k).get("server_eof");
            }
        }
        assertTrue(eofs >= 2, "the backends closed the connections they had: " + eofs);
        assertEquals(1L, obj(ourDoc, "mc").get("client_connections"), "the idle client");
        assertTrue((Long) alpha.get("client_eof") >= 2, "the two clients (and the fixture's readiness probe)");
        Map<String, Object> down = obj(ourDoc, "down");
        assertEquals(2L, down.get("server_ejects"));
        assertEquals(3L, down.get("forward_error"));
        Map<String, Object> slow = obj(ourDoc, "slow");
        assertEquals(1L, slow.get("forward_error"));
        assertEquals(1L, obj(slow, slowRedis.address()).get("server_timedout"));
        assertTrue((Long) alpha.get("client_err") >= 1, "the broken request");
        // fixed: twemproxy4j counts the MGET's fragments (nutcracker always says 0)
        assertTrue((Long) alpha.get("fragments") >= 2, "fragments " + alpha.get("fragments"));
        assertEquals(requests - alphaRequests + 1, alpha.get("fragments"), "one fragment per server reached");
    }

    /** Agents take every top-level object for a pool and every object in a pool for a server. */
    @Test
    void agentsSeeTheSamePoolsAndServers() {
        assertEquals(structure(ncDoc), structure(ourDoc));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, List<String>> structure(Map<String, Object> doc) {
        Map<String, List<String>> s = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : doc.entrySet()) {
            if (e.getValue() instanceof Map) {
                List<String> servers = new ArrayList<>();
                for (Map.Entry<String, Object> f : ((Map<String, Object>) e.getValue()).entrySet()) {
                    if (f.getValue() instanceof Map) {
                        servers.add(f.getKey());
                        for (Object v : ((Map<String, Object>) f.getValue()).values()) {
                            assertTrue(v instanceof Long, "only numbers in a server: " + v);
                        }
                    } else {
                        assertTrue(f.getValue() instanceof Long, "only numbers and servers in a pool: " + f);
                    }
                }
                s.put(e.getKey(), servers);
            }
        }
        return s;
    }

    // ---- beyond nutcracker

    private static final List<String> LATENCY_KEYS = List.of("latency_count", "latency_p50_us", "latency_p90_us",
            "latency_p99_us", "latency_p999_us", "latency_max_us");

    @Test
    void latencyFiguresPerPoolAndServer() {
        for (String pool : List.of("alpha", "mc", "down", "slow")) {
            Map<String, Object> p = obj(ourDoc, pool);
            List<String> all = new ArrayList<>(p.keySet());
            // right after nutcracker's six pool fields, before the first server
            assertEquals(LATENCY_KEYS, all.subList(6, 12), pool);
            checkQuantiles(pool, p);
            for (String k : all) {
                if (p.get(k) instanceof Map) {
                    Map<String, Object> s = obj(p, k);
                    List<String> sk = new ArrayList<>(s.keySet());
                    assertEquals(LATENCY_KEYS, sk.subList(13, 19), pool + "." + k + ": after out_queue_bytes");
                    checkQuantiles(pool + "." + k, s);
                }
            }
        }
        Map<String, Object> alpha = obj(ourDoc, "alpha");
        // one per reply: the workload's, and the error reply to the broken framing (nutcracker sends none)
        assertEquals(alphaRequests + 1L, alpha.get("latency_count"), "one per reply");
        assertTrue((Long) alpha.get("latency_max_us") > 0);
        long servers = 0;
        for (Object v : alpha.values()) {
            if (v instanceof Map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> s = (Map<String, Object>) v;
                servers += (Long) s.get("latency_count");
            }
        }
        assertEquals(alphaRequests - 1, servers, () -> "every single-server request, not the fragmented MGET nor "
                + "the broken one: "
                + ourText);
        assertEquals(6L, obj(ourDoc, "mc").get("latency_count"));
        assertEquals(3L, obj(ourDoc, "down").get("latency_count"), "error replies count too");
        Map<String, Object> slow = obj(ourDoc, "slow");
        assertEquals(3L, slow.get("latency_count"));
        assertTrue((Long) slow.get("latency_max_us") >= 290_000, "the timed-out request waited its 300 ms: "
                + slow.get("latency_max_us"));
    }

    private static void checkQuantiles(String where, Map<String, Object> m) {
        long prev = 0;
        for (String k : LATENCY_KEYS.subList(1, LATENCY_KEYS.size())) {
            long v = (Long) m.get(k);
            assertTrue(v >= prev, where + ": " + k + " " + v + " below " + prev);
            prev = v;
        }
        if ((Long) m.get("latency_count") == 0) {
            assertEquals(0L, m.get("latency_max_us"), where);
        }
    }

    @Test
    void prometheusEndpointParsesAndAgreesWithTheJson() throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + promPort + "/metrics")
                .openConnection();
        assertEquals(200, c.getResponseCode());
        assertTrue(c.getContentType().startsWith("text/plain; version=0.0.4"), c.getContentType());
        String text = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, Prom.Family> fs = Prom.parse(text);
        for (Prom.Family f : fs.values()) {
            assertNotNull(f.help, f.name);
            assertTrue(f.typed, f.name);
            assertEquals(f.type.equals("counter"), f.name.endsWith("_total"), f.name);
        }
        Map<String, Object> doc = Json.object(ours.stats()); // the stats settled: the same figures
        for (String pool : List.of("alpha", "mc", "down", "slow")) {
            Map<String, Object> p = obj(doc, pool);
            assertEquals(((Long) p.get("client_eof")).doubleValue(),
                    fs.get("twemproxy4j_client_eof_total").value("twemproxy4j_client_eof_total", Map.of("pool", pool)));
            assertEquals(((Long) p.get("latency_count")).doubleValue(),
                    fs.get("twemproxy4j_pool_request_latency_seconds")
                            .value("twemproxy4j_pool_request_latency_seconds_count", Map.of("pool", pool)));
            for (String k : p.keySet()) {
                if (p.get(k) instanceof Map) {
                    Map<String, String> labels = Map.of("pool", pool, "server", k);
                    Map<String, Object> s = obj(p, k);
                    assertEquals(((Long) s.get("requests")).doubleValue(),
                            fs.get("twemproxy4j_requests_total").value("twemproxy4j_requests_total", labels), k);
                    assertEquals(((Long) s.get("response_bytes")).doubleValue(),
                            fs.get("twemproxy4j_response_bytes_total").value("twemproxy4j_response_bytes_total",
                                    labels), k);
                    assertEquals(((Long) s.get("server_connections")).doubleValue(),
                            fs.get("twemproxy4j_server_connections").value("twemproxy4j_server_connections",
                                    labels), k);
                    assertEquals((Long) s.get("latency_p99_us") / 1e6, fs.get("twemproxy4j_request_latency_seconds")
                            .value("twemproxy4j_request_latency_seconds", Map.of("pool", pool, "server", k,
                                    "quantile", "0.99")), 1e-9, k);
                }
            }
        }
        assertEquals(((Long) doc.get("total_connections")).doubleValue(),
                fs.get("twemproxy4j_connections_total").value("twemproxy4j_connections_total", Map.of()));
    }

    @Test
    void describeIsNutcrackers() throws Exception {
        List<String> ncCmd = List.of(NutcrackerProcess.binaryPath(), "-D");
        List<String> ourCmd = new ArrayList<>(Twemproxy4jProcess.javaCommand());
        ourCmd.add("-D");
        byte[] nc = stderr(ncCmd);
        byte[] us = stderr(ourCmd);
        String usText = new String(us, StandardCharsets.UTF_8)
                .replace("debugging assertions are enabled (java -ea), nutcracker may be less efficient\n", "");
        assertArrayEquals(nc, usText.getBytes(StandardCharsets.UTF_8), usText);
        assertTrue(usText.contains("  fragments           \"# fragments created from a multi-vector request\"\n"));
    }

    private static byte[] stderr(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        byte[] err = p.getErrorStream().readAllBytes();
        assertEquals(0, p.waitFor());
        return err;
    }

    // ---- strict readers (nested: this test owns no other file)

    /** A strict JSON reader: objects keep their key order; duplicate keys are an error; integers are Long. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> object(String text) {
            Json p = new Json(text);
            Object v = p.value();
            p.ws();
            if (p.i != text.length()) {
                throw new IllegalArgumentException("trailing text at " + p.i);
            }
            return (Map<String, Object>) v;
        }

        private Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    ws();
                    String k = str();
                    ws();
                    expect(':');
                    if (m.containsKey(k)) {
                        throw new IllegalArgumentException("duplicate key " + k);
                    }
                    m.put(k, value());
                    ws();
                    char d = s.charAt(i++);
                    if (d == '}') {
                        return m;
                    }
                    if (d != ',') {
                        throw new IllegalArgumentException("',' or '}' expected at " + (i - 1));
                    }
                }
            }
            if (c == '"') {
                return str();
            }
            int start = i;
            if (c == '-') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (start == i || i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e')) {
                throw new IllegalArgumentException("an integer expected at " + start);
            }
            return Long.parseLong(s.substring(start, i));
        }

        private String str() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw new IllegalArgumentException("control character in a string");
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    if (e == 'u') {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    } else {
                        b.append(e == 'n' ? '\n' : e);
                    }
                } else {
                    b.append(c);
                }
            }
        }

        private void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private void expect(char c) {
            if (s.charAt(i++) != c) {
                throw new IllegalArgumentException("'" + c + "' expected at " + (i - 1));
            }
        }
    }

    /**
     * A strict Prometheus text format 0.0.4 parser: metric and label name syntax, escapes, one HELP and one TYPE
     * per family before its samples, contiguous families, no duplicate series, summary samples with a
     * {@code quantile} in [0, 1] (and none on _sum/_count), non-negative counters, the final newline.
     */
    static final class Prom {
        static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
        static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

        record Sample(String name, Map<String, String> labels, double value) {
        }

        static final class Family {
            final String name;
            String help;
            String type = "untyped";
            boolean typed;
            final List<Sample> samples = new ArrayList<>();

            Family(String name) {
                this.name = name;
            }

            double value(String sample, Map<String, String> labels) {
                for (Sample s : samples) {
                    if (s.name.equals(sample) && s.labels.equals(labels)) {
                        return s.value;
                    }
                }
                throw new AssertionError("no sample " + sample + labels + " in " + name);
            }
        }

        static Map<String, Family> parse(String text) {
            need(text.endsWith("\n"), "final newline", "end");
            Map<String, Family> families = new LinkedHashMap<>();
            Set<String> series = new HashSet<>();
            Set<String> done = new HashSet<>();
            String current = null;
            String[] lines = text.split("\n", -1);
            for (int ln = 0; ln < lines.length - 1; ln++) {
                String line = lines[ln];
                String where = "line " + (ln + 1) + ": " + line;
                if (line.isEmpty()) {
                    continue;
                }
                if (line.startsWith("#")) {
                    String[] t = line.split(" ", 4);
                    if (t.length >= 3 && (t[1].equals("HELP") || t[1].equals("TYPE"))) {
                        need(METRIC.matcher(t[2]).matches(), "metric name", where);
                        Family f = families.computeIfAbsent(t[2], Family::new);
                        need(f.samples.isEmpty(), "HELP/TYPE before samples", where);
                        if (t[1].equals("HELP")) {
                            need(f.help == null, "one HELP", where);
                            f.help = t.length == 4 ? t[3] : "";
                            need(!f.help.matches(".*\\\\[^\\\\n].*"), "HELP escapes", where);
                        } else {
                            need(!f.typed && t.length == 4
                                    && Set.of("counter", "gauge", "summary", "histogram", "untyped").contains(t[3]),
                                    "one valid TYPE", where);
                            f.type = t[3];
                            f.typed = true;
                        }
                    }
                    continue;
                }
                int i = 0;
                while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                    i++;
                }
                String name = line.substring(0, i);
                need(METRIC.matcher(name).matches(), "metric name", where);
                Map<String, String> labels = new LinkedHashMap<>();
                if (line.charAt(i) == '{') {
                    i++;
                    while (line.charAt(i) != '}') {
                        int eq = line.indexOf('=', i);
                        String lname = line.substring(i, eq);
                        need(LABEL.matcher(lname).matches(), "label name", where);
                        need(line.charAt(eq + 1) == '"', "quoted label value", where);
                        StringBuilder v = new StringBuilder();
                        int j = eq + 2;
                        while (line.charAt(j) != '"') {
                            if (line.charAt(j) == '\\') {
                                char e = line.charAt(j + 1);
                                need(e == '\\' || e == '"' || e == 'n', "label escape", where);
                                v.append(e == 'n' ? '\n' : e);
                                j += 2;
                            } else {
                                v.append(line.charAt(j++));
                            }
                        }
                        need(labels.put(lname, v.toString()) == null, "duplicate label", where);
                        i = j + 1;
                        if (line.charAt(i) == ',') {
                            i++;
                        }
                    }
                    i++;
                }
                need(line.charAt(i) == ' ', "one space before the value", where);
                String[] rest = line.substring(i + 1).split(" ");
                need(rest.length <= 2, "value [timestamp]", where);
                double value = rest[0].equals("+Inf") ? Double.POSITIVE_INFINITY
                        : rest[0].equals("-Inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(rest[0]);
                Family f = families.get(name);
                String base = name;
                for (String suffix : new String[] {"_sum", "_count", "_bucket"}) {
                    if ((f == null || f.type.equals("summary") || f.type.equals("histogram")) && name.endsWith(suffix)) {
                        Family g = families.get(name.substring(0, name.length() - suffix.length()));
                        if (g != null && (g.type.equals("summary") || g.type.equals("histogram"))) {
                            f = g;
                            base = g.name;
                        }
                    }
                }
                need(f != null && f.typed, "a declared family", where);
                if (!base.equals(current)) {
                    need(!done.contains(base), "contiguous family", where);
                    if (current != null) {
                        done.add(current);
                    }
                    current = base;
                }
                if (f.type.equals("summary")) {
                    if (name.equals(base)) {
                        need(labels.containsKey("quantile"), "quantile label", where);
                        double q = Double.parseDouble(labels.get("quantile"));
                        need(q >= 0 && q <= 1, "quantile in [0, 1]", where);
                    } else {
                        need(!labels.containsKey("quantile"), "no quantile on _sum/_count", where);
                    }
                }
                if (f.type.equals("counter")) {
                    need(value >= 0, "non-negative counter", where);
                }
                need(series.add(name + labels), "unique series", where);
                f.samples.add(new Sample(name, labels, value));
            }
            return families;
        }

        private static void need(boolean ok, String rule, String where) {
            if (!ok) {
                throw new IllegalArgumentException("not Prometheus text format (" + rule + "): " + where);
            }
        }
    }
}
