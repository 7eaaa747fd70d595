package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Await;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisCluster;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.RespConn;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A real Redis Cluster (3 masters, 3 replicas) behind a {@code redis_cluster: true} pool of twemproxy4j's core
 * (in this JVM), driven by jedis as a plain redis client. The tests run in order: the last one kills a master.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private RedisCluster cluster;
    private InProcessProxy proxy;
    private int port;
    private String replica;

    @BeforeAll
    void start() throws Exception {
        cluster = RedisCluster.start(3);
        port = Ports.free();
        // three seeds, one of them a replica: the proxy finds the other masters through the slot map
        replica = Await.value("a replica", Duration.ofSeconds(20),
                () -> RedisCluster.nodes(cluster.any()).stream().filter(n -> !n.master()).findFirst(),
                java.util.Optional::isPresent).orElseThrow().address();
        String yaml = "cl:\n  listen: 127.0.0.1:" + port + "\n  redis: true\n  redis_cluster: true\n"
                + "  timeout: 2000\n  servers:\n   - " + cluster.servers().get(0).address() + ":1\n   - "
                + cluster.servers().get(1).address() + ":1\n   - " + replica + ":1\n";
        proxy = new InProcessProxy(yaml, 16384);
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A master of the cluster other than {@code a}. */
    private RedisServer anotherMaster(RedisServer a) {
        return cluster.server(cluster.masters().stream().filter(m -> !m.address().equals(a.address())).findFirst()
                .orElseThrow().address());
    }

    private Jedis client() {
        Jedis j = new Jedis("127.0.0.1", port, 5000);
        j.connect();
        return j;
    }

    @Test
    @Order(1)
    void everyKeyLandsOnTheMasterOfItsSlot() {
        List<RedisCluster.Node> masters = cluster.masters();
        assertEquals(3, masters.size());
        Set<String> used = new HashSet<>();
        try (Jedis j = client()) {
            for (int i = 0; i < 300; i++) {
                String k = "place:" + i;
                assertEquals("OK", j.set(k, "v" + i));
            }
            for (int i = 0; i < 300; i++) {
                String k = "place:" + i;
                int slot = cluster.keyslot(k);
                RedisCluster.Node owner = cluster.owner(slot);
                used.add(owner.address());
                RedisServer direct = cluster.server(owner.address());
                String raw = direct.command("GET", k);
                assertEquals("$" + ("v" + i).length() + "\r\nv" + i + "\r\n", raw, k + " (slot " + slot + ")");
                assertEquals("v" + i, j.get(k));
            }
        }
        assertEquals(3, used.size(), "keys on every master");
    }

    @Test
    @Order(2)
    void multiKeyCommandsSpanEveryMaster() {
        try (Jedis j = client()) {
            String[] kv = new String[60];
            String[] keys = new String[30];
            for (int i = 0; i < 30; i++) {
                keys[i] = "mk:" + i;
                kv[2 * i] = keys[i];
                kv[2 * i + 1] = "val" + i;
            }
            Set<String> owners = new HashSet<>();
            for (String k : keys) {
                owners.add(cluster.owner(cluster.keyslot(k)).address());
            }
            assertEquals(3, owners.size(), "the keys span the 3 masters");
            assertEquals("OK", j.mset(kv));
            List<String> got = j.mget(keys);
            for (int i = 0; i < 30; i++) {
                assertEquals("val" + i, got.get(i));
            }
            List<String> withMissing = j.mget("mk:0", "nosuch:1", "mk:29");
            assertEquals("val0", withMissing.get(0));
            assertNull(withMissing.get(1));
            assertEquals("val29", withMissing.get(2));
            assertEquals(30L, j.exists(keys));
            assertEquals(30L, j.touch(keys));
            assertEquals(15L, j.del(java.util.Arrays.copyOf(keys, 15)));
            assertEquals(15L, j.unlink(java.util.Arrays.copyOfRange(keys, 15, 30)));
            assertEquals(0L, j.exists(keys));
            // whole-pool commands go to the masters that own slots (a replica is not counted twice)
            j.mset(kv);
            long total = 0;
            for (RedisCluster.Node m : cluster.masters()) {
                String r = cluster.server(m.address()).command("DBSIZE");
                total += Long.parseLong(r.substring(1).trim());
            }
            // the replica seed holds a copy of its master's keys: counting it too would be wrong
            Await.until("the replica seed in sync", Duration.ofSeconds(20),
                    () -> !cluster.server(replica).command("DBSIZE").equals(":0\r\n"));
            assertEquals(total, j.dbSize());
            assertEquals(30L, j.del(keys));
            // co-located commands: one slot, or -CROSSSLOT
            j.set("{u1}a", "x");
            assertEquals("OK", j.rename("{u1}a", "{u1}b"));
            assertEquals("x", j.get("{u1}b"));
            try {
                j.rename("{u1}b", "{u2}b");
                fail("RENAME across slots succeeded");
            } catch (JedisDataException e) {
                assertEquals("CROSSSLOT Keys in request don't hash to the same slot", e.getMessage());
            }
        }
    }

    @Test
    @Order(3)
    void scanWalksEachMasterOnceWithACursorThatSurvivesConnections() {
        List<RedisCluster.Node> masters = cluster.masters();
        Set<String> want = new HashSet<>();
        Set<String> owners = new HashSet<>();
        try (Jedis j = client()) {
            for (int i = 0; i < 400; i++) {
                String k = "scan:" + i;
                assertEquals("OK", j.set(k, "v"));
                want.add(k);
                owners.add(cluster.owner(cluster.keyslot(k)).address());
            }
        }
        assertEquals(3, owners.size(), "the keys span the 3 masters");
        // the replica seed holds a copy of its master's keys: scanning it too would return them twice
        for (RedisCluster.Node m : masters) {
            assertEquals(":1\r\n", cluster.server(m.address()).command("WAIT", "1", "5000"), m.address());
        }
        // the first slot of each master: the positions (cursor % 16384) a full scan passes through
        Set<Long> starts = new HashSet<>();
        for (RedisCluster.Node m : masters) {
            starts.add((long) m.ranges().stream().mapToInt(r -> r[0]).min().orElseThrow());
        }
        List<String> got = new ArrayList<>();
        Set<Long> positions = new HashSet<>();
        String cursor = "0";
        int calls = 0;
        do {
            // a new connection for every call: the cursor alone carries the iteration
            try (Jedis j = client()) {
                redis.clients.jedis.resps.ScanResult<String> r = j.scan(cursor,
                        new redis.clients.jedis.params.ScanParams().match("scan:*").count(40));
                positions.add(Long.parseLong(cursor) % 16384);
                got.addAll(r.getResult());
                cursor = r.getCursor();
            }
            assertTrue(++calls < 10_000, "the scan ends");
        } while (!cursor.equals("0"));
        Set<String> unique = new HashSet<>(got);
        assertEquals(want, unique, "every key of the set, and no other");
        assertEquals(got.size(), unique.size(), "no key twice (a replica scanned)");
        assertEquals(starts, positions, "one position per master: its first slot");
        // a cursor that is not a number: redis's own error (from the master of slot 0)
        try (Jedis j = client()) {
            try {
                j.scan("x");
                fail("SCAN x succeeded");
            } catch (JedisDataException e) {
                assertTrue(e.getMessage().contains("invalid cursor"), e.getMessage());
            }
        }
    }

    @Test
    @Order(4)
    void keylessCommandsGoToTheMasterOfSlotZero() {
        RedisCluster.Node first = cluster.owner(0);
        // a key of that master's slots: a script with no declared key reads it only where its slot lives (a
        // replica or another master answers the script with an error)
        String k = null;
        for (int i = 0; k == null; i++) {
            if (first.owns(cluster.keyslot("kl:" + i))) {
                k = "kl:" + i;
            }
        }
        try (Jedis j = client()) {
            assertEquals("OK", j.set(k, "here"));
            for (int i = 0; i < 20; i++) {
                assertEquals("here", j.eval("return redis.call('GET', '" + k + "')", 0));
            }
            assertTrue(j.time().size() == 2);
            assertTrue(j.lastsave() > 0);
        }
    }

    @Test
    @Order(5)
    void aSeedNamedByHostIsTheNodeTheMapNamesByIp() throws Exception {
        RedisServer seed = cluster.servers().get(0);
        int hport = Ports.free();
        String yaml = "hn:\n  listen: 127.0.0.1:" + hport + "\n  redis: true\n  redis_cluster: true\n"
                + "  servers:\n   - localhost:" + seed.port() + ":1\n";
        try (InProcessProxy hp = new InProcessProxy(yaml, 16384);
                Jedis j = new Jedis("127.0.0.1", hport, 5000)) {
            String[] kv = new String[60];
            for (int i = 0; i < 30; i++) {
                kv[2 * i] = "hn:" + i;
                kv[2 * i + 1] = "v" + i;
            }
            assertEquals("OK", j.mset(kv)); // keys on every master
            org.twemproxy4j.stats.Stats stats = hp.core.stats();
            List<RedisCluster.Node> masters = cluster.masters();
            String json = Await.value("stats with every master", Duration.ofSeconds(10), () -> {
                org.twemproxy4j.stats.StatsView v = stats.refresh(5000);
                return org.twemproxy4j.stats.StatsJson.render(stats, v, System.currentTimeMillis(), true);
            }, js -> masters.stream().filter(m -> m.port() != seed.port())
                    .allMatch(m -> js.contains("\"" + m.address() + "\": {")));
            assertEquals(3, number(json, "cluster_nodes"), "the seed and the other two masters: " + json);
            assertTrue(json.contains("\"localhost:" + seed.port() + "\": {"), json);
            assertTrue(!json.contains("\"127.0.0.1:" + seed.port() + "\": {"), "the seed twice: " + json);
            for (int i = 0; i < 30; i++) {
                assertEquals("v" + i, j.get("hn:" + i));
            }
        }
    }

    @Test
    @Order(5)
    void aClusterThatNamesItsNodesByHostNameIsServedWithTheNamesLookedUpOffTheLoop() throws Exception {
        List<RedisServer> nodes = cluster.servers().stream().filter(RedisServer::isAlive).toList();
        int hport = Ports.free();
        String yaml = "hc:\n  listen: 127.0.0.1:" + hport + "\n  redis: true\n  redis_cluster: true\n"
                + "  timeout: 3000\n  servers:\n   - " + nodes.get(0).address() + ":1\n";
        try {
            for (RedisServer r : nodes) {
                assertEquals("+OK\r\n", r.command("CONFIG", "SET", "cluster-announce-hostname", "localhost"));
                assertEquals("+OK\r\n", r.command("CONFIG", "SET", "cluster-preferred-endpoint-type", "hostname"));
            }
            // the proxy starts at once: until the cluster bus has spread every node's hostname, CLUSTER SLOTS and
            // MOVED name some nodes "?" (an unknown endpoint: the host of the node that answered, with the port)
            assertTrue(nodes.get(0).command("CLUSTER", "SLOTS").contains("localhost"));
            try (InProcessProxy hp = new InProcessProxy(yaml, 16384);
                    Jedis j = new Jedis("127.0.0.1", hport, 5000)) {
                // the first requests go to the seed, which redirects them to nodes named "localhost": they wait
                // for the lookup, not for an error
                for (int i = 0; i < 100; i++) {
                    assertEquals("OK", j.set("hc:" + i, "v" + i));
                }
                String[] keys = new String[100];
                for (int i = 0; i < 100; i++) {
                    keys[i] = "hc:" + i;
                }
                List<String> got = j.mget(keys);
                for (int i = 0; i < 100; i++) {
                    assertEquals("v" + i, got.get(i));
                }
                org.twemproxy4j.stats.Stats stats = hp.core.stats();
                List<RedisCluster.Node> masters = cluster.masters();
                String json = Await.value("stats with every master by name", Duration.ofSeconds(10), () -> {
                    org.twemproxy4j.stats.StatsView v = stats.refresh(5000);
                    return org.twemproxy4j.stats.StatsJson.render(stats, v, System.currentTimeMillis(), true);
                }, js -> masters.stream().allMatch(m -> js.contains("\"localhost:" + m.port() + "\": {")));
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"(server|client)_err\":(\\d+)")
                        .matcher(json);
                while (m.find()) {
                    assertEquals("0", m.group(2), json);
                }
                // the names were looked up by the lookup thread, not by the event loop
                assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .anyMatch(t -> t.getName().equals("twemproxy4j-lookup")), "no lookup thread");
            }
        } finally {
            for (RedisServer r : nodes) {
                r.command("CONFIG", "SET", "cluster-preferred-endpoint-type", "ip");
            }
        }
    }

    @Test
    @Order(6)
    void aSeedNamedByHostNameIsLookedUpAgainWhenItsConnectionFailsAndThePoolComesUpAtItsNewAddress()
            throws Exception {
        // the proxy resolves names through a hosts file of its own, uncached: the test moves the name
        java.nio.file.Path hosts = java.nio.file.Files.createTempFile("t4j-hosts", "");
        int port = Ports.free();
        try {
            // first the name points where nothing listens (the node binds 127.0.0.1 only): a cluster gone
            java.nio.file.Files.writeString(hosts, "127.0.0.9 seed.t4j.test\n");
            RedisServer node = cluster.servers().stream().filter(RedisServer::isAlive).findFirst().orElseThrow();
            String yaml = "zh:\n  listen: 127.0.0.1:" + port + "\n  redis: true\n  redis_cluster: true\n"
                    + "  servers:\n   - seed.t4j.test:" + node.port() + ":1\n";
            try (Twemproxy4jProcess p = Twemproxy4jProcess.startWith(0,
                    List.of("-Djdk.net.hosts.file=" + hosts, "-Dsun.net.inetaddr.ttl=0"), yaml, "-v", "6")) {
                try (Jedis j = new Jedis("127.0.0.1", port, 5000)) {
                    JedisDataException e = org.junit.jupiter.api.Assertions.assertThrows(JedisDataException.class,
                            () -> j.set("zh:k", "v"));
                    assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("refused"), e.getMessage());
                }
                // then the cluster is "back" at the name's new address
                java.nio.file.Files.writeString(hosts, "127.0.0.1 seed.t4j.test\n");
                Await.until("the pool served through the seed's new address", Duration.ofSeconds(20), () -> {
                    try (Jedis j = new Jedis("127.0.0.1", port, 5000)) {
                        return "OK".equals(j.set("zh:k", "v")) && "v".equals(j.get("zh:k"));
                    } catch (redis.clients.jedis.exceptions.JedisException e) {
                        return false;
                    }
                });
                assertTrue(p.log().contains("cluster node 'seed.t4j.test:" + node.port() + "' is at"), p.log());
                assertEquals("$1\r\nv\r\n", cluster.server(cluster.owner(cluster.keyslot("zh:k")).address())
                        .command("GET", "zh:k"), "the key is on its slot's master");
            }
        } finally {
            java.nio.file.Files.deleteIfExists(hosts);
        }
    }

    @Test
    @Order(6)
    void aClusterPoolThatAReloadRemovesStopsLoadingItsMap() throws Exception {
        int p1 = Ports.free();
        int p2 = Ports.free();
        String seed = cluster.servers().get(0).address();
        long t0 = System.nanoTime();
        try (Twemproxy4jProcess p = Twemproxy4jProcess.start("zr:\n  listen: 127.0.0.1:" + p1 + "\n  redis: true\n"
                + "  redis_cluster: true\n  servers:\n   - " + seed + ":1\n", "-v", "8")) {
            Await.until("the first map of 'zr'", Duration.ofSeconds(10), () -> p.log().contains("pool 'zr' slot map"));
            java.nio.file.Files.writeString(p.confFile(), "zs:\n  listen: 127.0.0.1:" + p2 + "\n  redis: true\n"
                    + "  redis_cluster: true\n  servers:\n   - " + seed + ":1\n");
            p.signal("USR1");
            Await.until("the reload", Duration.ofSeconds(10), () -> p.log().contains("reloaded configuration file"));
            int mark = p.log().indexOf("reloaded configuration file");
            try (Jedis j = new Jedis("127.0.0.1", p2, 5000)) {
                assertEquals("OK", j.set("zs:k", "v"));
                assertEquals("v", j.get("zs:k"));
            }
            // the removed pool's periodic map load would come 10 s after its first one
            long wait = 10_000L + 1500 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            Thread.sleep(Math.max(0, wait));
            String after = p.log().substring(mark);
            assertTrue(after.contains("pool 'zs' slot map"), after);
            assertTrue(!after.contains("pool 'zr' slot map"), "the removed pool still loads its map: " + after);
        }
    }

    @Test
    @Order(6)
    void shardChannelsOfTwoSlotsOnOneNodeGetTheNodesCrossslotAndNoConfirmation() throws Exception {
        String a = "{xa}ch";
        String b = null;
        String owner = cluster.owner(cluster.keyslot(a)).address();
        for (int i = 0; i < 1000 && b == null; i++) {
            String c = "{xb" + i + "}ch";
            if (cluster.keyslot(c) != cluster.keyslot(a) && cluster.owner(cluster.keyslot(c)).address().equals(owner)) {
                b = c;
            }
        }
        assertNotNull(b);
        try (RespConn viaProxy = new RespConn(port); RespConn direct = new RespConn(cluster.server(owner).port())) {
            String refusal = direct.call("SSUBSCRIBE", a, b);
            assertTrue(refusal.startsWith("-CROSSSLOT "), refusal);
            assertEquals(refusal, viaProxy.call("SSUBSCRIBE", a, b));
            assertEquals("+PONG\r\n", viaProxy.call("PING"), "not in subscribed mode");
            assertEquals("*3\r\n$10\r\nssubscribe\r\n$6\r\n" + a + "\r\n:1\r\n", viaProxy.call("SSUBSCRIBE", a),
                    "the refused channels are not counted");
            assertEquals("*3\r\n$12\r\nsunsubscribe\r\n$6\r\n" + a + "\r\n:0\r\n", viaProxy.call("SUNSUBSCRIBE", a));
        }
    }

    @Test
    @Order(6)
    void aShardSubscriberWhoseSlotMovesIsToldAndCanSubscribeAgainOnTheNewOwner() throws Exception {
        String ch = "{sm}ch";
        int slot = cluster.keyslot(ch);
        RedisServer a = cluster.server(cluster.owner(slot).address());
        RedisServer b = anotherMaster(a);
        boolean moved = false;
        try (RespConn sub = new RespConn(port); RespConn pub = new RespConn(port)) {
            assertEquals("*3\r\n$10\r\nssubscribe\r\n$6\r\n" + ch + "\r\n:1\r\n", sub.call("SSUBSCRIBE", ch));
            assertEquals(":1\r\n", pub.call("SPUBLISH", ch, "one"));
            assertEquals("*3\r\n$8\r\nsmessage\r\n$6\r\n" + ch + "\r\n$3\r\none\r\n", sub.read());
            cluster.moveSlot(slot, a, b);
            moved = true;
            // redis tells the subscriber that the slot left its node: the client's own count, as from one redis
            assertEquals("*3\r\n$12\r\nsunsubscribe\r\n$6\r\n" + ch + "\r\n:0\r\n", sub.read());
            assertEquals("*2\r\n$4\r\npong\r\n$0\r\n\r\n", sub.call("PING"));
            // as a cluster-aware client does, it subscribes again: now on the new owner
            assertEquals("*3\r\n$10\r\nssubscribe\r\n$6\r\n" + ch + "\r\n:1\r\n", sub.call("SSUBSCRIBE", ch));
            assertTrue(b.command("PUBSUB", "SHARDCHANNELS").contains(ch));
            assertEquals(":1\r\n", pub.call("SPUBLISH", ch, "two"));
            assertEquals("*3\r\n$8\r\nsmessage\r\n$6\r\n" + ch + "\r\n$3\r\ntwo\r\n", sub.read());
            assertEquals("*3\r\n$12\r\nsunsubscribe\r\n$6\r\n" + ch + "\r\n:0\r\n", sub.call("SUNSUBSCRIBE", ch));
            assertEquals("*0\r\n", b.command("PUBSUB", "SHARDCHANNELS"), "the new owner still has it");
        } finally {
            if (moved) {
                cluster.moveSlot(slot, b, a);
            }
        }
    }

    @Test
    @Order(6)
    void movedSessionCommandsNeverRunOnASharedConnection() throws Exception {
        String key = "{tm}k";
        int slot = cluster.keyslot(key);
        RedisServer a = cluster.server(cluster.owner(slot).address());
        RedisServer b = anotherMaster(a);
        try (Jedis j = client(); RespConn tx = new RespConn(port)) {
            assertNull(j.get(key)); // the proxy's map has the slot on a
            cluster.moveSlot(slot, a, b); // behind the proxy's back
            assertEquals("+OK\r\n", tx.call("MULTI"));
            String queued = tx.call("SET", key, "in-tx");
            assertTrue(queued.startsWith("-MOVED "), queued); // the node's own answer: the transaction is on a
            assertTrue(tx.call("EXEC").startsWith("-EXECABORT"));
            assertEquals("$-1\r\n", b.command("GET", key), "the queued SET ran outside its transaction");
            assertNull(j.get(key));
        }
        RedisServer owner = b;
        try (Jedis j = client(); RespConn sub = new RespConn(port)) {
            // the MOVEDs made the proxy reload its map (the slot on b); once that settled, move the slot back
            // behind its back
            assertNull(j.get(key));
            Thread.sleep(500);
            cluster.moveSlot(slot, b, a);
            owner = a;
            // a shard subscription to the moved slot follows the MOVED to a session with the new owner (never to a
            // shared connection, which it would put in subscribed mode)
            assertEquals("*3\r\n$10\r\nssubscribe\r\n$6\r\n{tm}ch\r\n:1\r\n", sub.call("SSUBSCRIBE", "{tm}ch"));
            assertTrue(a.command("PUBSUB", "SHARDCHANNELS").contains("{tm}ch"));
            assertEquals("*0\r\n", b.command("PUBSUB", "SHARDCHANNELS"));
            try (RespConn pub = new RespConn(port)) {
                assertEquals(":1\r\n", pub.call("SPUBLISH", "{tm}ch", "hello"));
            }
            assertEquals("*3\r\n$8\r\nsmessage\r\n$6\r\n{tm}ch\r\n$5\r\nhello\r\n", sub.read());
            assertEquals("OK", j.set(key, "after")); // the shared connections still serve ordinary commands
            assertEquals("after", j.get(key));
            assertEquals("*2\r\n$4\r\npong\r\n$0\r\n\r\n", sub.call("PING"));
            j.del(key);
        } finally {
            if (owner != a) {
                cluster.moveSlot(slot, owner, a);
            }
        }
    }

    @Test
    @Order(6)
    void aBlockedPopMovedToAnotherNodeBlocksOnASessionThereNotOnTheSharedConnection() throws Exception {
        String list = "{bm}q";
        int slot = cluster.keyslot(list);
        RedisServer a = cluster.server(cluster.owner(slot).address());
        RedisServer b = anotherMaster(a);
        String probe = null;
        for (int i = 0; probe == null; i++) {
            if (cluster.owner(cluster.keyslot("bm-probe:" + i)).address().equals(b.address())) {
                probe = "bm-probe:" + i;
            }
        }
        try (Jedis j = client(); RespConn popper = new RespConn(port)) {
            assertNull(j.get(list)); // the proxy's map has the slot on a
            j.set(probe, "p");
            cluster.moveSlot(slot, a, b); // behind the proxy's back: a answers MOVED
            // an LLEN pipelined behind the pop waits behind it on the same session, and is moved as any request
            popper.pipeline(new String[] {"BLPOP", list, "3"}, new String[] {"LLEN", list});
            Thread.sleep(300); // the pop is redirected to b and blocks there
            long t0 = System.nanoTime();
            assertEquals("p", j.get(probe)); // b's shared connection is free
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 1000, "a GET on the node of the blocked pop waited " + ms + " ms");
            assertEquals(1L, j.rpush(list, "x"));
            assertEquals("*2\r\n$5\r\n" + list + "\r\n$1\r\nx\r\n", popper.read());
            assertEquals(":0\r\n", popper.read());
        } finally {
            cluster.moveSlot(slot, b, a);
        }
    }

    @Test
    @Order(6)
    void aReadPipelinedBehindABlockedPopRunsAfterIt() throws Exception {
        try (RespConn a = new RespConn(port); RespConn b = new RespConn(port)) {
            a.pipeline(new String[] {"BLPOP", "{cq}list", "5"}, new String[] {"LLEN", "{cq}list"});
            RedisCluster.Node owner = cluster.owner(cluster.keyslot("{cq}list"));
            Await.until("blocked on the node", Duration.ofSeconds(5), () -> {
                try (Jedis n = new Jedis("127.0.0.1", owner.port(), 2000)) {
                    return n.clientList().contains("cmd=blpop");
                }
            });
            assertEquals(":2\r\n", b.call("RPUSH", "{cq}list", "x", "y"));
            assertEquals("*2\r\n$8\r\n{cq}list\r\n$1\r\nx\r\n", a.read());
            assertEquals(":1\r\n", a.read(), "LLEN ran after the pop, on the session's connection");
            assertEquals(":1\r\n", b.call("DEL", "{cq}list"));
        }
    }

    @Test
    @Order(10)
    void workersEachFollowTheClusterAndTheirStatsAdd() throws Exception {
        int wport = Ports.free();
        String yaml = "wk:\n  listen: 127.0.0.1:" + wport + "\n  redis: true\n  redis_cluster: true\n  servers:\n   - "
                + cluster.servers().get(0).address() + ":1\n";
        try (Twemproxy4jProcess p = Twemproxy4jProcess.start(yaml, "--workers=2")) {
            for (int c = 0; c < 4; c++) { // connections spread over the workers
                try (Jedis j = new Jedis("127.0.0.1", wport, 5000)) {
                    String[] kv = new String[40];
                    String[] keys = new String[20];
                    for (int i = 0; i < 20; i++) {
                        keys[i] = "wk:" + c + ":" + i;
                        kv[2 * i] = keys[i];
                        kv[2 * i + 1] = "v" + i;
                    }
                    assertEquals("OK", j.mset(kv));
                    List<String> got = j.mget(keys);
                    for (int i = 0; i < 20; i++) {
                        assertEquals("v" + i, got.get(i));
                    }
                }
            }
            String json = Await.value("stats with every master", Duration.ofSeconds(10), p::stats,
                    s -> cluster.masters().stream().allMatch(m -> s.contains("\"" + m.address() + "\": {")));
            assertTrue(json.contains("\"cluster_map_refreshes\":"), json);
            assertTrue(json.matches("(?s).*\"cluster_nodes\":[3-9].*"), json);
        }
    }

    /** Pipelined SET/GET of tagged values on several connections while {@code work} runs; returns errors. */
    private List<String> underLoad(int clients, Runnable work, Set<String> keysOut) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicLong ops = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int cid = c;
            Thread t = new Thread(() -> {
                try (Jedis j = client()) {
                    int round = 0;
                    while (!stop.get()) {
                        Pipeline p = j.pipelined();
                        List<Response<String>> sets = new ArrayList<>();
                        List<Response<String>> gets = new ArrayList<>();
                        List<String> want = new ArrayList<>();
                        for (int i = 0; i < 32; i++) {
                            String k = "load:" + cid + ":" + i;
                            String v = cid + ":" + i + ":" + round;
                            sets.add(p.set(k, v));
                            gets.add(p.get(k));
                            want.add(v);
                        }
                        p.sync();
                        for (int i = 0; i < 32; i++) {
                            if (!"OK".equals(sets.get(i).get())) {
                                errors.add("set " + i + ": " + sets.get(i).get());
                            }
                            if (!want.get(i).equals(gets.get(i).get())) {
                                errors.add("get " + i + ": " + gets.get(i).get() + " != " + want.get(i));
                            }
                        }
                        ops.addAndGet(64);
                        round++;
                    }
                } catch (Exception e) {
                    errors.add(e.toString());
                }
            });
            t.start();
            ts.add(t);
        }
        for (int c = 0; c < clients; c++) {
            for (int i = 0; i < 32; i++) {
                keysOut.add("load:" + c + ":" + i);
            }
        }
        Await.until("load running", Duration.ofSeconds(10), () -> ops.get() > 1000);
        work.run();
        long at = ops.get();
        Await.until("load after the work", Duration.ofSeconds(10), () -> ops.get() > at + 1000);
        stop.set(true);
        for (Thread t : ts) {
            t.join(10_000);
        }
        return new ArrayList<>(errors);
    }

    @Test
    @Order(11)
    void reshardingToANewNodeUnderPipelinedLoadShowsNoErrors() throws Exception {
        RedisServer added = cluster.addMaster();
        Set<String> keys = new HashSet<>();
        List<String> errors = underLoad(4, () -> {
            // move the slots of some loaded keys (and a few neighbours) from their masters to the new node
            Set<Integer> slots = new HashSet<>();
            for (int c = 0; c < 4; c++) {
                for (int i = 0; i < 32; i += 4) {
                    slots.add(cluster.keyslot("load:" + c + ":" + i));
                }
            }
            for (int s : slots) {
                RedisServer from = cluster.server(cluster.owner(s).address());
                cluster.moveSlot(s, from, added);
            }
        }, keys);
        assertEquals(List.of(), errors, "client-visible errors during the resharding");
        cluster.awaitOk(Duration.ofSeconds(20));
        assertTrue(cluster.masters().stream().anyMatch(n -> n.address().equals(added.address())
                && !n.ranges().isEmpty()), "the new node owns slots");
        // every key readable through the proxy, and served by its slot's owner
        try (Jedis j = client()) {
            int onNew = 0;
            for (String k : keys) {
                String v = j.get(k);
                assertTrue(v != null, k);
                String owner = cluster.owner(cluster.keyslot(k)).address();
                assertTrue(cluster.server(owner).command("GET", k).contains(v), k);
                if (owner.equals(added.address())) {
                    onNew++;
                }
            }
            assertTrue(onNew > 0, "keys served by the new node");
        }
    }

    @Test
    @Order(12)
    void statsShowEveryNodeAndTheRedirections() {
        org.twemproxy4j.stats.Stats stats = proxy.core.stats();
        org.twemproxy4j.stats.StatsView v = stats.refresh(5000);
        String json = org.twemproxy4j.stats.StatsJson.render(stats, v, System.currentTimeMillis(), true);
        String prom = org.twemproxy4j.stats.PrometheusFormat.render(stats, v, System.currentTimeMillis());
        // every master that owns slots is a server of the pool, named by its address, with its requests
        for (RedisCluster.Node m : cluster.masters()) {
            int i = json.indexOf("\"" + m.address() + "\": {");
            assertTrue(i > 0, m.address() + " in " + json);
            assertTrue(prom.contains("server=\"" + m.address() + "\""), m.address());
        }
        long moved = number(json, "cluster_moved");
        long ask = number(json, "cluster_ask");
        long refreshes = number(json, "cluster_map_refreshes");
        assertTrue(moved > 0, "MOVED followed during the resharding: " + json);
        assertTrue(refreshes > 1, "map refreshed after MOVED: " + json);
        assertTrue(number(json, "cluster_nodes") >= 4, json);
        // the replica seed is no master in the map: it got map loads (at most one per refresh), no keyed traffic
        String rs = json.substring(json.indexOf("\"" + replica + "\": {"));
        assertTrue(number(rs, "requests") <= refreshes, "requests to the replica seed: " + rs);
        assertTrue(prom.contains("twemproxy4j_cluster_moved_total{pool=\"cl\"} " + moved), prom);
        assertTrue(prom.contains("twemproxy4j_cluster_ask_total{pool=\"cl\"} " + ask), prom);
        System.out.println("ClusterIT: moved " + moved + ", ask " + ask + ", map refreshes " + refreshes);
    }

    private static long number(String json, String key) {
        int i = json.indexOf("\"" + key + "\":");
        assertTrue(i >= 0, key + " in " + json);
        int s = i + key.length() + 3;
        int e = s;
        while (Character.isDigit(json.charAt(e))) {
            e++;
        }
        return Long.parseLong(json.substring(s, e));
    }

    @Test
    @Order(13)
    void aNodeWhoseSlotsAllMoveAwayClosesItsConnectionsAndLeavesTheStats() throws Exception {
        // the node the resharding test added: its slots go back to another master
        RedisServer added = cluster.servers().get(cluster.servers().size() - 1);
        RedisCluster.Node node = cluster.masters().stream().filter(n -> n.address().equals(added.address()))
                .findFirst().orElseThrow();
        assertTrue(!node.ranges().isEmpty(), "the added node owns slots");
        RedisServer to = anotherMaster(added);
        // it stays a master without slots (not a replica of the node that takes its last one)
        assertTrue(added.command("CONFIG", "SET", "cluster-allow-replica-migration", "no").startsWith("+OK"));
        int moved = -1;
        for (int[] r : node.ranges()) {
            for (int slot = r[0]; slot <= r[1]; slot++) {
                cluster.moveSlot(slot, added, to);
                moved = slot;
            }
        }
        cluster.awaitOk(Duration.ofSeconds(20));
        org.twemproxy4j.stats.Stats stats = proxy.core.stats();
        String listed = "\"" + added.address() + "\": {";
        assertTrue(render(stats).contains(listed), "listed while it owned slots");
        // a request for a moved slot: MOVED, then a map without the node
        String key = null;
        for (int i = 0; key == null; i++) {
            byte[] k = ("gone:" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (org.twemproxy4j.hashkit.ClusterKeySlot.slot(k, 0, k.length) == moved) {
                key = "gone:" + i;
            }
        }
        assertEquals(moved, cluster.keyslot(key));
        try (Jedis j = client()) {
            assertEquals("OK", j.set(key, "v"));
        }
        Await.until("the node out of the stats", Duration.ofSeconds(15), () -> !render(stats).contains(listed));
        // CLIENT LIST lists one client: the connection that asks
        Await.until("no proxy connection left on the node", Duration.ofSeconds(15),
                () -> added.command("CLIENT", "LIST").split("id=", -1).length == 2);
        String json = render(stats);
        assertTrue(json.contains("\"" + to.address() + "\": {"), json);
        try (Jedis j = client()) {
            assertEquals("v", j.get(key), "served by the slot's new owner");
        }
    }

    private static String render(org.twemproxy4j.stats.Stats stats) {
        org.twemproxy4j.stats.StatsView v = stats.refresh(5000);
        return org.twemproxy4j.stats.StatsJson.render(stats, v, System.currentTimeMillis(), true);
    }

    @Test
    @Order(14)
    void aKilledMasterIsReplacedByItsReplica() throws Exception {
        String k = "fo:0";
        RedisCluster.Node victim = cluster.owner(cluster.keyslot(k));
        try (Jedis j = client()) {
            assertEquals("OK", j.set(k, "before"));
        }
        // the replica must have the value before its master dies
        assertEquals(":1\r\n", cluster.server(victim.address()).command("WAIT", "1", "5000"));
        // a client keeps reading and writing keys of every master (the victim's too) through the failover
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<long[]> log = new ConcurrentLinkedQueue<>(); // {nanos, 1 ok / 0 error}
        Thread t = new Thread(() -> {
            Jedis j = null;
            int i = 0;
            while (!stop.get()) {
                String key = "live:" + (i++ % 64);
                try {
                    if (j == null) {
                        j = client();
                    }
                    boolean ok = "OK".equals(j.set(key, "x" + i)) && ("x" + i).equals(j.get(key));
                    log.add(new long[] {System.nanoTime(), ok ? 1 : 0});
                } catch (Exception e) {
                    log.add(new long[] {System.nanoTime(), 0});
                    if (j != null) {
                        j.close();
                    }
                    j = null; // a broken connection: take a new one
                }
            }
            if (j != null) {
                j.close();
            }
        });
        t.start();
        Await.until("load before the kill", Duration.ofSeconds(10), () -> log.size() > 100);
        long killed = System.nanoTime();
        cluster.server(victim.address()).close();
        // errors only until the replica is promoted; then every request succeeds
        Await.until("service through the promoted replica", Duration.ofSeconds(30), () -> {
            long lastError = 0;
            int okAfter = 0;
            for (long[] e : log) {
                if (e[0] < killed) {
                    continue;
                }
                if (e[1] == 0) {
                    lastError = e[0];
                    okAfter = 0;
                } else {
                    okAfter++;
                }
            }
            return lastError > 0 && okAfter > 2000;
        });
        stop.set(true);
        t.join(10_000);
        long lastError = 0;
        long errors = 0;
        long before = 0;
        for (long[] e : log) {
            if (e[1] == 0) {
                errors++;
                lastError = Math.max(lastError, e[0]);
                if (e[0] < killed) {
                    before++;
                }
            }
        }
        assertEquals(0, before, "errors before the kill");
        long window = TimeUnit.NANOSECONDS.toMillis(lastError - killed);
        assertTrue(window < 20_000, "errors for " + window + " ms after the kill");
        cluster.awaitOk(Duration.ofSeconds(20));
        try (Jedis j = client()) {
            for (int i = 0; i < 500; i++) {
                String key = "after:" + i;
                assertEquals("OK", j.set(key, "v" + i));
                assertEquals("v" + i, j.get(key));
            }
            assertEquals("before", j.get(k));
        }
        System.out.println("ClusterIT: failover: " + errors + " failed requests, the last " + window
                + " ms after the kill");
    }
}
