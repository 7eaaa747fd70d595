package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.diff.Bytes;
import org.twemproxy4j.it.fixture.ProxiedRedisPair;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;

/**
 * Differential fuzzing against redis-server: random command sequences from a grammar of the commands the proxy
 * supports ({@link org.twemproxy4j.proto.redis.RedisCommand}), on a small key space of every type (binary and
 * empty keys included), with random values (binary, empty, numeric, up to 64 KiB), and some wrong-arity and
 * unknown commands, pipelined in random batches of 1 to 500. Each batch goes through twemproxy4j ({@code -m 512},
 * one pool with ONE redis-server) and, on another connection, straight to a second, identical redis-server;
 * every reply must be the same bytes, except for the differences listed in {@link #ALLOWED_DIFFERENCES}.
 *
 * <p>The sequence is a function of the seed ({@code -Dfuzz.seed}, else a fixed one); {@code -Dfuzz.commands=N}
 * sets the number of commands (the {@code mvn verify} slice: 3,000). A failure names the seed, the command's
 * index and both replies.
 */
class RedisFuzzDifferentialIT {
    /**
     * The only differences allowed between the proxy's reply and redis-server's, by command, each for a reason
     * that has nothing to do with the proxy:
     * <ul>
     * <li>TTL, PTTL: the two servers read their clocks at different moments, so a remaining time may differ by
     * up to 5 s (a positive value on both sides; -1 and -2 must match exactly);</li>
     * <li>SMEMBERS, SINTER, SUNION, SDIFF, HKEYS, HVALS, HGETALL: each redis-server orders its hash tables by
     * its own random hash seed, so these arrays are compared as multisets (HGETALL as a set of pairs).</li>
     * </ul>
     */
    static final Map<String, String> ALLOWED_DIFFERENCES = Map.of(
            "TTL", "clock: within 5 s", "PTTL", "clock: within 5000 ms",
            "SMEMBERS", "unordered", "SINTER", "unordered", "SUNION", "unordered", "SDIFF", "unordered",
            "HKEYS", "unordered", "HVALS", "unordered", "HGETALL", "unordered pairs");

    /**
     * Supported commands not generated, because redis-server's own reply is not a function of the command
     * sequence or because the proxy answers them itself by design (README, "Differences from nutcracker").
     */
    static final Set<String> NOT_GENERATED = Set.of("SPOP", "SRANDMEMBER", "HRANDFIELD", "ZRANDMEMBER", // random
            "LOLWUT", "HSCAN", "SSCAN", "ZSCAN", // random art, hash-table cursor order
            "DUMP", "RESTORE", // serializes hash tables in their seed's order
            "COMMAND", // a large constant reply of the server
            "AUTH", "QUIT", // answered by the proxy (no password set) / closes the connection
            "GEORADIUS", "GEORADIUSBYMEMBER", "GEOSEARCH", "GEOSEARCHSTORE"); // ties of equal distance

    private static ProxiedRedisPair pair;
    private static RedisServer behind;
    private static RedisServer direct;
    private static int port;

    @BeforeAll
    static void start() {
        pair = new ProxiedRedisPair("fz", "  timeout: 30000\n  server_retry_timeout: 1000\n", "-m", "512");
        behind = pair.behind;
        direct = pair.direct;
        port = pair.port;
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    // ---- the grammar ----

    static final byte[][] BINARY_KEYS = {new byte[0], Bytes.ascii("\r\n"), Bytes.ascii("a b"),
        {0, (byte) 0xff, 0x7f, '$', '*'}, Bytes.ascii("{tag}x"), Bytes.ascii("x".repeat(300))};
    private static final String[] TYPES = {"s", "l", "h", "S", "z", "p", "g"};

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A key: mostly one of a few per type (so commands meet the values of others), sometimes an odd one. */
    static byte[] key(SplittableRandom r, String type) {
        int k = r.nextInt(100);
        if (k < 4) {
            return BINARY_KEYS[r.nextInt(BINARY_KEYS.length)];
        }
        if (k < 10) {
            return b(TYPES[r.nextInt(TYPES.length)] + ":" + r.nextInt(6));
        }
        return b(type + ":" + r.nextInt(6));
    }

    /**
     * A sorted set whose members all have score 0, the only kind the lex commands are generated for: on
     * members of different scores redis's lex replies are undefined (they depend on its skiplist's random
     * levels, so two identical servers disagree).
     */
    static byte[] lexKey(SplittableRandom r) {
        return b("Z:" + r.nextInt(4));
    }

    static byte[] value(SplittableRandom r) {
        int k = r.nextInt(100);
        if (k < 8) {
            return new byte[0];
        }
        if (k < 30) {
            return b(Integer.toString(r.nextInt(2000) - 1000));
        }
        if (k < 40) {
            return b("m" + r.nextInt(20));
        }
        int len = r.nextInt(100) < 97 ? r.nextInt(100) : r.nextInt(65536);
        byte[] v = new byte[len];
        for (int i = 0; i < len; i++) {
            v[i] = (byte) r.nextInt(256);
        }
        return v;
    }

    static byte[] num(SplittableRandom r, int lo, int hi) {
        return b(Integer.toString(lo + r.nextInt(hi - lo + 1)));
    }

    static byte[] score(SplittableRandom r) {
        String[] special = {"-inf", "+inf", "0", "1.5", "-2.25", "1e3"};
        return r.nextInt(5) == 0 ? b(special[r.nextInt(special.length)]) : num(r, -50, 50);
    }

    static byte[] member(SplittableRandom r) {
        return r.nextInt(4) == 0 ? value(r) : b("m" + r.nextInt(20));
    }

    /** An absolute unix time well in the future (so nothing expires during a run), or in the past. */
    static byte[] when(SplittableRandom r, boolean millis) {
        long s = r.nextInt(10) == 0 ? 1 : System.currentTimeMillis() / 1000 + 1_000_000 + r.nextInt(1000);
        return b(Long.toString(millis ? s * 1000 : s));
    }

    /** A relative expiry: long enough never to fire during a run, or not positive (deletes at once). */
    static byte[] ttl(SplittableRandom r, boolean millis) {
        long s = r.nextInt(10) == 0 ? -r.nextInt(3) : 100_000 + r.nextInt(100_000);
        return b(Long.toString(millis && s > 0 ? s * 1000 : s));
    }

    private static byte[][] argv(Object... parts) {
        List<byte[]> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof byte[] a) {
                out.add(a);
            } else if (p instanceof byte[][] aa) {
                out.addAll(Arrays.asList(aa));
            } else {
                out.add(b(p.toString()));
            }
        }
        return out.toArray(new byte[0][]);
    }

    private static byte[][] many(SplittableRandom r, int min, int max, Function<SplittableRandom, byte[]> gen) {
        int n = min + r.nextInt(max - min + 1);
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            out[i] = gen.apply(r);
        }
        return out;
    }

    private static byte[][] pairs(SplittableRandom r, int max, Function<SplittableRandom, byte[]> a,
            Function<SplittableRandom, byte[]> c) {
        int n = 1 + r.nextInt(max);
        byte[][] out = new byte[2 * n][];
        for (int i = 0; i < n; i++) {
            out[2 * i] = a.apply(r);
            out[2 * i + 1] = c.apply(r);
        }
        return out;
    }

    private static byte[] pick(SplittableRandom r, String... options) {
        return b(options[r.nextInt(options.length)]);
    }

    /** Makes one command's arguments. */
    interface Cmd {
        byte[][] make(SplittableRandom r);
    }

    /** The grammar: one generator per command (or form of a command). */
    private static final Cmd[] GRAMMAR = {
        // strings
        r -> argv("GET", key(r, "s")),
        r -> argv("SET", key(r, "s"), value(r)),
        r -> argv("SET", key(r, "s"), value(r), pick(r, "NX", "XX", "GET", "KEEPTTL")),
        r -> argv("SET", key(r, "s"), value(r), pick(r, "EX", "PX"), ttl(r, false)),
        r -> argv("SETNX", key(r, "s"), value(r)),
        r -> argv("SETEX", key(r, "s"), ttl(r, false), value(r)),
        r -> argv("PSETEX", key(r, "s"), ttl(r, true), value(r)),
        r -> argv("GETSET", key(r, "s"), value(r)),
        r -> argv("GETDEL", key(r, "s")),
        r -> argv("GETEX", key(r, "s"), r.nextBoolean() ? b("PERSIST") : b("EX"), ttl(r, false)),
        r -> argv("APPEND", key(r, "s"), value(r)),
        r -> argv("STRLEN", key(r, "s")),
        r -> argv(pick(r, "INCR", "DECR"), key(r, "s")),
        r -> argv(pick(r, "INCRBY", "DECRBY"), key(r, "s"), num(r, -1000, 1000)),
        r -> argv("INCRBYFLOAT", key(r, "s"), pick(r, "1.5", "-0.25", "3", "1e2", "abc")),
        r -> argv("GETRANGE", key(r, "s"), num(r, -10, 10), num(r, -10, 50)),
        r -> argv("SETRANGE", key(r, "s"), num(r, 0, 1000), value(r)),
        r -> argv("GETBIT", key(r, "s"), num(r, 0, 5000)),
        r -> argv("SETBIT", key(r, "s"), num(r, 0, 5000), num(r, 0, 1)),
        r -> argv("BITCOUNT", key(r, "s")),
        r -> argv("BITCOUNT", key(r, "s"), num(r, -5, 5), num(r, -5, 20)),
        r -> argv("BITPOS", key(r, "s"), num(r, 0, 1)),
        r -> argv("BITFIELD", key(r, "s"), "GET", pick(r, "u8", "i16"), num(r, 0, 64)),
        r -> argv("BITFIELD", key(r, "s"), "INCRBY", "u8", num(r, 0, 64), num(r, -300, 300)),
        r -> argv("MGET", many(r, 1, 12, x -> key(x, "s"))),
        r -> argv("MSET", pairs(r, 8, x -> key(x, "s"), RedisFuzzDifferentialIT::value)),
        // keys
        r -> argv(pick(r, "DEL", "UNLINK", "EXISTS", "TOUCH"), many(r, 1, 8, x -> key(x, TYPES[x.nextInt(7)]))),
        r -> argv("TYPE", key(r, TYPES[r.nextInt(7)])),
        r -> argv(pick(r, "TTL", "PTTL", "PERSIST"), key(r, TYPES[r.nextInt(7)])),
        r -> argv(pick(r, "EXPIRE", "PEXPIRE"), key(r, TYPES[r.nextInt(7)]), ttl(r, false)),
        r -> argv("EXPIRE", key(r, "s"), ttl(r, false), pick(r, "NX", "XX", "GT", "LT")),
        r -> argv("EXPIREAT", key(r, TYPES[r.nextInt(7)]), when(r, false)),
        r -> argv("PEXPIREAT", key(r, TYPES[r.nextInt(7)]), when(r, true)),
        r -> argv("COPY", key(r, "s"), key(r, "s"), r.nextBoolean() ? new byte[0][] : new byte[][] {b("REPLACE")}),
        // lists only: on a set, elements strcoll finds equal (binary ones with a NUL) come in hash-table order
        r -> argv("SORT", b("l:" + r.nextInt(6)), "ALPHA", r.nextBoolean() ? "ASC" : "DESC"),
        r -> argv("SORT", b("l:" + r.nextInt(6)), "LIMIT", num(r, 0, 3), num(r, 0, 5), "ALPHA"),
        // lists
        r -> argv(pick(r, "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"), key(r, "l"), many(r, 1, 4,
                RedisFuzzDifferentialIT::value)),
        r -> argv(pick(r, "LPOP", "RPOP"), key(r, "l")),
        r -> argv(pick(r, "LPOP", "RPOP"), key(r, "l"), num(r, 0, 4)),
        r -> argv("LLEN", key(r, "l")),
        r -> argv("LINDEX", key(r, "l"), num(r, -5, 5)),
        r -> argv("LRANGE", key(r, "l"), num(r, -8, 3), num(r, -3, 8)),
        r -> argv("LSET", key(r, "l"), num(r, -3, 3), value(r)),
        r -> argv("LREM", key(r, "l"), num(r, -2, 2), value(r)),
        r -> argv("LTRIM", key(r, "l"), num(r, 0, 3), num(r, 5, 40)),
        r -> argv("LINSERT", key(r, "l"), pick(r, "BEFORE", "AFTER"), value(r), value(r)),
        r -> argv("RPOPLPUSH", key(r, "l"), key(r, "l")),
        r -> argv("LMOVE", key(r, "l"), key(r, "l"), pick(r, "LEFT", "RIGHT"), pick(r, "LEFT", "RIGHT")),
        r -> argv("LPOS", key(r, "l"), value(r)),
        // hashes
        r -> argv(pick(r, "HSET", "HMSET"), key(r, "h"), pairs(r, 4, RedisFuzzDifferentialIT::member,
                RedisFuzzDifferentialIT::value)),
        r -> argv("HSETNX", key(r, "h"), member(r), value(r)),
        r -> argv(pick(r, "HGET", "HEXISTS", "HSTRLEN"), key(r, "h"), member(r)),
        r -> argv("HMGET", key(r, "h"), many(r, 1, 5, RedisFuzzDifferentialIT::member)),
        r -> argv("HDEL", key(r, "h"), many(r, 1, 3, RedisFuzzDifferentialIT::member)),
        r -> argv("HLEN", key(r, "h")),
        r -> argv(pick(r, "HGETALL", "HKEYS", "HVALS"), key(r, "h")),
        r -> argv("HINCRBY", key(r, "h"), member(r), num(r, -100, 100)),
        r -> argv("HINCRBYFLOAT", key(r, "h"), member(r), pick(r, "0.5", "-1.25", "10", "x")),
        // sets
        r -> argv("SADD", key(r, "S"), many(r, 1, 5, RedisFuzzDifferentialIT::member)),
        r -> argv("SREM", key(r, "S"), many(r, 1, 3, RedisFuzzDifferentialIT::member)),
        r -> argv("SCARD", key(r, "S")),
        r -> argv("SISMEMBER", key(r, "S"), member(r)),
        r -> argv("SMISMEMBER", key(r, "S"), many(r, 1, 4, RedisFuzzDifferentialIT::member)),
        r -> argv("SMEMBERS", key(r, "S")),
        r -> argv(pick(r, "SDIFF", "SINTER", "SUNION"), many(r, 1, 3, x -> key(x, "S"))),
        r -> argv(pick(r, "SDIFFSTORE", "SINTERSTORE", "SUNIONSTORE"), key(r, "S"), many(r, 1, 3, x -> key(x, "S"))),
        r -> argv("SMOVE", key(r, "S"), key(r, "S"), member(r)),
        // sorted sets
        r -> argv("ZADD", key(r, "z"), pairs(r, 4, RedisFuzzDifferentialIT::score, RedisFuzzDifferentialIT::member)),
        r -> argv("ZADD", key(r, "z"), pick(r, "NX", "XX", "GT", "LT", "CH"), score(r), member(r)),
        r -> argv("ZINCRBY", key(r, "z"), score(r), member(r)),
        r -> argv("ZREM", key(r, "z"), many(r, 1, 3, RedisFuzzDifferentialIT::member)),
        r -> argv("ZCARD", key(r, "z")),
        r -> argv(pick(r, "ZSCORE", "ZRANK", "ZREVRANK"), key(r, "z"), member(r)),
        r -> argv("ZMSCORE", key(r, "z"), many(r, 1, 4, RedisFuzzDifferentialIT::member)),
        r -> argv("ZCOUNT", key(r, "z"), score(r), score(r)),
        r -> argv("ZADD", lexKey(r), pairs(r, 4, x -> b("0"), RedisFuzzDifferentialIT::member)),
        r -> argv("ZLEXCOUNT", lexKey(r), pick(r, "-", "[m1", "(m5"), pick(r, "+", "[m9", "(m3")),
        r -> argv(pick(r, "ZRANGE", "ZREVRANGE"), key(r, "z"), num(r, -5, 3), num(r, -3, 10),
                r.nextBoolean() ? new byte[0][] : new byte[][] {b("WITHSCORES")}),
        r -> argv(pick(r, "ZRANGEBYSCORE", "ZREVRANGEBYSCORE"), key(r, "z"), score(r), score(r)),
        r -> argv(pick(r, "ZRANGEBYLEX", "ZREVRANGEBYLEX"), lexKey(r), pick(r, "-", "+", "[m1", "(m5"),
                pick(r, "+", "-", "[m9", "(m3")),
        r -> argv("ZREMRANGEBYRANK", key(r, "z"), num(r, -3, 1), num(r, 0, 2)),
        r -> argv("ZREMRANGEBYSCORE", key(r, "z"), score(r), score(r)),
        r -> argv("ZREMRANGEBYLEX", lexKey(r), pick(r, "[m1", "(m5", "-"), pick(r, "[m2", "(m6", "+")),
        r -> argv(pick(r, "ZPOPMIN", "ZPOPMAX"), key(r, "z"), num(r, 1, 3)),
        r -> argv(pick(r, "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"), key(r, "z"), "2", key(r, "z"), key(r, "z")),
        r -> argv(pick(r, "ZUNION", "ZINTER", "ZDIFF"), "2", key(r, "z"), key(r, "z"), "WITHSCORES"),
        r -> argv("ZRANGESTORE", key(r, "z"), key(r, "z"), num(r, 0, 2), num(r, 2, 9)),
        // hyperloglog, geo
        r -> argv("PFADD", key(r, "p"), many(r, 1, 6, RedisFuzzDifferentialIT::member)),
        r -> argv("PFCOUNT", many(r, 1, 3, x -> key(x, "p"))),
        r -> argv("PFMERGE", key(r, "p"), many(r, 1, 3, x -> key(x, "p"))),
        r -> argv("GEOADD", key(r, "g"), num(r, -179, 179), num(r, -80, 80), member(r)),
        r -> argv("GEODIST", key(r, "g"), member(r), member(r), pick(r, "m", "km")),
        r -> argv(pick(r, "GEOPOS", "GEOHASH"), key(r, "g"), many(r, 1, 3, RedisFuzzDifferentialIT::member)),
        // scripting: routed by the first key
        r -> argv("EVAL", "return redis.call('GET', KEYS[1])", "1", key(r, "s")),
        r -> argv("EVAL", "return {KEYS[1], ARGV[1], #ARGV}", "1", key(r, "s"), value(r), value(r)),
        r -> argv("EVALSHA", "0bd5a4b2d8e2f9e1a5e0e8c39e52a9b6dd0c1e6a", "1", key(r, "s")),
        // answered by the proxy itself, as redis-server would
        r -> argv("PING"),
        r -> argv("PING", value(r)),
        r -> argv("SELECT", pick(r, "0", "x")),
        // replies muted by the proxy as redis mutes them (the reads follow ReplyModel)
        r -> argv("CLIENT", "REPLY", pick(r, "ON", "ON", "ON", "ON", "SKIP", "SKIP", "OFF", "x")),
        r -> argv("CLIENT", "REPLY", "ON"), // so that OFF mutes a stretch of ~100 commands, not most of a run
    };

    /**
     * Which commands get a reply under CLIENT REPLY, as redis 7 decides it: OFF mutes every reply until ON (which
     * answers +OK); SKIP (ignored while OFF) mutes the next command whatever it is, itself included in a chain
     * of SKIPs; errors are muted like the rest. Both sides must follow it, or a read times out.
     */
    static final class ReplyModel {
        private boolean off;
        private boolean skip;      // this command's reply is skipped
        private boolean skipNext;  // set by SKIP: the next command's is

        /** True when {@code c} gets a reply; advances the state past {@code c}. */
        boolean replies(byte[][] c) {
            boolean replied = !off && !skip;
            if (name(c).equals("CLIENT") && c.length == 3
                    && new String(c[1], StandardCharsets.ISO_8859_1).equalsIgnoreCase("REPLY")) {
                String mode = new String(c[2], StandardCharsets.ISO_8859_1).toUpperCase(java.util.Locale.ROOT);
                switch (mode) {
                    case "ON" -> {
                        off = false;
                        skip = false;
                        replied = true;
                    }
                    case "OFF" -> {
                        off = true;
                        replied = false;
                    }
                    case "SKIP" -> {
                        skipNext = !off;
                        replied = false;
                    }
                    default -> { } // a syntax error, muted or not as any reply
                }
            }
            skip = skipNext;
            skipNext = false;
            return replied;
        }

        boolean off() {
            return off;
        }
    }

    /** A random command: mostly from the grammar, sometimes with an argument short, sometimes unknown. */
    static byte[][] command(SplittableRandom r) {
        int k = r.nextInt(1000);
        if (k < 5) {
            return argv("X" + Integer.toString(r.nextInt(1 << 20), 36), many(r, 0, 3, RedisFuzzDifferentialIT::value));
        }
        byte[][] c = GRAMMAR[r.nextInt(GRAMMAR.length)].make(r);
        if (k < 15 && c.length > 1) {
            c = Arrays.copyOf(c, r.nextInt(c.length)); // wrong arity (or no command at all: then "*0", no reply)
            if (c.length == 0) {
                c = argv("PING");
            }
        }
        return c;
    }

    // ---- comparison ----

    private static String name(byte[][] c) {
        return new String(c[0], StandardCharsets.ISO_8859_1).toUpperCase(java.util.Locale.ROOT);
    }

    /** True when the two replies to {@code c} are the same, or differ only as {@link #ALLOWED_DIFFERENCES} allow. */
    static boolean same(byte[][] c, byte[] viaProxy, byte[] viaDirect) throws IOException {
        if (Arrays.equals(viaProxy, viaDirect)) {
            return true;
        }
        String cmd = name(c);
        String allowed = ALLOWED_DIFFERENCES.get(cmd);
        if (allowed == null) {
            return false;
        }
        if (allowed.startsWith("clock")) {
            long a = integer(viaProxy);
            long d = integer(viaDirect);
            return a >= 0 && d >= 0 && Math.abs(a - d) <= (cmd.equals("PTTL") ? 5000 : 5);
        }
        if (viaProxy[0] != '*' || viaDirect[0] != '*') {
            return false;
        }
        return normal(viaProxy, cmd.equals("HGETALL")).equals(normal(viaDirect, cmd.equals("HGETALL")));
    }

    private static long integer(byte[] reply) {
        if (reply.length < 4 || reply[0] != ':') {
            return Long.MIN_VALUE;
        }
        return Long.parseLong(new String(reply, 1, reply.length - 3, StandardCharsets.ISO_8859_1));
    }

    /** A flat array reply's elements (each element's raw bytes, as ISO-8859-1), sorted (in pairs when asked). */
    private static List<String> normal(byte[] reply, boolean pairs) throws IOException {
        InputStream in = new java.io.ByteArrayInputStream(reply);
        StringBuilder head = new StringBuilder();
        for (int ch = in.read(); ch != '\r'; ch = in.read()) {
            head.append((char) ch);
        }
        in.read(); // \n
        int n = Integer.parseInt(head.substring(1));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String e = new String(Resp.readReply(in), StandardCharsets.ISO_8859_1);
            if (pairs && i + 1 < n) {
                e += new String(Resp.readReply(in), StandardCharsets.ISO_8859_1);
                i++;
            }
            out.add(e);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    static String show(byte[][] c) {
        StringBuilder sb = new StringBuilder();
        for (byte[] a : c) {
            sb.append(sb.length() == 0 ? "" : " ").append(Bytes.label(a, 60));
        }
        return sb.toString();
    }

    /** What a fuzz run does with each pair of replies the reply model expects. */
    interface Replies {
        void check(byte[][] command, byte[] viaProxy, byte[] viaDirect, long index) throws IOException;
    }

    /** A run's counts: commands sent, pipelines, commands whose reply CLIENT REPLY muted. */
    record Counts(long done, long batches, long muted) {
    }

    /**
     * Sends {@code total} commands of the grammar, each passed through {@code shape}, to both connections in the
     * same random pipelines (1–20 commands, 1–500 one time in ten), and hands every pair of replies that redis's
     * muting rules ({@link ReplyModel}) say are owed to {@code check}, in order.
     */
    static Counts exchange(FuzzConn viaProxy, FuzzConn viaDirect, SplittableRandom r, long total,
            java.util.function.UnaryOperator<byte[][]> shape, Replies check) throws Exception {
        long done = 0;
        long batches = 0;
        long muted = 0;
        long lastReport = System.nanoTime();
        ReplyModel replies = new ReplyModel();
        while (done < total) {
            int n = (int) Math.min(total - done, r.nextInt(10) == 0 ? 1 + r.nextInt(500) : 1 + r.nextInt(20));
            List<byte[][]> batch = new ArrayList<>(n);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < n; i++) {
                byte[][] c = shape.apply(command(r));
                batch.add(c);
                out.writeBytes(Resp.command(c));
            }
            byte[] bytes = out.toByteArray();
            viaProxy.send(bytes);
            viaDirect.send(bytes);
            for (int i = 0; i < n; i++) {
                if (!replies.replies(batch.get(i))) {
                    muted++;
                    continue; // no reply on either side
                }
                check.check(batch.get(i), Resp.readReply(viaProxy.in), Resp.readReply(viaDirect.in), done + i);
            }
            viaProxy.sent();
            viaDirect.sent();
            done += n;
            batches++;
            long now = System.nanoTime();
            if (now - lastReport > 60_000_000_000L) {
                lastReport = now;
                System.out.printf("differential fuzz: %,d of %,d commands%n", done, total);
            }
        }
        return new Counts(done, batches, muted);
    }

    /**
     * The byte-for-byte comparison: a difference that {@link #ALLOWED_DIFFERENCES} allows is counted in
     * {@code allowed}, any other fails the run with the seed and the command's index.
     */
    static Replies compared(long seed, Map<String, Long> allowed) {
        return (c, p, d, index) -> {
            if (Arrays.equals(p, d)) {
                return;
            }
            if (!same(c, p, d)) {
                throw new AssertionError("seed 0x" + Long.toHexString(seed) + ", command #" + index + ": " + show(c)
                        + "\n proxy:  " + Bytes.show(p, 0, Math.min(p.length, 400)) + "\n direct: "
                        + Bytes.show(d, 0, Math.min(d.length, 400)));
            }
            allowed.merge(name(c), 1L, Long::sum);
        };
    }

    @Test
    @Timeout(7200)
    void everyReplyThroughTheProxyIsRedisServersOwn() throws Exception {
        long seed = FuzzConn.seed();
        long total = FuzzConn.commands();
        behind.flushAll();
        direct.flushAll();
        java.util.TreeMap<String, Long> allowed = new java.util.TreeMap<>();
        long t0 = System.nanoTime();
        Counts n;
        try (FuzzConn viaProxy = new FuzzConn(port, "proxy"); FuzzConn viaDirect = new FuzzConn(direct.port(), "direct")) {
            n = exchange(viaProxy, viaDirect, new SplittableRandom(seed), total, c -> c, compared(seed, allowed));
            // both connections still in step, and the proxy still serving
            byte[] on = Resp.command("CLIENT", "REPLY", "ON");
            viaProxy.send(on);
            viaDirect.send(on);
            assertEquals("+OK\r\n", new String(Resp.readReply(viaProxy.in), StandardCharsets.ISO_8859_1));
            assertEquals("+OK\r\n", new String(Resp.readReply(viaDirect.in), StandardCharsets.ISO_8859_1));
            viaProxy.sent();
            viaDirect.sent();
            viaProxy.send(Resp.command("PING"));
            assertEquals("+PONG\r\n", new String(Resp.readReply(viaProxy.in), StandardCharsets.ISO_8859_1));
            viaProxy.sent();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("redis differential fuzz: %,d commands in %,d batches (%,d with their reply muted by CLIENT"
                + " REPLY), 0 mismatches (allowed differences: %s), seed 0x%x, %.1f s (%.0f commands/s)%n", n.done(),
                n.batches(), n.muted(), allowed, seed, secs, n.done() / secs);
        assertEquals(total, n.done());
    }
}
