package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.fixture.RespConn;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * redis 7's command table through twemproxy4j (in this JVM) over 4 real redis-server backends: the live
 * {@code COMMAND} table against the recorded one, co-located versus cross-server multi-key commands, whole-pool
 * commands (SCAN over 10,000 keys, DBSIZE, KEYS, FLUSHDB, RANDOMKEY, SCRIPT), proxy-local and refused commands,
 * and jedis used as its users use it (pipeline, ScanParams iteration, scripts with hash tags). The pools hash with
 * murmur (fnv1a_64 puts short keys that differ in their last bytes on one server). Pool "p" uses
 * 16 KiB mbufs, pool "small" the same servers through a 512-byte-mbuf core (replies spliced across mbufs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisCommandsIT {
    private final List<RedisServer> backends = new ArrayList<>();
    private InProcessProxy proxy;
    private InProcessProxy proxy512;
    private int port;
    private int small;

    @BeforeAll
    void start() throws Exception {
        RedisServer.startAll(backends, 4);
        port = Ports.free();
        small = Ports.free();
        StringBuilder servers = new StringBuilder("  servers:\n");
        for (RedisServer b : backends) {
            servers.append("   - ").append(b.address()).append(":1\n");
        }
        String pool = "  redis: true\n  hash: murmur\n  distribution: ketama\n  hash_tag: \"{}\"\n" + servers;
        proxy = new InProcessProxy("p:\n  listen: 127.0.0.1:" + port + "\n" + pool, 16384);
        proxy512 = new InProcessProxy("small:\n  listen: 127.0.0.1:" + small + "\n" + pool, 512);
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (proxy512 != null) {
            proxy512.close();
        }
        RedisServer.closeAll(backends);
    }

    @BeforeEach
    void flush() {
        RedisServer.flushAll(backends);
    }

    /** The backend (index) holding {@code key}, or -1. */
    private int holder(String key) {
        for (int i = 0; i < backends.size(); i++) {
            if (backends.get(i).command("EXISTS", key).equals(":1\r\n")) {
                return i;
            }
        }
        return -1;
    }

    /** Two key names the pool puts on different servers (found by writing probes through the proxy). */
    private String[] crossPair(RespConn c) throws IOException {
        String first = null;
        int firstAt = -1;
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            String k = "probe" + i;
            seen.append(c.call("SET", k, "x").trim());
            int at = holder(k);
            seen.append(at).append(' ');
            c.call("DEL", k);
            if (first == null) {
                first = k;
                firstAt = at;
            } else if (at != firstAt) {
                return new String[] {first, k};
            }
        }
        throw new AssertionError("no two probes on different servers: " + seen);
    }

    @Test
    void liveCommandTableMatchesTheRecordingAndEveryCommandIsKnownToTheProxy() throws Exception {
        Path rec = Path.of("..", "protocol-redis", "src", "test", "resources", "redis-commands.txt");
        Set<String> recorded = new TreeSet<>();
        for (String line : Files.readAllLines(rec)) {
            if (!line.startsWith("#") && !line.isBlank()) {
                recorded.add(line.split(" ")[0]);
            }
        }
        String list = backends.get(0).command("COMMAND", "LIST");
        Set<String> live = new TreeSet<>();
        for (String line : list.split("\r\n")) {
            if (!line.startsWith("*") && !line.startsWith("$") && !line.isEmpty() && !line.contains("|")) {
                live.add(line);
            }
        }
        assertEquals(live, recorded, "regenerate with scripts/redis-command-table.sh and class the new commands");
        try (RespConn c = new RespConn(port)) {
            for (String name : live) {
                if (name.equals("quit")) {
                    continue;
                }
                String r = c.call(name);
                assertFalse(r.startsWith("-ERR unknown command"), name + ": " + r);
                if (name.equals("multi")) {
                    assertEquals("+OK\r\n", c.call("DISCARD"), "a transaction is open, as in redis");
                }
                assertEquals("+PONG\r\n", c.call("PING"), "after " + name);
            }
        }
    }

    @Test
    void scriptKillReachesAServerBusyWithAScript() throws Exception {
        for (RedisServer b : backends) {
            b.command("CONFIG", "SET", "lua-time-limit", "10");
        }
        try (RespConn busy = new RespConn(port); RespConn other = new RespConn(port)) {
            // an endless script on the shared connection to one server: what follows it there waits
            busy.out.write(Resp.command("EVAL", "while true do end", "1", "{busy}k"));
            busy.out.flush();
            int at = -1;
            for (int i = 0; i < 200 && at < 0; i++) {
                for (int k = 0; k < backends.size(); k++) {
                    if (backends.get(k).command("PING").startsWith("-BUSY")) {
                        at = k;
                    }
                }
                Thread.sleep(10);
            }
            assertTrue(at >= 0, "a server runs the script");
            String fk = other.call("FUNCTION", "KILL");
            assertTrue(fk.startsWith("-NOTBUSY") || fk.startsWith("-BUSY"), "no function runs, a server's own error: " + fk);
            assertEquals("+OK\r\n", other.call("SCRIPT", "KILL"), "on a connection of its own, past the script");
            String killed = new String(Resp.readReply(busy.in), StandardCharsets.ISO_8859_1);
            assertTrue(killed.startsWith("-ERR") && killed.contains("killed"), killed);
            assertEquals("+PONG\r\n", busy.call("PING"));
            assertEquals("-NOTBUSY No scripts in execution right now.\r\n", other.call("SCRIPT", "KILL"));
        } finally {
            for (RedisServer b : backends) {
                b.command("CONFIG", "SET", "lua-time-limit", "5000");
            }
        }
    }

    @Test
    void commandIsTheProxysOwnTable() throws Exception {
        try (RespConn c = new RespConn(port)) {
            String list = c.call("COMMAND", "LIST");
            Set<String> names = new TreeSet<>();
            for (String line : list.split("\r\n")) {
                if (!line.startsWith("*") && !line.startsWith("$")) {
                    names.add(line);
                }
            }
            assertTrue(names.contains("get") && names.contains("xadd") && names.contains("scan"), list);
            for (String refused : new String[] {"config", "debug", "shutdown", "monitor", "cluster", "swapdb"}) {
                assertFalse(names.contains(refused), refused + " is not served, so not listed");
            }
            long direct = Long.parseLong(backends.get(0).command("COMMAND", "COUNT").substring(1).trim());
            assertEquals(":" + names.size() + "\r\n", c.call("COMMAND", "COUNT"), "COUNT agrees with LIST");
            assertTrue(names.size() < direct && names.size() > direct - 60, names.size() + " of " + direct);
            String info = c.call("COMMAND", "INFO", "get", "config", "nosuch");
            assertTrue(info.startsWith("*3\r\n*10\r\n$3\r\nget\r\n"), info);
            assertTrue(info.endsWith("*-1\r\n*-1\r\n"), "nil for a refused and an unknown command: " + info);
            String all = c.call("COMMAND");
            assertEquals("*" + names.size(), all.substring(0, all.indexOf("\r\n")), "one entry per served command");
            String docs = c.call("COMMAND", "DOCS", "get", "config");
            assertTrue(docs.startsWith("*2\r\n$3\r\nget\r\n"), docs);
            assertEquals(backends.get(0).command("COMMAND", "GETKEYS", "SET", "k", "v"),
                    c.call("COMMAND", "GETKEYS", "SET", "k", "v"));
            assertEquals("+PONG\r\n", c.call("PING"));
        }
    }

    @Test
    void colocatedMultiKeyCommandsAreForwardedAndCrossServerOnesRefused() throws Exception {
        try (RespConn c = new RespConn(port)) {
            String[] x = crossPair(c);
            String a = x[0];
            String b = x[1];
            String[][] cross = {
                {"rename", "RENAME", a, b}, {"renamenx", "RENAMENX", a, b}, {"smove", "SMOVE", a, b, "m"},
                {"rpoplpush", "RPOPLPUSH", a, b}, {"lmove", "LMOVE", a, b, "LEFT", "RIGHT"},
                {"copy", "COPY", a, b}, {"sinterstore", "SINTERSTORE", a, a, b}, {"sunionstore", "SUNIONSTORE", a, b},
                {"sdiffstore", "SDIFFSTORE", b, a}, {"sinter", "SINTER", a, b},
                {"zunionstore", "ZUNIONSTORE", a, "2", a, b}, {"zinterstore", "ZINTERSTORE", a, "1", b},
                {"zdiffstore", "ZDIFFSTORE", a, "2", a, b}, {"pfmerge", "PFMERGE", a, b}, {"pfcount", "PFCOUNT", a, b},
                {"sintercard", "SINTERCARD", "2", a, b}, {"lmpop", "LMPOP", "2", a, b, "LEFT"},
                {"zmpop", "ZMPOP", "2", a, b, "MIN"}, {"bitop", "BITOP", "AND", a, b},
                {"geosearchstore", "GEOSEARCHSTORE", a, b, "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
                {"georadius", "GEORADIUS", a, "0", "0", "1", "km", "STORE", b},
                {"eval", "EVAL", "return 1", "2", a, b}, {"msetnx", "MSETNX", a, "1", b, "2"},
                {"xread", "XREAD", "STREAMS", a, b, "0", "0"}, {"sort", "SORT", a, "STORE", b},
            };
            c.call("SET", a, "1");
            for (String[] t : cross) {
                String[] argv = java.util.Arrays.copyOfRange(t, 1, t.length);
                assertEquals("-CROSSSLOT Keys in request don't hash to the same server (command '" + t[0] + "')\r\n",
                        c.call(argv), String.join(" ", argv));
            }
            assertEquals("$1\r\n1\r\n", c.call("GET", a), "nothing was forwarded");
            assertEquals(-1, holder(b));
            // co-located through hash tags: forwarded, and the result lands with its source
            assertEquals("+OK\r\n", c.call("SET", "{t}a", "v"));
            assertEquals("+OK\r\n", c.call("RENAME", "{t}a", "{t}b"));
            assertEquals("$1\r\nv\r\n", c.call("GET", "{t}b"));
            assertEquals(":1\r\n", c.call("COPY", "{t}b", "{t}c"));
            assertEquals(":2\r\n", c.call("SADD", "{t}s1", "1", "2"));
            assertEquals(":2\r\n", c.call("SADD", "{t}s2", "2", "3"));
            assertEquals(":1\r\n", c.call("SINTERSTORE", "{t}d", "{t}s1", "{t}s2"));
            assertEquals(":1\r\n", c.call("SINTERCARD", "2", "{t}s1", "{t}s2"));
            assertEquals(":1\r\n", c.call("SMOVE", "{t}s1", "{t}s2", "1"));
            assertEquals(":1\r\n", c.call("RPUSH", "{t}l", "x"));
            assertEquals("$1\r\nx\r\n", c.call("LMOVE", "{t}l", "{t}l2", "LEFT", "RIGHT"));
            assertEquals(":2\r\n", c.call("RPUSH", "{t}l3", "a", "b"));
            assertEquals("*2\r\n$5\r\n{t}l3\r\n*1\r\n$1\r\na\r\n",
                    c.call("LMPOP", "2", "{t}none", "{t}l3", "LEFT"));
            assertEquals(":1\r\n", c.call("PFADD", "{t}h1", "a"));
            assertEquals("+OK\r\n", c.call("PFMERGE", "{t}h2", "{t}h1"));
            assertEquals(":1\r\n", c.call("PFCOUNT", "{t}h1", "{t}h2"));
            assertEquals(":2\r\n", c.call("EVAL", "return #KEYS", "2", "{t}a", "{t}b"));
            assertEquals(":3\r\n", c.call("ZUNIONSTORE", "{t}z", "2", "{t}s2", "{t}d"));
            String id = c.call("XADD", "{t}x1", "1-1", "f", "v");
            assertEquals("$3\r\n1-1\r\n", id);
            assertTrue(c.call("XREAD", "STREAMS", "{t}x1", "{t}x2", "0", "0").startsWith("*1\r\n*2\r\n$5\r\n{t}x1"));
            int at = holder("{t}b");
            assertTrue(at >= 0);
            for (String k : new String[] {"{t}c", "{t}d", "{t}s2", "{t}l2", "{t}h2", "{t}z"}) {
                assertEquals(at, holder(k), k + " lives with {t}b");
            }
            // the blocking form is a session command: it blocks on a dedicated connection, then times out
            assertEquals("*-1\r\n", c.call("XREAD", "BLOCK", "10", "STREAMS", "{t}x1", "$"));
            assertEquals("+PONG\r\n", c.call("PING"));
        }
    }

    @Test
    void scanVisitsEveryKeyOfEveryServerExactlyOnceWithMatchAndCount() throws Exception {
        for (int p : new int[] {port, small}) {
            flush();
            try (RespConn c = new RespConn(p)) {
                for (int base = 0; base < 10_000; base += 500) {
                    List<String> argv = new ArrayList<>(List.of("MSET"));
                    for (int i = base; i < base + 500; i++) {
                        argv.add("scan:" + i);
                        argv.add("v");
                    }
                    assertEquals("+OK\r\n", c.call(argv.toArray(new String[0])));
                }
                for (int i = 0; i < 300; i++) {
                    c.call("HSET", "other:" + i, "f", "v");
                }
                long total = 0;
                for (RedisServer b : backends) {
                    long n = Long.parseLong(b.command("DBSIZE").substring(1).trim());
                    assertTrue(n > 1000, "keys on every server: " + n);
                    total += n;
                }
                assertEquals(10_300, total);
                assertEquals(":10300\r\n", c.call("DBSIZE"));
                List<String> seen = new ArrayList<>();
                String cursor = "0";
                int calls = 0;
                do {
                    String r = c.call("SCAN", cursor, "MATCH", "scan:*", "COUNT", "200");
                    calls++;
                    String[] lines = r.split("\r\n");
                    assertEquals("*2", lines[0]);
                    cursor = lines[2];
                    for (int i = 5; i < lines.length; i += 2) {
                        assertTrue(lines[i].startsWith("scan:"), lines[i]);
                        seen.add(lines[i]);
                    }
                } while (!cursor.equals("0"));
                assertEquals(10_000, seen.size(), "every key once (" + calls + " calls)");
                assertEquals(10_000, new HashSet<>(seen).size());
                assertTrue(calls > 4, "COUNT honoured: " + calls);
                // TYPE passes through
                Set<String> hashes = new HashSet<>();
                cursor = "0";
                do {
                    String[] lines = c.call("SCAN", cursor, "COUNT", "1000", "TYPE", "hash").split("\r\n");
                    cursor = lines[2];
                    for (int i = 5; i < lines.length; i += 2) {
                        hashes.add(lines[i]);
                    }
                } while (!cursor.equals("0"));
                assertEquals(300, hashes.size());
                assertTrue(c.call("SCAN", "x").startsWith("-ERR invalid cursor"));
            }
        }
    }

    @Test
    void wholePoolCommands() throws Exception {
        try (RespConn c = new RespConn(port); RespConn s = new RespConn(small)) {
            assertEquals(":0\r\n", c.call("DBSIZE"));
            assertEquals("$-1\r\n", c.call("RANDOMKEY"));
            assertEquals("*0\r\n", c.call("KEYS", "*"));
            Set<String> keys = new TreeSet<>();
            for (int i = 0; i < 200; i++) {
                c.call("SET", "k" + i + "-" + "x".repeat(i), "v");
                keys.add("k" + i + "-" + "x".repeat(i));
            }
            assertEquals(":200\r\n", c.call("DBSIZE"));
            for (RespConn conn : new RespConn[] {c, s}) {
                String[] lines = conn.call("KEYS", "k*").split("\r\n");
                assertEquals("*200", lines[0]);
                Set<String> got = new TreeSet<>();
                for (int i = 2; i < lines.length; i += 2) {
                    got.add(lines[i]);
                }
                assertEquals(keys, got);
            }
            // INFO: the pool's view: the keyspace summed over the 4 servers, the proxy's own Server section
            for (int i = 0; i < 10; i++) {
                c.call("EXPIRE", "k" + i + "-" + "x".repeat(i), "1000");
            }
            String ks = c.call("INFO", "keyspace");
            assertTrue(ks.contains("# Keyspace\r\ndb0:keys=200,expires=10,avg_ttl="), ks);
            assertFalse(ks.contains("# Server"), ks);
            long perServer = 0;
            for (RedisServer b : backends) {
                String one = b.command("INFO", "keyspace");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("db0:keys=(\\d+)").matcher(one);
                assertTrue(m.find(), one);
                perServer += Long.parseLong(m.group(1));
            }
            assertEquals(200, perServer, "the keys really are spread over the servers");
            String info = c.call("INFO");
            assertTrue(info.contains("# Server\r\nredis_version:"), info);
            assertTrue(info.contains("proxy:twemproxy4j\r\n") && info.contains("pool_servers:4\r\n"), info);
            assertFalse(info.contains("tcp_port:"), "no backend's Server section: " + info);
            java.util.regex.Matcher cc = java.util.regex.Pattern.compile("connected_clients:(\\d+)").matcher(info);
            assertTrue(cc.find(), info);
            assertEquals("1", cc.group(1), "the proxy's own clients of this pool (the other client is on another)");
            assertTrue(info.contains("# Stats\r\n") && info.contains("# Memory\r\n"), info);
            String rk = c.call("RANDOMKEY");
            assertTrue(keys.contains(rk.split("\r\n")[1]), rk);
            assertTrue(c.call("TIME").startsWith("*2\r\n"));
            assertTrue(c.call("LASTSAVE").startsWith(":"));
            String sha = c.call("SCRIPT", "LOAD", "return redis.call('get', KEYS[1])").split("\r\n")[1];
            for (RedisServer b : backends) {
                assertEquals("*1\r\n:1\r\n", b.command("SCRIPT", "EXISTS", sha));
            }
            assertEquals("*2\r\n:1\r\n:0\r\n", c.call("SCRIPT", "EXISTS", sha, "0".repeat(40)));
            backends.get(2).command("SCRIPT", "FLUSH");
            assertEquals("*1\r\n:0\r\n", c.call("SCRIPT", "EXISTS", sha), "1 only where every server has it");
            assertEquals("+OK\r\n", c.call("SCRIPT", "FLUSH"));
            assertEquals("+OK\r\n", c.call("FLUSHDB"));
            for (RedisServer b : backends) {
                assertEquals(":0\r\n", b.command("DBSIZE"));
            }
            c.call("SET", "a", "1");
            assertEquals("+OK\r\n", c.call("FLUSHALL", "SYNC"));
            assertEquals(":0\r\n", c.call("DBSIZE"));
            assertTrue(c.call("FLUSHDB", "BAD").startsWith("-ERR"), "a server error comes back");
        }
    }

    @Test
    void proxyLocalAndRefusedCommands() throws Exception {
        try (RespConn c = new RespConn(port)) {
            assertEquals("+PONG\r\n", c.call("PING"));
            assertEquals("$2\r\nhi\r\n", c.call("PING", "hi"));
            assertEquals("$5\r\nhello\r\n", c.call("ECHO", "hello"));
            assertEquals("+OK\r\n", c.call("SELECT", "0"));
            assertEquals("-ERR DB index is out of range\r\n", c.call("SELECT", "1"));
            assertEquals("$-1\r\n", c.call("CLIENT", "GETNAME"));
            assertEquals("+OK\r\n", c.call("CLIENT", "SETNAME", "me"));
            assertEquals("$2\r\nme\r\n", c.call("CLIENT", "GETNAME"));
            assertTrue(c.call("CLIENT", "SETNAME", "a b").startsWith("-ERR Client names cannot contain"));
            String id = c.call("CLIENT", "ID");
            assertTrue(id.matches(":\\d+\r\n"), id);
            assertTrue(c.call("CLIENT", "INFO").contains("id=" + id.substring(1).trim() + " name=me "));
            try (RespConn other = new RespConn(port)) {
                assertNotEquals(id, other.call("CLIENT", "ID"), "each client has its own id");
                assertEquals("$-1\r\n", other.call("CLIENT", "GETNAME"), "a name belongs to one client");
                other.call("HELLO", "2", "SETNAME", "viahello");
                assertEquals("$8\r\nviahello\r\n", other.call("CLIENT", "GETNAME"));
            }
            assertTrue(c.call("CLIENT", "LIST").contains("cmd=client|list"));
            assertEquals("-ERR CLIENT KILL is not supported by the proxy\r\n", c.call("CLIENT", "KILL", "x"));
            String hello = c.call("HELLO", "2");
            assertTrue(hello.startsWith("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"), hello);
            assertTrue(hello.contains("$5\r\nproto\r\n:2\r\n"), hello);
            assertEquals("-NOPROTO unsupported protocol version\r\n", c.call("HELLO", "3"));
            for (String cmd : new String[] {"CONFIG GET maxmemory", "DEBUG SLEEP 0", "SHUTDOWN", "REPLICAOF no one",
                "SLAVEOF no one", "CLUSTER INFO", "MONITOR", "SYNC", "SWAPDB 0 1", "MOVE k 1", "ACL WHOAMI",
                "FAILOVER", "BGSAVE", "MIGRATE 127.0.0.1 1 k 0 1"}) {
                String[] argv = cmd.split(" ");
                assertEquals("-ERR command '" + argv[0].toLowerCase() + "' is not forwarded by the proxy\r\n",
                        c.call(argv), cmd);
            }
            // session commands are served on dedicated server connections (SessionsIT has the details)
            assertEquals("*-1\r\n", c.call("BLPOP", "a", "0.05"));
            assertEquals("+OK\r\n", c.call("MULTI"));
            assertEquals("-ERR WATCH inside MULTI is not allowed\r\n", c.call("WATCH", "a"));
            assertEquals("*0\r\n", c.call("EXEC"));
            assertEquals(":0\r\n", c.call("PUBLISH", "ch", "m"));
            assertEquals("+PONG\r\n", c.call("PING"), "the connection stays open");
            // MEMORY USAGE has a key after its subcommand: forwarded to that key's server, like OBJECT
            assertEquals("+OK\r\n", c.call("SET", "mem:k", "v"));
            assertTrue(c.call("MEMORY", "USAGE", "mem:k").matches(":\\d+\r\n"));
            assertEquals("$-1\r\n", c.call("MEMORY", "USAGE", "mem:absent"));
            for (RedisServer b : backends) {
                assertTrue(b.command("CONFIG", "GET", "maxmemory").startsWith("*2"), "servers untouched");
            }
        }
    }

    @Test
    void jedisPipelineScanAndScriptsWithHashTags() {
        try (Jedis j = new Jedis("127.0.0.1", port, 10_000)) {
            Pipeline p = j.pipelined();
            List<Response<String>> sets = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                sets.add(p.set("jk:" + i, "v" + i));
            }
            Response<List<String>> mget = p.mget("jk:1", "jk:500", "missing", "jk:999");
            Response<Long> dbsize = p.dbSize();
            p.sync();
            for (Response<String> r : sets) {
                assertEquals("OK", r.get());
            }
            assertEquals(java.util.Arrays.asList("v1", "v500", null, "v999"), mget.get());
            assertEquals(1000L, dbsize.get());

            Set<String> seen = new HashSet<>();
            int n = 0;
            ScanParams params = new ScanParams().match("jk:*").count(50);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> r = j.scan(cursor, params);
                n += r.getResult().size();
                seen.addAll(r.getResult());
                cursor = r.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            assertEquals(1000, n);
            assertEquals(1000, seen.size());

            Object got = j.eval("redis.call('set', KEYS[1], ARGV[1]); return redis.call('incrby', KEYS[2], 5)",
                    List.of("{user:1}name", "{user:1}visits"), List.of("ann"));
            assertEquals(5L, got);
            assertEquals("ann", j.get("{user:1}name"));
            String sha = j.scriptLoad("return redis.call('get', KEYS[1])");
            for (int i = 0; i < 20; i++) {
                assertEquals("v" + i, j.evalsha(sha, List.of("jk:" + i), List.of()));
            }
            assertTrue(j.scriptExists(sha));
            try {
                j.eval("return 1", List.of("jk:1", "jk:2", "jk:3", "jk:4", "jk:5"), List.of());
                throw new AssertionError("keys on several servers must be refused");
            } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                assertTrue(e.getMessage().startsWith("CROSSSLOT"), e.getMessage());
            }
            assertEquals("PONG", j.ping());
            assertNull(j.clientGetname());
            assertNotNull(j.echo("x"));
        }
    }
}
