package org.twemproxy4j.proto.redis;

import java.nio.charset.StandardCharsets;

/**
 * The redis commands the proxy knows: nutcracker 0.5.0's parser table (proto/nc_redis.c: redis_argz,
 * redis_arg0 .. redis_argeval, redis_nokey) plus SELECT, each with redis-server 7's arity (as {@code COMMAND
 * INFO} reports it: n exactly, -n at least n arguments, the command included) and how its keys are found.
 *
 * <p>Recognised by length, then a case-insensitive byte compare ({@link #lookup}), never through a String.
 * MOVE is not here on purpose: nutcracker parses it and then cannot answer it; it is an unknown command.
 */
public enum RedisCommand {
    PING(-1, Kind.LOCAL),
    QUIT(-1, Kind.LOCAL),
    COMMAND(-1, Kind.NOKEY),
    LOLWUT(-1, Kind.NOKEY),
    PERSIST(2, Kind.KEY1),
    PTTL(2, Kind.KEY1),
    TTL(2, Kind.KEY1),
    TYPE(2, Kind.KEY1),
    DUMP(2, Kind.KEY1),
    DECR(2, Kind.KEY1),
    GET(2, Kind.KEY1),
    GETDEL(2, Kind.KEY1),
    INCR(2, Kind.KEY1),
    STRLEN(2, Kind.KEY1),
    HGETALL(2, Kind.KEY1),
    HKEYS(2, Kind.KEY1),
    HLEN(2, Kind.KEY1),
    HVALS(2, Kind.KEY1),
    LLEN(2, Kind.KEY1),
    SCARD(2, Kind.KEY1),
    SMEMBERS(2, Kind.KEY1),
    ZCARD(2, Kind.KEY1),
    AUTH(-2, Kind.LOCAL),
    EXPIRE(-3, Kind.KEY1),
    EXPIREAT(-3, Kind.KEY1),
    PEXPIRE(-3, Kind.KEY1),
    PEXPIREAT(-3, Kind.KEY1),
    APPEND(3, Kind.KEY1),
    DECRBY(3, Kind.KEY1),
    GETBIT(3, Kind.KEY1),
    GETSET(3, Kind.KEY1),
    INCRBY(3, Kind.KEY1),
    INCRBYFLOAT(3, Kind.KEY1),
    SETNX(3, Kind.KEY1),
    HEXISTS(3, Kind.KEY1),
    HGET(3, Kind.KEY1),
    HSTRLEN(3, Kind.KEY1),
    LINDEX(3, Kind.KEY1),
    RPOPLPUSH(3, Kind.KEY1),
    SISMEMBER(3, Kind.KEY1),
    ZRANK(3, Kind.KEY1),
    ZREVRANK(3, Kind.KEY1),
    ZSCORE(3, Kind.KEY1),
    GETRANGE(4, Kind.KEY1),
    PSETEX(4, Kind.KEY1),
    SETBIT(4, Kind.KEY1),
    SETEX(4, Kind.KEY1),
    SETRANGE(4, Kind.KEY1),
    HINCRBY(4, Kind.KEY1),
    HINCRBYFLOAT(4, Kind.KEY1),
    HSETNX(4, Kind.KEY1),
    LRANGE(4, Kind.KEY1),
    LREM(4, Kind.KEY1),
    LSET(4, Kind.KEY1),
    LTRIM(4, Kind.KEY1),
    SMOVE(4, Kind.KEY1),
    ZCOUNT(4, Kind.KEY1),
    ZLEXCOUNT(4, Kind.KEY1),
    ZINCRBY(4, Kind.KEY1),
    ZREMRANGEBYLEX(4, Kind.KEY1),
    ZREMRANGEBYRANK(4, Kind.KEY1),
    ZREMRANGEBYSCORE(4, Kind.KEY1),
    LINSERT(5, Kind.KEY1),
    LMOVE(5, Kind.KEY1),
    SORT(-2, Kind.KEY1),
    COPY(-3, Kind.KEY1),
    BITCOUNT(-2, Kind.KEY1),
    BITPOS(-3, Kind.KEY1),
    BITFIELD(-2, Kind.KEY1),
    EXISTS(-2, Kind.ARGX),
    GETEX(-2, Kind.KEY1),
    SET(-3, Kind.KEY1),
    HDEL(-3, Kind.KEY1),
    HMGET(-3, Kind.KEY1),
    HMSET(-4, Kind.KEY1),
    HSCAN(-3, Kind.KEY1),
    HSET(-4, Kind.KEY1),
    HRANDFIELD(-2, Kind.KEY1),
    LPUSH(-3, Kind.KEY1),
    LPUSHX(-3, Kind.KEY1),
    RPUSH(-3, Kind.KEY1),
    RPUSHX(-3, Kind.KEY1),
    LPOP(-2, Kind.KEY1),
    RPOP(-2, Kind.KEY1),
    LPOS(-3, Kind.KEY1),
    SADD(-3, Kind.KEY1),
    SDIFF(-2, Kind.KEY1),
    SDIFFSTORE(-3, Kind.KEY1),
    SINTER(-2, Kind.KEY1),
    SINTERSTORE(-3, Kind.KEY1),
    SREM(-3, Kind.KEY1),
    SUNION(-2, Kind.KEY1),
    SUNIONSTORE(-3, Kind.KEY1),
    SRANDMEMBER(-2, Kind.KEY1),
    SSCAN(-3, Kind.KEY1),
    SPOP(-2, Kind.KEY1),
    SMISMEMBER(-3, Kind.KEY1),
    PFADD(-2, Kind.KEY1),
    PFMERGE(-2, Kind.KEY1),
    PFCOUNT(-2, Kind.KEY1),
    ZADD(-4, Kind.KEY1),
    ZDIFF(-3, Kind.KEY1),
    ZDIFFSTORE(-4, Kind.KEY1),
    ZINTER(-3, Kind.KEY1),
    ZINTERSTORE(-4, Kind.KEY1),
    ZMSCORE(-3, Kind.KEY1),
    ZPOPMAX(-2, Kind.KEY1),
    ZPOPMIN(-2, Kind.KEY1),
    ZRANDMEMBER(-2, Kind.KEY1),
    ZRANGE(-4, Kind.KEY1),
    ZRANGEBYLEX(-4, Kind.KEY1),
    ZRANGEBYSCORE(-4, Kind.KEY1),
    ZRANGESTORE(-5, Kind.KEY1),
    ZREM(-3, Kind.KEY1),
    ZREVRANGE(-4, Kind.KEY1),
    ZREVRANGEBYLEX(-4, Kind.KEY1),
    ZREVRANGEBYSCORE(-4, Kind.KEY1),
    ZSCAN(-3, Kind.KEY1),
    ZUNION(-3, Kind.KEY1),
    ZUNIONSTORE(-4, Kind.KEY1),
    GEOADD(-5, Kind.KEY1),
    GEODIST(-4, Kind.KEY1),
    GEOHASH(-2, Kind.KEY1),
    GEOPOS(-2, Kind.KEY1),
    GEORADIUS(-6, Kind.KEY1),
    GEORADIUSBYMEMBER(-5, Kind.KEY1),
    GEOSEARCH(-7, Kind.KEY1),
    GEOSEARCHSTORE(-8, Kind.KEY1),
    RESTORE(-4, Kind.KEY1),
    MGET(-2, Kind.ARGX),
    DEL(-2, Kind.ARGX),
    UNLINK(-2, Kind.ARGX),
    TOUCH(-2, Kind.ARGX),
    MSET(-3, Kind.ARGKVX),
    EVAL(-3, Kind.EVAL),
    EVALSHA(-3, Kind.EVAL),
    SELECT(2, Kind.LOCAL);

    /** How a command's keys are found, which decides routing. */
    public enum Kind {
        /** answered by the proxy (PING, QUIT, SELECT, AUTH) */
        LOCAL,
        /** no key: routed as the key "placeholder" (COMMAND, LOLWUT) */
        NOKEY,
        /** the first argument is the key; any others are not looked at (nutcracker's arg0..argn) */
        KEY1,
        /** every argument is a key (MGET DEL UNLINK TOUCH EXISTS) */
        ARGX,
        /** key value pairs (MSET) */
        ARGKVX,
        /** script numkeys key... arg... (EVAL EVALSHA) */
        EVAL
    }

    /** Longest command name. */
    public static final int MAX_NAME = 32;

    private static final RedisCommand[] VALUES = values();
    private static final RedisCommand[][] BY_LENGTH = new RedisCommand[MAX_NAME + 1][];

    static {
        for (int len = 0; len <= MAX_NAME; len++) {
            int n = 0;
            for (RedisCommand c : VALUES) {
                if (c.upper.length == len) {
                    n++;
                }
            }
            RedisCommand[] a = new RedisCommand[n];
            n = 0;
            for (RedisCommand c : VALUES) {
                if (c.upper.length == len) {
                    a[n++] = c;
                }
            }
            BY_LENGTH[len] = a;
        }
    }

    final int arity;
    final Kind kind;
    final byte[] upper;
    /** redis's canonical (lowercase) name, as in its arity error. */
    final String lower;

    RedisCommand(int arity, Kind kind) {
        this.arity = arity;
        this.kind = kind;
        this.upper = name().getBytes(StandardCharsets.US_ASCII);
        this.lower = name().toLowerCase(java.util.Locale.ROOT);
    }

    public int arity() {
        return arity;
    }

    public Kind kind() {
        return kind;
    }

    /** The message type stored in {@code Msg.type}: ordinal + 1 (0 = unknown). */
    public int type() {
        return ordinal() + 1;
    }

    /** The command of a message type, or null for 0 (unknown). */
    public static RedisCommand of(int type) {
        return type <= 0 || type > VALUES.length ? null : VALUES[type - 1];
    }

    /** True when argc satisfies the arity. */
    public boolean arityOk(int argc) {
        return arity > 0 ? argc == arity : argc >= -arity;
    }

    /**
     * The command named by {@code len} bytes of {@code buf} at absolute {@code from}, case-insensitively,
     * or null. Allocation-free.
     */
    public static RedisCommand lookup(io.netty.buffer.ByteBuf buf, int from, int len) {
        if (len <= 0 || len > MAX_NAME) {
            return null;
        }
        RedisCommand[] cands = BY_LENGTH[len];
        outer:
        for (int i = 0; i < cands.length; i++) {
            byte[] u = cands[i].upper;
            for (int j = 0; j < len; j++) {
                if ((buf.getByte(from + j) & 0xDF) != u[j]) {
                    continue outer;
                }
            }
            return cands[i];
        }
        return null;
    }

    /** As {@link #lookup(io.netty.buffer.ByteBuf, int, int)} over a byte array. */
    public static RedisCommand lookup(byte[] b, int from, int len) {
        if (len <= 0 || len > MAX_NAME) {
            return null;
        }
        RedisCommand[] cands = BY_LENGTH[len];
        outer:
        for (int i = 0; i < cands.length; i++) {
            byte[] u = cands[i].upper;
            for (int j = 0; j < len; j++) {
                if ((b[from + j] & 0xDF) != u[j]) {
                    continue outer;
                }
            }
            return cands[i];
        }
        return null;
    }
}
