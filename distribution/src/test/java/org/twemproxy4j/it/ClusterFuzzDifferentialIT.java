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
        long seed = FuzzConn.seed() ^ 0xC1L;
        long total = FuzzConn.commands();
        SplittableRandom r = new SplittableRandom(seed);
        direct.flushAll();
        long done = 0;
        long batches = 0;
        java.util.TreeMap<String, Long> allowed = new java.util.TreeMap<>();
        long t0 = System.nanoTime();
        RedisFuzzDifferentialIT.ReplyModel replies = new RedisFuzzDifferentialIT.ReplyModel();
        try (FuzzConn viaProxy = new FuzzConn(port, "proxy"); FuzzConn viaDirect = new FuzzConn(direct.port(), "direct")) {
            while (done < total) {
                int n = (int) Math.min(total - done, r.nextInt(10) == 0 ? 1 + r.nextInt(500) : 1 + r.nextInt(20));
                List<byte[][]> batch = new ArrayList<>(n);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int i = 0; i < n; i++) {
                    byte[][] c = oneSlot(RedisFuzzDifferentialIT.command(r));
                    batch.add(c);
                    out.writeBytes(Resp.command(c));
                }
                byte[] bytes = out.toByteArray();
                viaProxy.send(bytes);
                viaDirect.send(bytes);
                for (int i = 0; i < n; i++) {
                    if (!replies.replies(batch.get(i))) {
                        continue;
                    }
                    byte[] p = Resp.readReply(viaProxy.in);
                    byte[] d = Resp.readReply(viaDirect.in);
                    if (!Arrays.equals(p, d)) {
                        if (!RedisFuzzDifferentialIT.same(batch.get(i), p, d)) {
                            throw new AssertionError("seed 0x" + Long.toHexString(seed) + ", command #" + (done + i)
                                    + ": " + RedisFuzzDifferentialIT.show(batch.get(i)) + "\n proxy:  "
                                    + Bytes.show(p, 0, Math.min(p.length, 400)) + "\n direct: "
                                    + Bytes.show(d, 0, Math.min(d.length, 400)));
                        }
                        allowed.merge(new String(batch.get(i)[0], StandardCharsets.ISO_8859_1).toUpperCase(), 1L,
                                Long::sum);
                    }
                }
                viaProxy.sent();
                viaDirect.sent();
                done += n;
                batches++;
            }
            byte[] on = Resp.command("CLIENT", "REPLY", "ON");
            viaProxy.send(on);
            viaDirect.send(on);
            assertEquals("+OK\r\n", new String(Resp.readReply(viaProxy.in), StandardCharsets.ISO_8859_1));
            assertEquals("+OK\r\n", new String(Resp.readReply(viaDirect.in), StandardCharsets.ISO_8859_1));
        }
        // the split commands' keys were spread: more than one master holds keys
        long holding = cluster.masters().stream()
                .filter(m -> !cluster.server(m.address()).command("DBSIZE").equals(":0\r\n")).count();
        org.junit.jupiter.api.Assertions.assertTrue(holding >= 2, "keys on " + holding + " master(s)");
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("cluster differential fuzz: %,d commands in %,d batches, 0 mismatches (allowed differences:"
                + " %s), seed 0x%x, %.1f s%n", done, batches, allowed, seed, secs);
        assertEquals(total, done);
    }
}
