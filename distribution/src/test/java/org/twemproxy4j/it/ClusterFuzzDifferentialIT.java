package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisCluster;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.diff.Bytes;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * The redis differential fuzz ({@link RedisFuzzDifferentialIT}'s grammar and comparison) through a
 * {@code redis_cluster} pool: a real cluster of 3 masters and 3 replicas behind twemproxy4j, one redis-server
 * straight. Every key the grammar makes is put in one slot (the hash tag {@code {f}} in front), as a cluster needs
 * for the commands that take several keys, except in MGET, MSET, DEL, UNLINK, EXISTS and TOUCH, whose keys stay
 * spread over the masters (the proxy splits them per slot); the same bytes go to both sides, so a value that happens
 * to look like a key changes on both. What the grammar makes goes through the cluster pool's whole path: the slot map, the slot's
 * master, MGET/MSET split per slot, whole-pool commands over the masters, CLIENT REPLY, and the other masters and
 * the replicas that hold nothing. {@code -Dfuzz.commands} and {@code -Dfuzz.seed} as for the other fuzz runs.
 */
class ClusterFuzzDifferentialIT {
    private static RedisCluster cluster;
    private static RedisServer direct;
    private static Twemproxy4jProcess proxy;
    private static int port;

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start(3);
        direct = RedisServer.start();
        port = Ports.free();
        StringBuilder seeds = new StringBuilder();
        for (RedisServer s : cluster.servers()) {
            seeds.append("   - ").append(s.address()).append(":1\n");
        }
        proxy = Twemproxy4jProcess.start("cf:\n  listen: 127.0.0.1:" + port + "\n  redis: true\n  redis_cluster: true\n"
                + "  timeout: 30000\n  servers:\n" + seeds, "-m", "512");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (direct != null) {
            direct.close();
        }
    }

    /** The pause between two moves of the slot (a resharding moves each slot once; this one keeps moving it). */
    static final long MOVE_EVERY_MS = Long.getLong("fuzz.moveEveryMs", 1000);

    private static final byte[] TAG = "{f}".getBytes(StandardCharsets.ISO_8859_1);

    /** True for the keys the grammar makes: "type:n" and its odd keys. */
    static boolean isKey(byte[] a) {
        if (a.length >= 3 && a.length <= 4 && a[1] == ':' && "slhSzpg".indexOf(a[0]) >= 0) {
            for (int i = 2; i < a.length; i++) {
                if (a[i] < '0' || a[i] > '9') {
                    return false;
                }
            }
            return true;
        }
        for (byte[] k : RedisFuzzDifferentialIT.BINARY_KEYS) {
            if (Arrays.equals(k, a)) {
                return true;
            }
        }
        return false;
    }

    /** The commands a cluster pool splits per slot: their keys stay as they are, spread over the masters. */
    private static final java.util.Set<String> SPLIT = java.util.Set.of("MGET", "MSET", "DEL", "UNLINK", "EXISTS",
            "TOUCH");

    /**
     * The command with every key in the slot of {@code {f}}, except for the commands split per slot: those keep
     * their keys, a key space of their own (what MSET writes there, MGET, EXISTS and DEL read and remove) spread
     * over the three masters.
     */
    static byte[][] oneSlot(byte[][] c) {
        if (SPLIT.contains(new String(c[0], StandardCharsets.ISO_8859_1).toUpperCase(java.util.Locale.ROOT))) {
            return c;
        }
        byte[][] out = c.clone();
        for (int i = 1; i < out.length; i++) {
            if (isKey(out[i])) {
                byte[] t = Arrays.copyOf(TAG, TAG.length + out[i].length);
                System.arraycopy(out[i], 0, t, TAG.length, out[i].length);
                out[i] = t;
            }
        }
        return out;
    }

    @Test
    @Timeout(7200)
    void everyReplyThroughAClusterPoolIsRedisServersOwn() throws Exception {
        run(FuzzConn.seed() ^ 0xC1L, FuzzConn.commands(), "", true);
    }

    /**
     * The same grammar while the slot of {@code {f}}, where nearly every key lives, moves from master to master
     * over and over (IMPORTING/MIGRATING, MIGRATE in batches, SETSLOT NODE, as redis-cli --cluster reshard does):
     * every MOVED, ASK, TRYAGAIN and CLUSTERDOWN is the proxy's to absorb, none reaches the client, and every reply
     * comes in its place. The replies are not compared with redis-server's here: a multi-key command answered
     * TRYAGAIN waits and is retried while later commands of the pipeline on other keys of the slot go on, so the
     * order of execution (not of replies) may differ from one redis-server's, as with a cluster-aware client.
     */
    @Test
    @Timeout(7200)
    void noClusterErrorReachesAClientWhileTheSlotMoves() throws Exception {
        int slot = cluster.keyslot("{f}");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger moves = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread mover = new Thread(() -> {
            try {
                List<RedisServer> masters = cluster.masters().stream().map(m -> cluster.server(m.address())).toList();
                int at = masters.indexOf(cluster.server(cluster.owner(slot).address()));
                while (!stop.get()) {
                    int next = (at + 1) % masters.size(); // the owner as this thread moved it (gossip may lag)
                    cluster.moveSlot(slot, masters.get(at), masters.get(next));
                    at = next;
                    moves.incrementAndGet();
                    Thread.sleep(MOVE_EVERY_MS);
                }
            } catch (InterruptedException e) {
                // stopped
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "slot-mover");
        mover.start();
        try {
            long errors = 0;
            long seed = FuzzConn.seed() ^ 0xC2L;
            do { // at least two whole moves under the load, however short the run asked for
                errors += run(seed++, FuzzConn.commands(), " while the slot moved", false);
            } while (moves.get() < 2 && failed.get() == null);
            assertEquals(0, errors, "cluster errors that reached the client");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n (slot moves so far: " + moves.get() + ", mover: "
                    + failed.get() + ")", e);
        } finally {
            stop.set(true);
            mover.join(30_000);
        }
        assertEquals(null, failed.get(), "the slot mover");
        org.junit.jupiter.api.Assertions.assertTrue(moves.get() >= 2, "the slot moved " + moves.get() + " times");
        System.out.printf("cluster differential fuzz: the slot of {f} moved %d times%n", moves.get());
    }

    /** Runs the fuzz; {@code exact}: every reply compared with redis-server's. Returns the cluster errors seen. */
    private long run(long seed, long total, String what, boolean exact) throws Exception {
        direct.flushAll();
        for (RedisCluster.Node m : cluster.masters()) {
            assertEquals("+OK\r\n", cluster.server(m.address()).command("FLUSHALL"));
        }
        java.util.TreeMap<String, Long> allowed = new java.util.TreeMap<>();
        long[] clusterErrors = {0};
        RedisFuzzDifferentialIT.Replies check = exact ? RedisFuzzDifferentialIT.compared(seed, allowed)
                : (c, p, d, index) -> {
                    String head = new String(p, 0, Math.min(p.length, 16), StandardCharsets.ISO_8859_1);
                    if (head.startsWith("-MOVED") || head.startsWith("-ASK") || head.startsWith("-TRYAGAIN")
                            || head.startsWith("-CLUSTERDOWN")) {
                        clusterErrors[0]++;
                        System.out.println("cluster error for " + RedisFuzzDifferentialIT.show(c) + ": "
                                + Bytes.show(p, 0, Math.min(p.length, 200)));
                    }
                };
        long t0 = System.nanoTime();
        RedisFuzzDifferentialIT.Counts n;
        try (FuzzConn viaProxy = new FuzzConn(port, "proxy"); FuzzConn viaDirect = new FuzzConn(direct.port(), "direct")) {
            n = RedisFuzzDifferentialIT.exchange(viaProxy, viaDirect, new SplittableRandom(seed), total,
                    ClusterFuzzDifferentialIT::oneSlot, check);
            byte[] on = Resp.command("CLIENT", "REPLY", "ON");
            viaProxy.send(on);
            viaDirect.send(on);
            assertEquals("+OK\r\n", new String(Resp.readReply(viaProxy.in), StandardCharsets.ISO_8859_1));
            assertEquals("+OK\r\n", new String(Resp.readReply(viaDirect.in), StandardCharsets.ISO_8859_1));
        }
        if (!exact) {
            System.out.printf("cluster fuzz%s: %,d commands in %,d batches, %d cluster errors reached the client, seed"
                    + " 0x%x%n", what, n.done(), n.batches(), clusterErrors[0], seed);
            return clusterErrors[0];
        }
        // the split commands' keys were spread: more than one master holds keys
        long holding = cluster.masters().stream()
                .filter(m -> !cluster.server(m.address()).command("DBSIZE").equals(":0\r\n")).count();
        org.junit.jupiter.api.Assertions.assertTrue(holding >= 2, "keys on " + holding + " master(s)");
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("cluster differential fuzz%s: %,d commands in %,d batches, 0 mismatches (allowed"
                + " differences: %s), seed 0x%x, %.1f s%n", what, n.done(), n.batches(), allowed, seed, secs);
        assertEquals(total, n.done());
        return clusterErrors[0];
    }
}
