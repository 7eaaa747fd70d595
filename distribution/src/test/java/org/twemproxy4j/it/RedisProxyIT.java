package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * End to end: real redis-server backends behind twemproxy4j's core (in this JVM), driven by jedis and by raw
 * sockets. Pools: "alpha" (3 servers, default mbufs), "beta" (same servers through a 512-byte-mbuf core),
 * "gamma" (listen and server on unix sockets), "delta" (redis_auth + redis_db on a password-protected
 * backend), "down" (a server nobody listens on), "slow" (timeout 300 ms), "few" (client_connections 2).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisProxyIT {
    private final List<RedisServer> backends = new ArrayList<>();
    private RedisServer unixBackend;
    private RedisServer authBackend;
    private RedisServer slowBackend;
    private InProcessProxy proxy;
    private InProcessProxy proxy512;
    private int alpha;
    private int beta;
    private int delta;
    private int down;
    private int slow;
    private int few;
    private int multi;
    private String gammaSock;

    @BeforeAll
    void start() throws Exception {
        for (int i = 0; i < 3; i++) {
            backends.add(RedisServer.start());
        }
        unixBackend = RedisServer.start(Ports.free(), true);
        authBackend = RedisServer.start("--requirepass", "s3cret");
        slowBackend = RedisServer.start();
        alpha = Ports.free();
        beta = Ports.free();
        delta = Ports.free();
        down = Ports.free();
        slow = Ports.free();
        few = Ports.free();
        multi = Ports.free();
        int nobody = Ports.free();
        gammaSock = unixBackend.dir().resolve("proxy.sock").toString();
        String servers = "  servers:\n" + "   - " + backends.get(0).address() + ":1\n" + "   - "
                + backends.get(1).address() + ":1\n" + "   - " + backends.get(2).address() + ":1\n";
        String yaml = "alpha:\n  listen: 127.0.0.1:" + alpha + "\n  redis: true\n  hash: fnv1a_64\n"
                + "  distribution: ketama\n  tcpkeepalive: true\n  preconnect: true\n" + servers
                + "multi:\n  listen: 127.0.0.1:" + multi + "\n  redis: true\n  server_connections: 3\n" + servers
                + "gamma:\n  listen: " + gammaSock + " 0666\n  redis: true\n  servers:\n   - "
                + unixBackend.unixSocket() + ":1\n"
                + "delta:\n  listen: 127.0.0.1:" + delta + "\n  redis: true\n  redis_auth: s3cret\n"
                + "  redis_db: 3\n  servers:\n   - " + authBackend.address() + ":1\n"
                + "down:\n  listen: 127.0.0.1:" + down + "\n  redis: true\n  servers:\n   - 127.0.0.1:" + nobody
                + ":1\n"
                + "slow:\n  listen: 127.0.0.1:" + slow + "\n  redis: true\n  timeout: 300\n  servers:\n   - "
                + slowBackend.address() + ":1\n"
                + "few:\n  listen: 127.0.0.1:" + few + "\n  redis: true\n  client_connections: 2\n  servers:\n   - "
                + backends.get(0).address() + ":1\n";
        proxy = new InProcessProxy(yaml, 16384);
        proxy512 = new InProcessProxy("beta:\n  listen: 127.0.0.1:" + beta + "\n  redis: true\n" + servers, 512);
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (proxy512 != null) {
            proxy512.close();
        }
        for (RedisServer r : backends) {
            r.close();
        }
        for (RedisServer r : new RedisServer[] {unixBackend, authBackend, slowBackend}) {
            if (r != null) {
                r.close();
            }
        }
    }

    private static Jedis jedis(int port) {
        Jedis j = new Jedis("127.0.0.1", port, 10_000);
        return j;
    }

    @Test
    void broadSetOfCommands() {
        try (Jedis j = jedis(alpha)) {
            assertEquals("PONG", j.ping());
            assertEquals("OK", j.set("s1", "v1"));
            assertEquals("v1", j.get("s1"));
            assertNull(j.get("missing-key"));
            assertEquals(1L, j.setnx("s2", "x"));
            assertEquals(0L, j.setnx("s2", "y"));
            assertEquals(3L, j.append("s3", "abc"));
            assertEquals("bc", j.getrange("s3", 1, 2));
            assertEquals(3L, j.strlen("s3"));
            assertEquals(5L, j.incrBy("n1", 5));
            assertEquals(6L, j.incr("n1"));
            assertEquals(4L, j.decrBy("n1", 2));
            assertEquals(3L, j.decr("n1"));
            assertEquals(1.5, j.incrByFloat("f1", 1.5), 1e-9);
            assertEquals(1L, j.expire("s1", 100));
            assertTrue(j.ttl("s1") > 0);
            assertTrue(j.pttl("s1") > 0);
            assertEquals(1L, j.persist("s1"));
            assertEquals("string", j.type("s1"));
            assertEquals(1L, j.exists("s1") ? 1L : 0L);
            assertEquals("v1", j.getDel("s1"));
            assertEquals(1L, j.hset("h1", "f", "v"));
            assertEquals("v", j.hget("h1", "f"));
            assertEquals(Map.of("f", "v"), j.hgetAll("h1"));
            assertEquals(1L, j.hlen("h1"));
            assertEquals(3L, j.hincrBy("h1", "c", 3));
            assertTrue(j.hexists("h1", "c"));
            assertEquals(java.util.Arrays.asList("v", null), j.hmget("h1", "f", "nope"));
            assertEquals(3L, j.rpush("l1", "a", "b", "c"));
            assertEquals(List.of("a", "b", "c"), j.lrange("l1", 0, -1));
            assertEquals("a", j.lpop("l1"));
            assertEquals(2L, j.llen("l1"));
            assertEquals("c", j.lindex("l1", 1));
            assertEquals(2L, j.sadd("set1", "x", "y"));
            assertEquals(Set.of("x", "y"), j.smembers("set1"));
            assertTrue(j.sismember("set1", "x"));
            assertEquals(2L, j.scard("set1"));
            assertEquals(2L, j.zadd("z1", Map.of("a", 1.0, "b", 2.0)));
            assertEquals(List.of("a", "b"), j.zrange("z1", 0, -1));
            assertEquals(2.0, j.zscore("z1", "b"), 1e-9);
            assertEquals(1L, j.zrank("z1", "b"));
            assertEquals(2L, j.zcard("z1"));
            assertEquals(1L, j.pfadd("hll", "a"));
            assertEquals(1L, j.pfcount("hll"));
            assertEquals(2L, j.setbit("bits", 1, true) ? 0L : 2L);
            assertTrue(j.getbit("bits", 1));
            assertEquals(1L, j.bitcount("bits"));
            assertEquals(6L, j.eval("return 6", 1, "anykey"));
            assertEquals(1L, j.del("set1"));
            // a backend error reply passes through verbatim
            JedisDataException e = assertThrows(JedisDataException.class, () -> j.lpush("s2", "x"));
            assertTrue(e.getMessage().startsWith("WRONGTYPE"), e.getMessage());
            // and the connection keeps working
            assertEquals("x", j.get("s2"));
        }
    }

    @Test
    void multiKeyCommandsAreSplitPerServerAndMerged() {
        try (Jedis j = jedis(alpha)) {
            // place 100 keys through the proxy, then ask each backend which it holds
            List<List<String>> byServer = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                j.set("mk" + i + "-" + Integer.toHexString(i * 0x9E3779B1), "v" + i);
            }
            for (RedisServer r : backends) {
                List<String> held = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    String k = "mk" + i + "-" + Integer.toHexString(i * 0x9E3779B1);
                    if (r.command("EXISTS", k).equals(":1\r\n")) {
                        held.add(k);
                    }
                }
                byServer.add(held);
            }
            List<String> same = null;
            for (List<String> held : byServer) {
                if (held.size() >= 2) {
                    same = held;
                }
            }
            assertTrue(same != null, "two keys on one server");
            String a = same.get(0);
            String b = same.get(1);
            assertEquals(List.of(j.get(a), j.get(b)), j.mget(a, b));
            String other = null;
            for (List<String> held : byServer) {
                if (!held.isEmpty() && !held.contains(a)) {
                    other = held.get(0);
                }
            }
            assertTrue(other != null, "keys on two servers");
            String o = other;
            // keys on two servers: split per server and merged back (MGET order, DEL sum, one +OK for MSET)
            assertEquals(java.util.Arrays.asList(j.get(a), j.get(o), null, j.get(a)), j.mget(a, o, "nope", a));
            assertEquals("OK", j.mset(a, "A", o, "O", b, "B"));
            assertEquals(java.util.Arrays.asList("A", "O", "B"), j.mget(a, o, b));
            assertEquals(3L, j.exists(a, o, "nope", b));
            assertEquals(1L, j.touch(o, "nope"));
            assertEquals(1L, j.unlink(o, "nope"));
            j.set(o, "again");
            assertEquals(2L, j.del(o, "nope", a));
            assertEquals("B", j.get(b));
            j.set(a, "x");
            // a pipeline mixing fragmented and single-key commands keeps its order
            Pipeline p = j.pipelined();
            Response<List<String>> r1 = p.mget(a, o, b);
            Response<String> r2 = p.get(b);
            Response<Long> r3 = p.del(o, b);
            Response<List<String>> r4 = p.mget(a, b, o);
            p.sync();
            assertEquals(java.util.Arrays.asList("x", null, "B"), r1.get());
            assertEquals("B", r2.get());
            assertEquals(1L, r3.get());
            assertEquals(java.util.Arrays.asList("x", null, null), r4.get());
            j.set(b, "B");
            j.set(o, "O");
            // SDIFF is co-located (redis 7 command table): a and o are on two servers, so -CROSSSLOT, nothing sent
            JedisDataException e = assertThrows(JedisDataException.class, () -> j.sdiff(a, o));
            assertTrue(e.getMessage().startsWith("CROSSSLOT"), e.getMessage());
            assertEquals("PONG", j.ping());
            assertEquals(3L, j.del(a, b, o));
        }
    }

    @Test
    void pipelinesUpTo10000() {
        for (int port : new int[] {alpha, beta}) {
            try (Jedis j = jedis(port)) {
                for (int n : new int[] {1, 2, 10, 100, 1000, 10_000}) {
                    Pipeline p = j.pipelined();
                    List<Response<String>> rs = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        p.set("p" + i, "v" + i + "-" + n);
                    }
                    for (int i = 0; i < n; i++) {
                        rs.add(p.get("p" + i));
                    }
                    p.sync();
                    for (int i = 0; i < n; i++) {
                        assertEquals("v" + i + "-" + n, rs.get(i).get());
                    }
                }
            }
        }
    }

    @Test
    void severalServerConnectionsCarryPipelines() {
        try (Jedis j = jedis(multi)) {
            Pipeline p = j.pipelined();
            List<Response<String>> sets = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                sets.add(p.set("sc" + i, "v" + i));
            }
            p.sync();
            for (Response<String> r : sets) {
                assertEquals("OK", r.get());
            }
            // every write is acknowledged: now reads see them, whichever connection carries them
            p = j.pipelined();
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                gets.add(p.get("sc" + i));
            }
            p.sync();
            for (int i = 0; i < 3000; i++) {
                assertEquals("v" + i, gets.get(i).get());
            }
        }
    }

    @Test
    void valuesFromEmptyTo8MiBAcrossMbufBoundaries() {
        Random rnd = new Random(42);
        int[] sizes = {0, 1, 100, 511, 512, 513, 1000, 16383, 16384, 16385, 100_000, 1 << 20, 8 << 20};
        for (int port : new int[] {alpha, beta}) {
            try (Jedis j = jedis(port)) {
                for (int size : sizes) {
                    byte[] v = new byte[size];
                    rnd.nextBytes(v);
                    byte[] k = ("big" + size).getBytes(StandardCharsets.UTF_8);
                    assertEquals("OK", j.set(k, v));
                    assertArrayEquals(v, j.get(k), "size " + size + " port " + port);
                }
                // pipelined large values too
                Pipeline p = j.pipelined();
                List<Response<byte[]>> rs = new ArrayList<>();
                for (int size : sizes) {
                    rs.add(p.get(("big" + size).getBytes(StandardCharsets.UTF_8)));
                }
                p.sync();
                for (int i = 0; i < sizes.length; i++) {
                    assertEquals(sizes[i], rs.get(i).get().length);
                }
            }
        }
    }

    @Test
    void unixSocketListenAndServer() throws Exception {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(gammaSock))) {
            ch.write(java.nio.ByteBuffer.wrap("*3\r\n$3\r\nSET\r\n$1\r\nu\r\n$2\r\nok\r\nGET u\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1)));
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64);
            String want = "+OK\r\n$2\r\nok\r\n";
            long deadline = System.currentTimeMillis() + 5000;
            while (buf.position() < want.length() && System.currentTimeMillis() < deadline) {
                ch.read(buf);
            }
            assertEquals(want, new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1));
        }
        assertEquals("$2\r\nok\r\n", unixBackend.command("GET", "u"));
    }

    @Test
    void redisAuthAndDb() throws Exception {
        try (Socket s = raw(delta)) {
            assertEquals("-NOAUTH Authentication required\r\n", exchange(s, "PING\r\n", 33));
            assertEquals("-ERR invalid password\r\n", exchange(s, "AUTH nope\r\n", 23));
            assertEquals("+OK\r\n", exchange(s, "AUTH s3cret\r\n", 5));
            assertEquals("+OK\r\n", exchange(s, "SET dbkey here\r\n", 5));
            assertEquals("$4\r\nhere\r\n", exchange(s, "GET dbkey\r\n", 10));
        }
        // the proxy authenticated to the backend and selected db 3
        try (Jedis direct = new Jedis("127.0.0.1", authBackend.port())) {
            direct.auth("s3cret");
            direct.select(3);
            assertEquals("here", direct.get("dbkey"));
            direct.select(0);
            assertNull(direct.get("dbkey"));
        }
        try (Socket s = raw(alpha)) {
            assertEquals("-ERR Client sent AUTH, but no password is set\r\n", exchange(s, "AUTH x\r\n", 47));
        }
    }

    @Test
    void serverDownGetsConnectionRefusedAndStaysOpen() throws Exception {
        try (Socket s = raw(down)) {
            assertEquals("-ERR Connection refused\r\n", exchange(s, "GET a\r\n", 25));
            assertEquals("+PONG\r\n", exchange(s, "PING\r\n", 7));
            String two = "-ERR Connection refused\r\n-ERR Connection refused\r\n";
            assertEquals(two, exchange(s, "GET a\r\nSET b c\r\n", two.length()));
        }
    }

    @Test
    void timeoutClosesServerConnectionWithTimedOut() throws Exception {
        try (Socket s = raw(slow)) {
            assertEquals("+OK\r\n", exchange(s, "SET t 1\r\n", 5));
            slowBackend.pause();
            try {
                String want = "-ERR Connection timed out\r\n-ERR Connection timed out\r\n";
                assertEquals(want, exchange(s, "GET t\r\nGET t\r\n", want.length()));
            } finally {
                slowBackend.resume();
            }
            assertEquals("$1\r\n1\r\n", exchange(s, "GET t\r\n", 7));
        }
    }

    @Test
    void clientConnectionsLimitIsEnforced() throws Exception {
        try (Socket a = raw(few); Socket b = raw(few)) {
            assertEquals("+PONG\r\n", exchange(a, "PING\r\n", 7));
            assertEquals("+PONG\r\n", exchange(b, "PING\r\n", 7));
            try (Socket c = raw(few)) {
                boolean closed;
                try {
                    c.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    closed = c.getInputStream().read() < 0;
                } catch (IOException e) {
                    closed = true; // reset: closed with our PING unread
                }
                assertTrue(closed, "the third client is closed");
            }
        }
    }

    @Test
    void badInputIsIsolated() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread good = new Thread(() -> {
            try (Jedis j = jedis(alpha)) {
                for (int round = 0; round < 20; round++) {
                    Pipeline p = j.pipelined();
                    List<Response<String>> rs = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        p.set("iso" + i, "v" + round + "." + i);
                        rs.add(p.get("iso" + i));
                    }
                    p.sync();
                    for (int i = 0; i < 500; i++) {
                        assertEquals("v" + round + "." + i, rs.get(i).get());
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        good.start();
        String[] garbage = {"*3\r\n*abcde\r\n", "*x\r\n", "*1\r\n$-5\r\n", "*1\r\n$99999999999\r\n",
            "PING \"a\r\n", "\u0000\u0001\u0002\r\n*1\r\n$x\r\n"};
        for (int round = 0; round < 5; round++) {
            for (String g : garbage) {
                try (Socket s = raw(alpha)) {
                    s.getOutputStream().write(("PING\r\n" + g).getBytes(StandardCharsets.ISO_8859_1));
                    String got = readAll(s);
                    assertTrue(got.startsWith("+PONG\r\n"), got);
                }
            }
        }
        good.join(60_000);
        assertFalse(good.isAlive());
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void malformedFramingAnsweredAfterEarlierRepliesThenClosed() throws Exception {
        try (Socket s = raw(alpha)) {
            s.getOutputStream().write("SET mf 1\r\nGET mf\r\n*1\r\n$x\r\nPING\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("+OK\r\n$1\r\n1\r\n-ERR Protocol error: invalid bulk length\r\n", readAll(s));
        }
    }

    @Test
    void unknownAndWrongArityKeepTheConnection() throws Exception {
        try (Socket s = raw(alpha)) {
            // KEYSX, not KEYS: KEYS is a whole-pool command of the redis 7 command table now
            String want = "-ERR unknown command 'KEYSX', with args beginning with: '*' \r\n"
                    + "-ERR wrong number of arguments for 'get' command\r\n"
                    + "-ERR unknown command 'foo', with args beginning with: \r\n"
                    + "$5\r\nhello\r\n+OK\r\n-ERR DB index is out of range\r\n+PONG\r\n";
            assertEquals(want, exchange(s, "KEYSX *\r\n*3\r\n$3\r\nget\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\n$3\r\nfoo\r\n"
                    + "PING hello\r\nSELECT 0\r\nSELECT 2\r\nPING\r\n", want.length()));
            assertEquals("+OK\r\n", exchange(s, "QUIT\r\n", 5));
            assertTrue(s.getInputStream().read() < 0);
        }
    }

    @Test
    void requestsSentOneByteAtATime() throws Exception {
        try (Socket s = raw(beta)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            byte[] req = ("*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$5\r\nbytes\r\nGET slow\r\n"
                    + "*2\r\n$3\r\nGET\r\n$4\r\nslow\r\n").getBytes(StandardCharsets.ISO_8859_1);
            for (byte b : req) {
                out.write(b);
                out.flush();
                Thread.sleep(1); // the scenario: each byte its own segment, arriving apart
            }
            String want = "+OK\r\n$5\r\nbytes\r\n$5\r\nbytes\r\n";
            assertEquals(want, exchange(s, "", want.length()));
        }
    }

    // raw socket helpers

    private static Socket raw(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static String exchange(Socket s, String req, int len) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(req.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] b = new byte[len];
        int n = 0;
        while (n < len) {
            int r = in.read(b, n, len - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static String readAll(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] b = new byte[4096];
        int r;
        while ((r = in.read(b)) >= 0) {
            out.write(b, 0, r);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
