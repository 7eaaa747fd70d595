package org.twemproxy4j.it.diff;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cases of the redis differential suite: the hand-written ones of {@code redis-diff/commands.txt} and the
 * generated groups below. Key sets that must spread over the servers are picked from where the reference
 * nutcracker actually places them ({@link Cluster#placement}).
 */
public final class Corpus {
    private static final byte[] ERR_REFUSED = Bytes.ascii("-ERR Connection refused\r\n");
    private static final byte[] PONG = Expect.PONG;

    /** pool -> keys grouped by the backend (position in the pool) that nutcracker puts them on */
    private final Map<String, List<List<String>>> buckets = new LinkedHashMap<>();
    private final Map<String, byte[]> values;
    private final List<Case> cases = new ArrayList<>();

    /**
     * @param placements pool -> (key -> index of its backend in the pool), for alpha, beta and ro
     * @param values named values for commands.txt (e.g. "dump-hello": a DUMP payload)
     */
    Corpus(Map<String, Map<String, Integer>> placements, Map<String, byte[]> values) {
        this.values = values;
        for (Map.Entry<String, Map<String, Integer>> e : placements.entrySet()) {
            List<List<String>> b = new ArrayList<>();
            for (Map.Entry<String, Integer> k : e.getValue().entrySet()) {
                while (b.size() <= k.getValue()) {
                    b.add(new ArrayList<>());
                }
                b.get(k.getValue()).add(k.getKey());
            }
            buckets.put(e.getKey(), b);
        }
    }

    /** Every case, in a stable order. */
    List<Case> build() {
        cases.addAll(CorpusFile.read("/redis-diff/commands.txt", values));
        fixes();
        unsupported();
        arity();
        inline();
        framing();
        for (String pool : List.of("alpha", "beta")) {
            multiKey(pool);
        }
        deadPool();
        readOnlyReplica();
        eval();
        values();
        bigKeys();
        pipelines();
        splits();
        return cases;
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** A command from strings (ISO-8859-1), byte arrays and lists of strings (flattened). */
    static byte[][] c(Object... parts) {
        List<byte[]> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof byte[] b) {
                out.add(b);
            } else if (p instanceof List<?> l) {
                for (Object o : l) {
                    out.add(o instanceof byte[] b ? b : Bytes.ascii(o.toString()));
                }
            } else {
                out.add(Bytes.ascii(p.toString()));
            }
        }
        return out.toArray(new byte[0][]);
    }

    private Case.Builder cmds(String group, String name, byte[][]... commands) {
        return cmds(group, name, Arrays.asList(commands));
    }

    private Case.Builder cmds(String group, String name, List<byte[][]> commands) {
        return Case.builder(group, name).request(Bytes.pipeline(commands)).replies(commands.size());
    }

    private Case.Builder raw(String group, String name, String bytes, int replies) {
        return Case.builder(group, name).request(Bytes.ascii(bytes)).replies(replies);
    }

    private void add(Case.Builder b) {
        cases.add(b.build());
    }

    /** {@code n} keys that nutcracker spreads over the pool's backends, taken round-robin from each backend. */
    public List<String> spread(String pool, int n) {
        List<List<String>> b = buckets.get(pool);
        List<String> out = new ArrayList<>();
        int[] next = new int[b.size()];
        while (out.size() < n) {
            boolean any = false;
            for (int s = 0; s < b.size() && out.size() < n; s++) {
                if (next[s] < b.get(s).size()) {
                    out.add(b.get(s).get(next[s]++));
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalStateException("not enough probed keys for " + n + " keys in pool " + pool);
            }
        }
        return out;
    }

    /** How many distinct backends the keys of {@link #spread} cover (for the corpus self-check). */
    public int backendsCovered(String pool, List<String> keys) {
        List<List<String>> b = buckets.get(pool);
        int covered = 0;
        for (List<String> bucket : b) {
            for (String k : keys) {
                if (bucket.contains(k)) {
                    covered++;
                    break;
                }
            }
        }
        return covered;
    }

    public int backends(String pool) {
        return buckets.get(pool).size();
    }

    private static List<String> missing(int n, String tag) {
        List<String> m = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            m.add("miss:" + tag + i);
        }
        return m;
    }

    private static List<Object> kv(List<String> keys, String valuePrefix) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            out.add(keys.get(i));
            out.add(valuePrefix + i);
        }
        return out;
    }

    static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * redis-server's reply to a command it does not know (processCommand in redis 7): the name and the first
     * arguments (up to 128 bytes, each cut at a NUL as printf's %s cuts it), CR and LF turned into spaces.
     */
    public static byte[] unknownCommand(byte[][] argv) {
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        msg.writeBytes(Bytes.ascii("-ERR unknown command '"));
        msg.writeBytes(cString(argv[0], 128));
        msg.writeBytes(Bytes.ascii("', with args beginning with: "));
        ByteArrayOutputStream args = new ByteArrayOutputStream();
        for (int i = 1; i < argv.length && args.size() < 128; i++) {
            int precision = 128 - args.size();
            args.write('\'');
            args.writeBytes(cString(argv[i], precision));
            args.writeBytes(Bytes.ascii("' "));
        }
        msg.writeBytes(args.toByteArray());
        byte[] m = msg.toByteArray();
        for (int i = 0; i < m.length; i++) {
            if (m[i] == '\r' || m[i] == '\n') {
                m[i] = ' ';
            }
        }
        return Bytes.concat(m, Bytes.ascii("\r\n"));
    }

    private static byte[] cString(byte[] b, int max) {
        int n = 0;
        while (n < b.length && n < max && b[n] != 0) {
            n++;
        }
        return Arrays.copyOf(b, n);
    }

    // ---------------------------------------------------------------------------------------------- groups

    /** The documented fixes that do not belong to a bigger group (PING msg, QUIT, SELECT, MOVE, unknown). */
    private void fixes() {
        String g = "fix";
        add(cmds(g, "PING with a message", c("PING", "hi")).expect(Expect.redis()));
        add(cmds(g, "PING with an empty message", c("PING", "")).expect(Expect.redis()));
        add(cmds(g, "PING with a binary message", c("PING", Bytes.binary(300, 7))).expect(Expect.redis())
                .mbuf512(true));
        add(cmds(g, "PING msg between commands", c("SET", "a", "1"), c("PING", "x y"), c("GET", "a"))
                .expect(Expect.redis()));
        add(cmds(g, "QUIT", c("QUIT")).expect(Expect.redis()));
        add(cmds(g, "quit lower case", c("quit")).expect(Expect.redis()));
        add(cmds(g, "PING QUIT PING", c("PING"), c("QUIT"), c("PING")).expect(Expect.redis()));
        add(cmds(g, "SET QUIT GET: earlier replies then +OK and close", c("SET", "a", "1"), c("QUIT"),
                c("GET", "a")).expect(Expect.redis()));
        add(cmds(g, "QUIT after 100 pipelined GETs", repeat(c("GET", "a"), 100, c("QUIT"))).expect(Expect.redis()));
        add(cmds(g, "SELECT 0", c("SELECT", "0")).expect(Expect.redis()));
        add(cmds(g, "SELECT 0 then commands", c("SELECT", "0"), c("SET", "a", "1"), c("GET", "a"))
                .expect(Expect.redis()));
        add(cmds(g, "select 0 lower case", c("select", "0"), c("PING")).expect(Expect.redis()));
        add(cmds(g, "SELECT 1 is refused", c("SELECT", "1"), c("PING")).expect(Expect.errorAt(0)));
        add(cmds(g, "SELECT 15 is refused", c("SELECT", "15"), c("SET", "a", "1"), c("GET", "a"))
                .expect(Expect.errorAt(0)));
        add(cmds(g, "SELECT -1", c("SELECT", "-1"), c("PING")).expect(Expect.errorAt(0)));
        add(cmds(g, "SELECT abc", c("SELECT", "abc"), c("PING")).expect(Expect.errorAt(0)));
        add(cmds(g, "SELECT without a db", c("SELECT"), c("PING")).expect(Expect.redis()));
        add(cmds(g, "SELECT with two args", c("SELECT", "0", "1"), c("PING")).expect(Expect.redis()));
        add(cmds(g, "MOVE is refused with an error", c("MOVE", "a", "1"), c("PING")).expect(Expect.errorAt(0)));
        add(cmds(g, "MOVE of an existing key", c("SET", "mv", "1"), c("MOVE", "mv", "1"), c("PING"))
                .expect(Expect.errorAt(1)));

        // unknown commands: redis-server's own bytes, the connection stays open
        add(cmds(g, "unknown command", c("FOO")).expect(Expect.redis()));
        add(cmds(g, "unknown command between PINGs", c("PING"), c("FOO"), c("PING")).expect(Expect.redis()));
        add(cmds(g, "unknown command with args", c("FOO", "a", "b", "c")).expect(Expect.redis()));
        add(cmds(g, "unknown command lower case", c("foo", "a")).expect(Expect.redis()));
        add(cmds(g, "unknown command with a 200-byte arg", c("FOO", "x".repeat(200), "y")).expect(Expect.redis()));
        add(cmds(g, "unknown command with 50 args", c("FOO", missing(50, "a"))).expect(Expect.redis()));
        add(cmds(g, "unknown command with CRLF in an arg", c("FOO", "a\r\nb")).expect(Expect.redis()));
        add(cmds(g, "unknown command with a NUL in an arg", c("FOO", "ab\u0000cd", "e")).expect(Expect.redis()));
        add(cmds(g, "unknown command with a 200-byte name", c("X".repeat(200))).expect(Expect.redis()));
        add(cmds(g, "unknown command with an empty name", c(""), c("PING")).expect(Expect.redis()));
        add(cmds(g, "unknown command with a binary name", c(Bytes.ascii("\u00ff\u0080\r\n"), "a"), c("PING"))
                .expect(Expect.redis()));
        add(cmds(g, "unknown command in the middle of 200 commands",
                concat(repeat(c("SET", "a", "1"), 100), List.<byte[][]>of(c("NOSUCHCOMMAND", "a")), repeat(c("GET", "a"), 100)))
                .expect(Expect.redis()).mbuf512(true));
        add(cmds(g, "several unknown commands in a row", c("FOO"), c("BAR", "1"), c("BAZ"), c("PING"))
                .expect(Expect.redis()));
        List<byte[]> parts = List.of(Bytes.cmd("PING"), Bytes.cmd("FOO", "bar"), Bytes.cmd("PING"));
        add(Case.builder(g, "unknown command in its own chunk").chunks(parts, 20).replies(3).expect(Expect.redis()));
    }

    private static List<byte[][]> repeat(byte[][] cmd, int n, byte[][]... tail) {
        List<byte[][]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(cmd);
        }
        out.addAll(Arrays.asList(tail));
        return out;
    }

    @SafeVarargs
    private static List<byte[][]> concat(List<byte[][]>... lists) {
        List<byte[][]> out = new ArrayList<>();
        for (List<byte[][]> l : lists) {
            out.addAll(l);
        }
        return out;
    }

    /**
     * Commands nutcracker does not know: redis's unknown-command error, the connection open.
     *
     * <p>FIX (redis 7 command table): every command of redis-server 7.0's {@code COMMAND} table now has a routing
     * class (single key, fragmentable, co-located, whole pool, session, proxy-local, refused), so the redis 7
     * commands this group used to list (KEYS, SCAN, RENAME, XADD, CONFIG, BLPOP, ...) are no longer unknown;
     * RedisCommandsIT and RedisCommandTableTest cover them. Only names redis 7.0 does not have stay here.
     */
    private void unsupported() {
        String[][] commands = {
            {"STRALGO", "LCS", "KEYS", "a", "b"}, {"LOLWUT2"}, {"GETSET2", "a"}, {"CLIENTS", "LIST"},
        };
        for (String[] cmd : commands) {
            byte[][] argv = c((Object[]) cmd);
            add(cmds("unsupported", String.join(" ", cmd), c("PING"), argv, c("PING"))
                    .expect(Expect.exactOpen(PONG, unknownCommand(argv), PONG)));
        }
    }

    /**
     * Each command with too few and too many arguments for its nutcracker arity class, between two PINGs:
     * redis's wrong-arity error where redis gives one, else an error (or redis's reply), the connection open.
     */
    private void arity() {
        String[][] fixed = {
            // argz
            {"COMMAND"},
            // arg0
            {"PERSIST", "k"}, {"PTTL", "k"}, {"TTL", "k"}, {"TYPE", "k"}, {"DUMP", "k"}, {"DECR", "k"}, {"GET", "k"},
            {"GETDEL", "k"}, {"INCR", "k"}, {"STRLEN", "k"}, {"HGETALL", "k"}, {"HKEYS", "k"}, {"HLEN", "k"},
            {"HVALS", "k"}, {"LLEN", "k"}, {"SCARD", "k"}, {"SMEMBERS", "k"}, {"ZCARD", "k"}, {"AUTH", "pw"},
            // arg1
            {"EXPIRE", "k", "10"}, {"EXPIREAT", "k", "4102444800"}, {"PEXPIRE", "k", "10000"},
            {"PEXPIREAT", "k", "4102444800000"}, {"MOVE", "k", "1"}, {"APPEND", "k", "v"}, {"DECRBY", "k", "1"},
            {"GETBIT", "k", "1"}, {"GETSET", "k", "v"}, {"INCRBY", "k", "1"}, {"INCRBYFLOAT", "k", "1.5"},
            {"SETNX", "k", "v"}, {"HEXISTS", "k", "f"}, {"HGET", "k", "f"}, {"HSTRLEN", "k", "f"},
            {"LINDEX", "k", "0"}, {"RPOPLPUSH", "k", "d"}, {"SISMEMBER", "k", "m"}, {"ZRANK", "k", "m"},
            {"ZREVRANK", "k", "m"}, {"ZSCORE", "k", "m"},
            // arg2
            {"GETRANGE", "k", "0", "1"}, {"PSETEX", "k", "1000", "v"}, {"SETBIT", "k", "1", "1"},
            {"SETEX", "k", "10", "v"}, {"SETRANGE", "k", "0", "v"}, {"HINCRBY", "k", "f", "1"},
            {"HINCRBYFLOAT", "k", "f", "1.5"}, {"HSETNX", "k", "f", "v"}, {"LRANGE", "k", "0", "-1"},
            {"LREM", "k", "0", "v"}, {"LSET", "k", "0", "v"}, {"LTRIM", "k", "0", "1"}, {"SMOVE", "k", "d", "m"},
            {"ZCOUNT", "k", "0", "1"}, {"ZLEXCOUNT", "k", "-", "+"}, {"ZINCRBY", "k", "1", "m"},
            {"ZREMRANGEBYLEX", "k", "-", "+"}, {"ZREMRANGEBYRANK", "k", "0", "1"},
            {"ZREMRANGEBYSCORE", "k", "0", "1"},
            // arg3
            {"LINSERT", "k", "BEFORE", "p", "v"}, {"LMOVE", "k", "d", "LEFT", "RIGHT"},
        };
        for (String[] cmd : fixed) {
            if (cmd.length > 1) {
                String[] fewer = Arrays.copyOf(cmd, cmd.length - 1);
                addArity("too few", fewer);
            }
            String[] more = Arrays.copyOf(cmd, cmd.length + 1);
            more[cmd.length] = "extra";
            addArity("too many", more);
        }
        String[] argn = {"SORT", "COPY", "BITCOUNT", "BITPOS", "BITFIELD", "EXISTS", "GETEX", "SET", "HDEL", "HMGET",
            "HMSET", "HSCAN", "HSET", "HRANDFIELD", "LPUSH", "LPUSHX", "RPUSH", "RPUSHX", "LPOP", "RPOP", "LPOS", "SADD",
            "SDIFF", "SDIFFSTORE", "SINTER", "SINTERSTORE", "SREM", "SUNION", "SUNIONSTORE", "SRANDMEMBER", "SSCAN",
            "SPOP", "SMISMEMBER", "PFADD", "PFMERGE", "PFCOUNT", "ZADD", "ZDIFF", "ZDIFFSTORE", "ZINTER", "ZINTERSTORE",
            "ZMSCORE", "ZPOPMAX", "ZPOPMIN", "ZRANDMEMBER", "ZRANGE", "ZRANGEBYLEX", "ZRANGEBYSCORE", "ZRANGESTORE",
            "ZREM", "ZREVRANGE", "ZREVRANGEBYLEX", "ZREVRANGEBYSCORE", "ZSCAN", "ZUNION", "ZUNIONSTORE", "GEOADD",
            "GEODIST", "GEOHASH", "GEOPOS", "GEORADIUS", "GEORADIUSBYMEMBER", "GEOSEARCH", "GEOSEARCHSTORE",
            "RESTORE", "MGET", "DEL", "UNLINK", "TOUCH", "MSET", "EVAL", "EVALSHA"};
        for (String cmd : argn) {
            addArity("no key", new String[] {cmd});
        }
        addArity("odd count", new String[] {"MSET", "k"});
        addArity("odd count", new String[] {"MSET", "k", "v", "k2"});
        addArity("odd count", new String[] {"MSET", "a", "1", "b", "2", "c"});
        addArity("no numkeys", new String[] {"EVAL", "return 1"});
        addArity("zero keys", new String[] {"EVAL", "return 1", "0"});
        addArity("numkeys above the keys", new String[] {"EVAL", "return 1", "1"});
        addArity("no numkeys", new String[] {"EVALSHA", sha1("return 1")});
        addArity("zero keys", new String[] {"EVALSHA", sha1("return 1"), "0"});
        addArity("subcommand", new String[] {"COMMAND", "INFO", "GET"});
        // COMMAND COUNT: the proxy's own count (RedisCommandsIT.commandIsTheProxysOwnTable)
        add(cmds("arity", "too many: PING a b", c("PING"), c("PING", "a", "b"), c("PING")).expect(Expect.redis()));
        add(cmds("arity", "QUIT with an argument", c("PING"), c("QUIT", "x"), c("PING"))
                .expect(Expect.anyOf(Expect.redis(), Expect.errorAt(1))));
    }

    private void addArity(String what, String[] cmd) {
        // MOVE is refused whatever its arguments ("an error reply", NUTCRACKER.md), so any error will do
        Expect e = cmd[0].equals("MOVE") ? Expect.errorAt(1) : Expect.arity(1);
        add(cmds("arity", what + ": " + String.join(" ", cmd), c("PING"), c((Object[]) cmd), c("PING")).expect(e));
    }

    /** Inline commands, accepted as redis-server accepts them. */
    private void inline() {
        String g = "inline";
        String[][] inputs = {
            {"PING", "PING\r\n", "1"},
            {"PING with LF only", "PING\n", "1"},
            {"ping lower case", "ping\r\n", "1"},
            {"PING with a message", "PING hello\r\n", "1"},
            {"SET then GET", "SET a b\r\nGET a\r\n", "2"},
            {"double-quoted argument", "SET a \"hello world\"\r\nGET a\r\n", "2"},
            {"single-quoted argument", "SET a 'x y'\r\nGET a\r\n", "2"},
            {"hex escapes in quotes", "SET a \"\\x41\\x42\\n\"\r\nGET a\r\n", "2"},
            {"extra spaces", "  SET   a   b  \r\nGET a\r\n", "2"},
            {"tab separators", "SET\ta\tb\r\nGET\ta\r\n", "2"},
            {"empty lines are skipped", "\r\n\r\nPING\r\n", "1"},
            {"only an empty line", "\r\n", "0"},
            {"multi-key MSET and MGET", "MSET a 1 b 2 c 3\r\nMGET a b c d\r\n", "2"},
            {"DEL of several keys", "SET a 1\r\nSET b 2\r\nDEL a b c\r\n", "3"},
            {"mixed with multibulk", "*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\nGET a\r\n", "4"},
            {"unknown inline command", "FOO bar\r\n", "1"},
            {"inline wrong arity", "GET\r\n", "1"},
            {"inline QUIT", "PING\r\nQUIT\r\nPING\r\n", "2"},
            {"inline SELECT 0", "SELECT 0\r\nPING\r\n", "2"},
            {"inline EVAL", "EVAL \"return KEYS[1]\" 1 k\r\n", "1"},
            {"inline AUTH without password", "AUTH x\r\nPING\r\n", "2"},
        };
        for (String[] in : inputs) {
            Case.Builder b = raw(g, in[0], in[1], Integer.parseInt(in[2]));
            if (in[0].equals("inline AUTH without password")) {
                // nutcracker's words for AUTH on a pool without redis_auth, then PONG
                b.expect(Expect.exactOpen(Bytes.ascii("-ERR Client sent AUTH, but no password is set\r\n"), PONG));
            } else {
                b.expect(Expect.redis());
            }
            add(b);
        }
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            many.append(i % 3 == 0 ? "PING\r\n" : i % 3 == 1 ? "INCR n\r\n" : "GET n\r\n");
        }
        add(raw(g, "300 pipelined inline commands", many.toString(), 300).expect(Expect.redis()).mbuf512(true));
        add(raw(g, "inline SET of a 20000-byte value", "SET big " + "v".repeat(20000) + "\r\nSTRLEN big\r\n", 2)
                .expect(Expect.redis()).mbuf512(true));
        add(raw(g, "unbalanced quotes", "SET \"a b\r\n", 1).expect(Expect.protocolError()));
        add(raw(g, "unbalanced quotes after a command", "PING\r\nSET 'a\r\n", 2).expect(Expect.protocolError()));
        add(Case.builder("inline", "AUTH on a password pool").pool("auth")
                .request(Bytes.ascii("PING\r\nAUTH secret\r\nPING\r\n")).replies(3)
                .expect(Expect.exactOpen(Bytes.ascii("-NOAUTH Authentication required\r\n"), Bytes.ascii("+OK\r\n"),
                        PONG)));
    }

    /** Malformed framing and absurd lengths. */
    private void framing() {
        String g = "framing";
        Expect pe = Expect.protocolError();
        add(raw(g, "negative bulk length", "*1\r\n$-1\r\n", 1).expect(pe));
        add(raw(g, "bulk length -5 in a SET", "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$-5\r\n", 1).expect(pe));
        add(raw(g, "non-numeric bulk length", "*1\r\n$abc\r\n", 1).expect(pe));
        add(raw(g, "empty bulk length", "*1\r\n$\r\n", 1).expect(pe));
        add(raw(g, "non-numeric multibulk length", "*abc\r\n", 1).expect(pe));
        add(raw(g, "empty multibulk length", "*\r\n", 1).expect(pe));
        add(raw(g, "space in multibulk length", "*1 \r\n$4\r\nPING\r\n", 1).expect(pe));
        add(raw(g, "array where a bulk is expected", "*3\r\n*abcde\r\n", 1).expect(pe));
        add(raw(g, "integer where a bulk is expected", "*1\r\n:1\r\n", 1).expect(pe));
        add(raw(g, "second argument is an array", "*2\r\n$3\r\nGET\r\n*1\r\n", 1).expect(pe));
        add(raw(g, "bulk length 2^31", "*1\r\n$2147483648\r\n", 0).noProbe().expect(pe));
        add(raw(g, "bulk length 2^63+", "*1\r\n$99999999999999999999\r\n", 0).noProbe().expect(pe));
        add(raw(g, "multibulk length 2^31", "*2147483648\r\n", 0).noProbe().expect(pe));
        add(raw(g, "multibulk length 2^63+", "*99999999999999999999\r\n", 0).noProbe().expect(pe));
        add(raw(g, "replies before bad framing are kept",
                "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$x\r\n", 3).expect(pe));
        add(raw(g, "bad framing after PING and unknown command", "*1\r\n$4\r\nPING\r\n*1\r\n$3\r\nFOO\r\n*1\r\n$-3\r\n", 3)
                .expect(pe));
        add(cmds(g, "1000 GETs then bad framing", repeat(c("GET", "a"), 1000)).request(Bytes.concat(
                Bytes.pipeline(repeat(c("GET", "a"), 1000)), Bytes.ascii("*1\r\n$-7\r\n"))).replies(1001).expect(pe)
                .mbuf512(true));
        add(Case.builder(g, "bad framing in a later chunk")
                .chunks(List.of(Bytes.pipeline(repeat(c("INCR", "n"), 20)), Bytes.ascii("*2\r\n$3\r\nGET\r\n:5\r\n")), 30)
                .replies(21).expect(pe));
        // bulk lengths nutcracker waits for and redis-server refuses (over its 512 MB proto-max-bulk-len)
        add(raw(g, "bulk length 600000000", "*1\r\n$600000000\r\n", 0).noProbe()
                .expect(Expect.anyOf(pe, Expect.same())));
        add(raw(g, "bulk length 600000000 in a SET", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$600000000\r\n", 0).noProbe()
                .expect(Expect.anyOf(pe, Expect.same())));

        // input that redis-server tolerates (an empty or negative multibulk is ignored, other lines are inline
        // commands) but that a proxy may refuse as bad framing
        Expect tolerate = Expect.anyOf(Expect.redis(), Expect.protocolErrorAfter(0));
        add(raw(g, "*0", "*0\r\n", 0).expect(tolerate));
        add(raw(g, "*0 then PING", "*0\r\n*1\r\n$4\r\nPING\r\n", 1).expect(tolerate));
        add(raw(g, "*-1 then PING", "*-1\r\n*1\r\n$4\r\nPING\r\n", 1).expect(tolerate));
        add(raw(g, "*-5 after two PINGs", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*-5\r\n", 2)
                .expect(Expect.anyOf(Expect.redis(), Expect.protocolErrorAfter(2))));
        add(raw(g, "top-level bulk", "$3\r\nGET\r\n", 2).expect(tolerate));
        add(raw(g, "bulk longer than its length", "*1\r\n$1\r\nab\r\n", 1).expect(tolerate));
        add(raw(g, "bulk data not followed by CRLF", "*2\r\n$3\r\nGET\r\n$1\r\naXY", 1).expect(tolerate));
        add(raw(g, "binary garbage line", "\u00ff\u00fe\u0001\r\n", 1).expect(tolerate));
        add(raw(g, "garbage after two PINGs", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n\u0001\u0002\u0003\r\n", 3)
                .expect(Expect.anyOf(Expect.redis(), Expect.protocolErrorAfter(2))));
        // lengths with a sign or leading zero: nutcracker's reading (serve them or not) or a protocol error
        add(raw(g, "bulk length with a leading zero", "*2\r\n$3\r\nGET\r\n$01\r\na\r\n", 1).heal()
                .expect(Expect.anyOf(Expect.same(), Expect.redis(), pe)));
        add(raw(g, "bulk length with a plus sign", "*2\r\n$3\r\nGET\r\n$+1\r\na\r\n", 1)
                .expect(Expect.anyOf(Expect.same(), Expect.redis(), pe)));
        add(raw(g, "multibulk length with a leading zero", "*01\r\n$4\r\nPING\r\n", 1)
                .expect(Expect.anyOf(Expect.same(), Expect.redis(), pe)));

        // incomplete requests: no reply, the connection stays open
        add(raw(g, "incomplete: no CRLF after the last bulk", "*1\r\n$4\r\nPING", 0).noProbe());
        add(raw(g, "incomplete: half a bulk", "*1\r\n$4\r\nPI", 0).noProbe());
        add(raw(g, "incomplete: missing argument", "*2\r\n$3\r\nGET\r\n", 0).noProbe());
        add(raw(g, "incomplete: multibulk header only", "*3\r\n", 0).noProbe());
        add(raw(g, "incomplete: after a complete command", "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\n", 1)
                .noProbe());
        add(raw(g, "incomplete: multibulk of 1048577", "*1048577\r\n", 0).noProbe());
        add(raw(g, "incomplete: bulk of 100000000", "*1\r\n$100000000\r\nabc", 0).noProbe());
    }

    /** MGET, DEL, UNLINK, TOUCH, MSET (and EXISTS, a fix) over keys spread across the pool's backends. */
    private void multiKey(String pool) {
        String g = "multikey-" + pool;
        List<String> k10 = spread(pool, 10);
        List<String> k4 = spread(pool, 4);
        List<String> k2 = spread(pool, 2);
        List<String> k1000 = spread(pool, 1000);
        List<String> m10 = missing(10, "");
        List<Object> interleaved = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            interleaved.add(k10.get(i));
            interleaved.add(m10.get(i));
        }
        add(cmds(g, "MSET 10 keys, MGET them", c("MSET", kv(k10, "v")), c("MGET", k10)).pool(pool));
        add(cmds(g, "MGET with missing keys interleaved", c("MSET", kv(k10, "v")), c("MGET", interleaved)).pool(pool));
        add(cmds(g, "MGET with duplicate keys", c("MSET", kv(k4, "v")),
                c("MGET", k4.get(0), k4.get(0), k4.get(1), k4.get(0), k4.get(2), k4.get(2), k4.get(3), k4.get(1),
                        k4.get(3), k4.get(3))).pool(pool));
        add(cmds(g, "MGET of only missing keys", c("MGET", m10)).pool(pool));
        add(cmds(g, "MGET of one key", c("SET", k10.get(0), "x"), c("MGET", k10.get(0)), c("MGET", m10.get(0)))
                .pool(pool));
        add(cmds(g, "MGET of 2 keys on 2 servers", c("MSET", kv(k2, "two")), c("MGET", k2), c("MGET", k2.get(1),
                k2.get(0))).pool(pool));
        add(cmds(g, "MGET in reverse order", c("MSET", kv(k10, "r")), c("MGET", reversed(k10))).pool(pool));
        List<Object> delKeys = new ArrayList<>(k10.subList(0, 7));
        delKeys.addAll(m10.subList(0, 2));
        add(cmds(g, "DEL sums the deleted counts", c("MSET", kv(k10, "v")), c("DEL", delKeys), c("MGET", k10),
                c("DEL", k10)).pool(pool));
        add(cmds(g, "DEL with duplicate keys", c("MSET", kv(k4, "v")), c("DEL", k4.get(0), k4.get(0), k4.get(1),
                k4.get(1), k4.get(2)), c("MGET", k4)).pool(pool));
        add(cmds(g, "UNLINK sums", c("MSET", kv(k10, "v")), c("UNLINK", delKeys), c("UNLINK", k10), c("MGET", k10))
                .pool(pool));
        add(cmds(g, "TOUCH sums, duplicates counted", c("MSET", kv(k4, "v")), c("TOUCH", k4), c("TOUCH", k4.get(0),
                k4.get(0), m10.get(0), k4.get(3)), c("TOUCH", m10)).pool(pool));
        add(cmds(g, "MSET with a repeated key: the last value wins", c("MSET", k4.get(0), "a", k4.get(1), "b",
                k4.get(0), "c", k4.get(2), "d", k4.get(1), "e"), c("MGET", k4)).pool(pool));
        add(cmds(g, "MSET of one pair", c("MSET", k10.get(3), "one"), c("GET", k10.get(3))).pool(pool));
        add(cmds(g, "1000 keys: MSET MGET TOUCH DEL", c("MSET", kv(k1000, "value-")), c("MGET", k1000),
                c("TOUCH", k1000), c("DEL", k1000), c("MGET", k1000.subList(0, 10))).pool(pool).mbuf512(true)
                .timeoutMs(15_000));
        add(cmds(g, "1000 keys MGET with every other key missing", c("MSET", kv(k1000.subList(0, 500), "h")),
                c("MGET", k1000)).pool(pool).mbuf512(true));
        List<byte[][]> mix = List.of(c("SET", k10.get(0), "1"), c("MGET", k10.subList(0, 3)), c("INCR", k10.get(0)),
                c("MSET", k10.get(1), "x", k10.get(2), "y"), c("MGET", k10.subList(0, 4)), c("DEL", k10.subList(0, 2)),
                c("GET", k10.get(2)), c("TOUCH", k10.subList(2, 4)), c("UNLINK", k10.get(2)),
                c("MGET", k10.subList(0, 3)), c("PING"), c("MGET", k10.get(3)));
        add(cmds(g, "pipelined mixture of single- and multi-key commands", mix).pool(pool));
        List<byte[][]> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(c("MSET", kv(k10, "i" + i + "-")));
            many.add(c("MGET", i % 2 == 0 ? k10 : reversed(k10)));
            many.add(c("GET", k10.get(i % 10)));
        }
        add(cmds(g, "50 pipelined rounds of MSET, MGET, GET", many).pool(pool).mbuf512(true));
        List<Object> big = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            big.add(k10.get(i));
            big.add(Bytes.binary(20_000 + i, i));
        }
        add(cmds(g, "MGET of 10 values of 20 KB", c("MSET", big), c("MGET", k10), c("MGET", reversed(k10)))
                .pool(pool).mbuf512(true));
        add(cmds(g, "MGET of keys holding other types", c("LPUSH", k4.get(0), "a"), c("SET", k4.get(1), "b"),
                c("HSET", k4.get(2), "f", "v"), c("MGET", k4), c("DEL", k4), c("MGET", k4)).pool(pool));
        add(cmds(g, "MGET with binary and empty keys", c("MSET", "", "1", "\u0000", "2", "\r\n", "3", k10.get(0), "4"),
                c("MGET", "", "\u0000", "\r\n", k10.get(0), "nope"), c("DEL", "", "\u0000", "\r\n", k10.get(0)))
                .pool(pool));
        add(cmds(g, "DEL of keys of several types", c("SET", k4.get(0), "s"), c("LPUSH", k4.get(1), "l"),
                c("HSET", k4.get(2), "f", "v"), c("SADD", k4.get(3), "m"), c("DEL", k4, m10.get(1)), c("MGET", k4))
                .pool(pool));
        add(cmds(g, "hash-tagged keys", c("MSET", "{u1}a", "1", "{u1}b", "2", "{u2}c", "3", "{u2}d", "4", "{u3}e", "5"),
                c("MGET", "{u1}a", "{u2}c", "{u1}b", "{u3}e", "{u2}d", "{u9}x"), c("DEL", "{u1}a", "{u1}b", "{u2}c"),
                c("MGET", "{u1}a", "{u1}b", "{u2}c", "{u2}d", "{u3}e")).pool(pool));
        // EXISTS over several servers: the fix sums it like DEL (nutcracker asks the first key's server only)
        List<Object> ex = new ArrayList<>(k10);
        ex.add(m10.get(0));
        ex.add(k10.get(0));
        ex.add(k10.get(9));
        add(cmds(g, "EXISTS summed across servers", c("MSET", kv(k10, "v")), c("EXISTS", ex), c("EXISTS", k10.get(0)),
                c("EXISTS", m10.get(0), k10.get(5), k10.get(5)), c("DEL", k10.subList(0, 4)), c("EXISTS", k10))
                .pool(pool).expect(Expect.redis()));
        add(cmds(g, "EXISTS of 1000 keys", c("MSET", kv(k1000.subList(0, 700), "e")), c("EXISTS", k1000))
                .pool(pool).expect(Expect.redis()).mbuf512(true));
        add(cmds(g, "EXISTS of one key", c("SET", k10.get(1), "x"), c("EXISTS", k10.get(1)), c("EXISTS", m10.get(1)))
                .pool(pool));
    }

    private static List<String> reversed(List<String> l) {
        List<String> r = new ArrayList<>(l);
        java.util.Collections.reverse(r);
        return r;
    }

    /** A pool whose servers all refuse connections. */
    private void deadPool() {
        String g = "dead-servers";
        add(cmds(g, "GET", c("GET", "a"), c("PING")).pool("dead"));
        add(cmds(g, "MGET of one key", c("MGET", "a"), c("PING")).pool("dead"));
        add(cmds(g, "MGET of 4 keys keeps the connection open", c("MGET", "a", "b", "c", "d")).pool("dead")
                .expect(Expect.sameBytesButOpen()));
        add(cmds(g, "MGET then GET and PING", c("MGET", "a", "b", "c"), c("GET", "a"), c("PING")).pool("dead")
                .expect(Expect.exactOpen(ERR_REFUSED, ERR_REFUSED, PONG)));
        add(cmds(g, "DEL", c("DEL", "a", "b", "c", "d"), c("PING")).pool("dead"));
        add(cmds(g, "UNLINK", c("UNLINK", "a", "b", "c", "d"), c("PING")).pool("dead"));
        add(cmds(g, "TOUCH", c("TOUCH", "a", "b", "c", "d"), c("PING")).pool("dead"));
        add(cmds(g, "MSET", c("MSET", "a", "1", "b", "2", "c", "3"), c("PING")).pool("dead"));
        add(cmds(g, "EXISTS of several keys", c("EXISTS", "a", "b", "c", "d"), c("PING")).pool("dead"));
        add(cmds(g, "EVAL", c("EVAL", "return 1", "1", "a"), c("PING")).pool("dead"));
        add(cmds(g, "PING is answered locally", c("PING"), c("PING")).pool("dead"));
    }

    /** A pool of backend 0 and a read-only replica: a fragment error turns the whole reply into nutcracker's. */
    private void readOnlyReplica() {
        String g = "read-only-replica";
        List<List<String>> b = buckets.get("ro");
        if (b.size() < 2 || b.get(0).size() < 2 || b.get(1).size() < 2) {
            throw new IllegalStateException("the placement probe found no keys on one server of pool ro: " + b);
        }
        String w = b.get(0).get(0);
        String w2 = b.get(0).get(1);
        String r = b.get(1).get(0);
        String r2 = b.get(1).get(1);
        add(cmds(g, "SET on each server", c("SET", w, "1"), c("SET", r, "1"), c("GET", w), c("GET", r)).pool("ro"));
        add(cmds(g, "DEL over both servers", c("SET", w, "1"), c("DEL", w, r), c("GET", w)).pool("ro"));
        add(cmds(g, "DEL of a replica key alone", c("DEL", r), c("DEL", r, r2)).pool("ro"));
        add(cmds(g, "MSET over both servers", c("MSET", w, "1", r, "2", w2, "3"), c("MGET", w, r, w2)).pool("ro"));
        add(cmds(g, "MGET and TOUCH over both", c("SET", w, "1"), c("MGET", r, w, r2), c("TOUCH", w, r, w2))
                .pool("ro"));
        add(cmds(g, "UNLINK over both", c("SET", w, "1"), c("UNLINK", w, r), c("UNLINK", w2, w)).pool("ro"));
        add(cmds(g, "EXISTS over both", c("SET", w, "1"), c("EXISTS", w, r, w)).pool("ro").expect(Expect.redis()));
    }

    private void eval() {
        String g = "eval";
        String get = "return redis.call('get', KEYS[1])";
        String set = "return redis.call('set', KEYS[1], ARGV[1])";
        add(cmds(g, "EVAL return 1", c("EVAL", "return 1", "1", "k")));
        add(cmds(g, "EVAL set then get", c("EVAL", set, "1", "k", "v"), c("GET", "k"), c("EVAL", get, "1", "k")));
        add(cmds(g, "EVAL nested array", c("EVAL", "return {1,2,{3,'x',{4}},'OK'}", "1", "k")));
        add(cmds(g, "EVAL status, error, nil, false, float", c("EVAL", "return redis.status_reply('FINE')", "1", "k"),
                c("EVAL", "return redis.error_reply('MY error')", "1", "k"), c("EVAL", "return nil", "1", "k"),
                c("EVAL", "return false", "1", "k"), c("EVAL", "return 3.99", "1", "k"),
                c("EVAL", "return {1, 'OK'}", "1", "k")));
        StringBuilder deep = new StringBuilder("return ");
        for (int i = 0; i < 20; i++) {
            deep.append("{").append(i).append(",");
        }
        deep.append("'x'");
        deep.append("}".repeat(20));
        add(cmds(g, "EVAL array nested 20 deep", c("EVAL", deep.toString(), "1", "k")));
        add(cmds(g, "EVALSHA before and after loading", c("EVALSHA", sha1(get), "1", "k"), c("SET", "k", "val"),
                c("EVAL", get, "1", "k"), c("EVALSHA", sha1(get), "1", "k"),
                c("evalsha", sha1(get).toUpperCase(), "1", "k")));
        add(cmds(g, "EVAL compile error", c("EVAL", "return +", "1", "k"), c("PING")));
        add(cmds(g, "EVAL runtime error", c("EVAL", "return redis.call('nosuch')", "1", "k"), c("PING")));
        add(cmds(g, "EVAL two tagged keys", c("EVAL", "return KEYS[1]..KEYS[2]..ARGV[1]", "2", "{t}a", "{t}b", "x")));
        // FIX (co-location): a co-located multi-key command whose keys are on two servers gets -CROSSSLOT and
        // nothing is forwarded (nutcracker sends it to the first key's server); spread() keys are on two servers
        List<String> two = spread("alpha", 2);
        String[][] colocated = {{"EVAL", "redis.call('set', KEYS[1], 'x') return redis.call('exists', KEYS[2])", "2"},
            {"COPY"}, {"RPOPLPUSH"}, {"SDIFF"}, {"SMOVE"}, {"PFCOUNT"}};
        for (String[] head : colocated) {
            byte[][] cmd = head.length == 1 ? c(head[0], two.get(0), two.get(1))
                    : c(head[0], head[1], head[2], two.get(0), two.get(1));
            if (head[0].equals("SMOVE")) {
                cmd = c("SMOVE", two.get(0), two.get(1), "m");
            }
            add(cmds("fix-colocation", head[0] + " with keys on two servers: -CROSSSLOT", cmd, c("PING"))
                    .expect(Expect.errorAt(0)));
        }
        add(cmds(g, "EVAL numkeys above the keys", c("EVAL", "return 1", "3", "a", "b"), c("PING"))
                .expect(Expect.anyOf(Expect.same(), Expect.arity(0))));
        add(cmds(g, "EVAL non-numeric numkeys", c("EVAL", "return 1", "x", "a"), c("PING"))
                .expect(Expect.anyOf(Expect.same(), Expect.errorAt(0))));
        add(cmds(g, "EVAL negative numkeys", c("EVAL", "return 1", "-1", "a"), c("PING"))
                .expect(Expect.anyOf(Expect.same(), Expect.errorAt(0))));
        add(cmds(g, "EVAL with a 3000-byte argument", c("EVAL", set, "1", "k", "a".repeat(3000)), c("STRLEN", "k"))
                .mbuf512(true));
        add(cmds(g, "EVAL returning 100000 bytes", c("EVAL", "return string.rep('x', 100000)", "1", "k"))
                .mbuf512(true));
        List<byte[][]> evals = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            evals.add(c("EVAL", "return redis.call('incrby', KEYS[1], ARGV[1]) -- " + "pad".repeat(i), "1",
                    "ctr" + (i % 4), Integer.toString(i)));
        }
        add(cmds(g, "30 pipelined EVALs across mbuf boundaries", evals).mbuf512(true));
    }

    /** Values of many sizes, around the mbuf sizes (512 and 16384, minus the mbuf header) and far above. */
    private void values() {
        String g = "values";
        int[] sizes = {0, 1, 2, 100, 463, 464, 465, 500, 511, 512, 513, 1023, 1024, 1025, 4096, 8191, 16335, 16336,
            16337, 16383, 16384, 16385, 32768, 65536, 100_000, 1 << 20, 8 << 20};
        for (int size : sizes) {
            byte[] v = Bytes.binary(size, size);
            String k = "v:" + size;
            add(cmds(g, "SET and GET " + size + " bytes", c("SET", k, v), c("GET", k), c("STRLEN", k),
                    c("GETRANGE", k, "0", "9"), c("APPEND", k, "tail"), c("STRLEN", k))
                    .mbuf512(true).timeoutMs(20_000));
        }
        byte[] eight = Bytes.binary(8 << 20, 99);
        List<byte[]> chunks = new ArrayList<>();
        byte[] req = Bytes.concat(Bytes.cmd(Bytes.ascii("SET"), Bytes.ascii("big"), eight), Bytes.cmd("STRLEN", "big"),
                Bytes.cmd("GETRANGE", "big", "4194300", "4194310"));
        for (int off = 0; off < req.length; off += 65536) {
            chunks.add(Arrays.copyOfRange(req, off, Math.min(req.length, off + 65536)));
        }
        add(Case.builder(g, "8 MiB SET in 64 KiB chunks").chunks(chunks, 1).replies(3).mbuf512(true)
                .timeoutMs(20_000));
        List<byte[][]> sets = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sets.add(c("SET", "big" + i, Bytes.binary(20_000, i)));
        }
        for (int i = 0; i < 50; i++) {
            sets.add(c("GET", "big" + i));
        }
        add(cmds(g, "50 pipelined SETs of 20 KB then GETs", sets).mbuf512(true));
        add(cmds(g, "hash with 20 KB values", c("HSET", "h", "a", Bytes.binary(20_000, 1), "b", Bytes.binary(20_001, 2)),
                c("HGETALL", "h"), c("HVALS", "h"), c("HSTRLEN", "h", "b")).mbuf512(true));
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            items.add("item-" + i);
        }
        add(cmds(g, "list of 2000 items", c("RPUSH", "l", items), c("LRANGE", "l", "0", "-1"), c("LLEN", "l"))
                .mbuf512(true));
        List<Object> scored = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            scored.add(Integer.toString(i));
            scored.add("m" + i);
        }
        add(cmds(g, "sorted set of 1000 members", c("ZADD", "z", scored), c("ZRANGE", "z", "0", "-1", "WITHSCORES"))
                .mbuf512(true));
        add(cmds(g, "APPEND grows a value across mbufs", repeat(c("APPEND", "ap", "x".repeat(100)), 200,
                c("STRLEN", "ap"), c("GET", "ap"))).mbuf512(true));
    }

    /** Keys up to and past one mbuf: nutcracker closes the connection where a key does not fit in one. */
    private void bigKeys() {
        String g = "key-sizes";
        int[] sizes = {100, 250, 400, 450, 460, 470, 500, 1000, 16000, 16300, 16400, 20000, 100_000};
        Expect e = Expect.sameUnlessNutcrackerCloses(Expect.anyOf(Expect.redis(), Expect.errorThenClose(0)));
        for (int size : sizes) {
            String k = "k".repeat(size);
            add(cmds(g, "key of " + size + " bytes", c("SET", k, "v"), c("GET", k), c("EXISTS", k), c("DEL", k))
                    .mbuf512(true).expect(e));
        }
        String k = "q".repeat(600);
        add(cmds(g, "MGET with a 600-byte key", c("SET", "a", "1"), c("MGET", "a", k), c("PING")).mbuf512(true)
                .expect(Expect.sameUnlessNutcrackerCloses(Expect.anyOf(Expect.redis(), Expect.errorThenClose(1)))));
    }

    private void pipelines() {
        String g = "pipeline";
        for (int n : new int[] {1, 2, 3, 10, 100, 1000, 10_000}) {
            add(cmds(g, n + " mixed commands", mixed(n)).mbuf512(true).timeoutMs(30_000));
        }
        add(cmds(g, "10000 PINGs", repeat(c("PING"), 10_000)).mbuf512(true).timeoutMs(30_000));
        add(cmds(g, "10000 GETs of one key", concat(List.<byte[][]>of(c("SET", "one", "value")),
                repeat(c("GET", "one"), 9_999))).timeoutMs(30_000));
        List<String> k10 = spread("alpha", 10);
        List<byte[][]> mgets = new ArrayList<>();
        mgets.add(c("MSET", kv(k10, "p")));
        for (int i = 0; i < 1000; i++) {
            mgets.add(c("MGET", k10));
        }
        add(cmds(g, "1000 MGETs of 10 keys over 4 servers", mgets).mbuf512(true).timeoutMs(30_000));
        byte[] req = Bytes.pipeline(mixed(5000));
        add(Case.builder(g, "5000 commands in 97-byte writes").chunks(split(req, 97), 0).replies(5000)
                .timeoutMs(30_000));
        add(Case.builder(g, "1000 commands in 1 KiB writes with pauses").chunks(split(Bytes.pipeline(mixed(1000)), 1024), 1)
                .replies(1000).mbuf512(true).timeoutMs(30_000));
    }

    private static List<byte[]> split(byte[] b, int size) {
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < b.length; off += size) {
            out.add(Arrays.copyOfRange(b, off, Math.min(b.length, off + size)));
        }
        return out;
    }

    /** n commands cycling over single-key reads and writes and small multi-key commands. */
    static List<byte[][]> mixed(int n) {
        List<byte[][]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(switch (i % 8) {
                case 0 -> c("SET", "p:" + i, "v" + i);
                case 1 -> c("GET", "p:" + (i - 1));
                case 2 -> c("INCR", "ctr:" + (i % 13));
                case 3 -> c("MGET", "p:" + (i - 3), "p:" + (i - 11), "x:" + i);
                case 4 -> c("DEL", "p:" + (i - 4), "p:" + (i - 12));
                case 5 -> c("HSET", "h:" + (i % 5), "f" + i, Integer.toString(i));
                case 6 -> c("LPUSH", "l:" + (i % 3), Integer.toString(i));
                default -> c("EXISTS", "p:" + (i - 7));
            });
        }
        return out;
    }

    /** Requests split at every byte, and sent one byte at a time. */
    private void splits() {
        String g = "split";
        byte[] req = Bytes.pipeline(List.of(c("SET", "sp:a", "hello"), c("GET", "sp:a"),
                c("MGET", "sp:a", "{x}b", "sp:c"), c("DEL", "sp:a", "{x}b"), c("PING"), c("INCR", "sp:n")));
        for (int at = 1; at < req.length; at++) {
            add(Case.builder(g, "split at byte " + at + " of " + req.length)
                    .chunks(List.of(Arrays.copyOf(req, at), Arrays.copyOfRange(req, at, req.length)), 3).replies(6));
        }
        add(Case.builder(g, "one byte at a time").chunks(split(req, 1), 1).replies(6).mbuf512(true));
        List<String> k10 = spread("alpha", 10);
        byte[] mk = Bytes.pipeline(List.of(c("MSET", kv(k10, "s")), c("MGET", k10), c("DEL", k10)));
        add(Case.builder(g, "MSET MGET DEL over 4 servers one byte at a time").chunks(split(mk, 1), 0).replies(3)
                .timeoutMs(10_000));
        byte[] value = Bytes.binary(40_000, 3);
        byte[] big = Bytes.concat(Bytes.cmd(Bytes.ascii("SET"), Bytes.ascii("bv"), value), Bytes.cmd("STRLEN", "bv"));
        int header = Bytes.cmd(Bytes.ascii("SET"), Bytes.ascii("bv"), value).length - value.length - 2;
        int[] cuts = {header - 3, header, header + 20_000, header + value.length, header + value.length + 1};
        List<byte[]> parts = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            parts.add(Arrays.copyOfRange(big, from, cut));
            from = cut;
        }
        parts.add(Arrays.copyOfRange(big, from, big.length));
        add(Case.builder(g, "40 KB SET cut in the length, the data and the CRLF").chunks(parts, 5).replies(2)
                .mbuf512(true));
        byte[] inl = Bytes.ascii("PING\r\nSET a \"b c\"\r\nGET a\r\n");
        for (int at = 1; at < inl.length; at++) {
            add(Case.builder(g, "inline split at byte " + at + " of " + inl.length)
                    .chunks(List.of(Arrays.copyOf(inl, at), Arrays.copyOfRange(inl, at, inl.length)), 3).replies(3)
                    .expect(Expect.redis()));
        }
        add(Case.builder(g, "inline one byte at a time").chunks(split(inl, 1), 1).replies(3).expect(Expect.redis()));
    }
}
