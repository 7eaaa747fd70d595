package org.twemproxy4j.it.diff;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import org.twemproxy4j.it.fixture.NutcrackerProcess;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.ProxyProcess;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * The processes of the differential suite: four redis-server backends (plus one with a password, one read-only
 * replica and one "oracle" outside every pool), and two pairs of proxies — nutcracker and the candidate — with
 * the same pools over the same backends: one pair with the default mbuf size and one with {@code -m 512}.
 *
 * <p>Pools (the same in every proxy, each proxy on its own ports):
 * <ul>
 * <li>{@code alpha}: fnv1a_64, ketama, hash_tag "{}", the 4 backends named host:port;</li>
 * <li>{@code beta}: murmur, modula, the 4 backends with explicit names and weights 1,1,2,1;</li>
 * <li>{@code db}: md5, ketama, redis_db 2, the 4 backends;</li>
 * <li>{@code auth} / {@code authwrong} / {@code noauth}: the password backend with redis_auth set to its password,
 * to a wrong password, and unset;</li>
 * <li>{@code dead}: two servers where nothing listens;</li>
 * <li>{@code ro}: backend 0 and the read-only replica.</li>
 * </ul>
 */
public final class Cluster implements Closeable {
    static final String PASSWORD = "secret";
    static final List<String> POOLS = List.of("alpha", "beta", "db", "auth", "authwrong", "noauth", "dead", "ro");

    /** backends 0..3 data, 4 password, 5 replica */
    final List<RedisServer> backends = new ArrayList<>();
    private final List<Direct> direct = new ArrayList<>();
    RedisServer oracle;
    Direct oracleDirect;
    private final int[] deadPorts = {Ports.free(), Ports.free()};

    /** the reference (nutcracker) and candidate proxies: [default pair, -m 512 pair] */
    final Proxy[] reference = new Proxy[2];
    final Proxy[] candidate = new Proxy[2];
    /** why the candidate did not start (null when it did) */
    String candidateFailure;
    final String candidateKind;

    /** A started proxy process and the port of each of its pools. */
    static final class Proxy {
        final String name;
        final ProxyProcess process;
        final Map<String, Integer> ports;

        Proxy(String name, ProxyProcess process, Map<String, Integer> ports) {
            this.name = name;
            this.process = process;
            this.ports = ports;
        }

        int port(String pool) {
            Integer p = ports.get(pool);
            if (p == null) {
                throw new IllegalArgumentException("no pool " + pool);
            }
            return p;
        }
    }

    Cluster(String candidateKind) {
        this.candidateKind = candidateKind;
    }

    /** Starts every process; a candidate that fails to start is recorded in {@link #candidateFailure}. */
    void start() {
        for (int i = 0; i < 4; i++) {
            backends.add(RedisServer.start());
        }
        backends.add(RedisServer.start("--requirepass", PASSWORD));
        backends.add(RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(Ports.free())));
        oracle = RedisServer.start();
        for (int i = 0; i < backends.size(); i++) {
            direct.add(new Direct(backends.get(i).port(), i == 4 ? PASSWORD : null));
        }
        oracleDirect = new Direct(oracle.port(), null);

        String[][] args = {{}, {"-m", "512"}};
        String[] suffix = {"", " -m 512"};
        for (int pair = 0; pair < 2; pair++) {
            reference[pair] = startProxy("nutcracker" + suffix[pair], NutcrackerProcess::start, args[pair]);
        }
        BiFunction<String, String[], ProxyProcess> cand = "nutcracker".equals(candidateKind)
                ? NutcrackerProcess::start : Twemproxy4jProcess::start;
        String candName = "nutcracker".equals(candidateKind) ? "nutcracker#2" : "twemproxy4j";
        for (int pair = 0; pair < 2; pair++) {
            try {
                candidate[pair] = startProxy(candName + suffix[pair], cand, args[pair]);
            } catch (RuntimeException e) {
                candidateFailure = candName + suffix[pair] + " did not start: " + e.getMessage();
                break;
            }
        }
    }

    private Proxy startProxy(String name, BiFunction<String, String[], ProxyProcess> starter, String[] extra) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String p : POOLS) {
            ports.put(p, Ports.free());
        }
        return new Proxy(name, starter.apply(yaml(ports), extra), ports);
    }

    /** The configuration of one proxy: the pools above on the given listen ports. */
    String yaml(Map<String, Integer> ports) {
        StringBuilder y = new StringBuilder();
        String[] names = {"shard-a", "shard-b", "shard-c", "shard-d"};
        int[] weights = {1, 1, 2, 1};
        pool(y, "alpha", ports, "  hash: fnv1a_64\n  hash_tag: \"{}\"\n  distribution: ketama\n  timeout: 5000\n");
        for (int i = 0; i < 4; i++) {
            y.append("   - ").append(backends.get(i).address()).append(":1\n");
        }
        pool(y, "beta", ports, "  hash: murmur\n  distribution: modula\n  timeout: 5000\n");
        for (int i = 0; i < 4; i++) {
            y.append("   - ").append(backends.get(i).address()).append(':').append(weights[i]).append(' ')
                    .append(names[i]).append('\n');
        }
        pool(y, "db", ports, "  hash: md5\n  distribution: ketama\n  redis_db: 2\n  timeout: 5000\n");
        for (int i = 0; i < 4; i++) {
            y.append("   - ").append(backends.get(i).address()).append(":1\n");
        }
        pool(y, "auth", ports, "  redis_auth: " + PASSWORD + "\n  timeout: 5000\n");
        y.append("   - ").append(backends.get(4).address()).append(":1\n");
        pool(y, "authwrong", ports, "  redis_auth: wrong\n  timeout: 5000\n");
        y.append("   - ").append(backends.get(4).address()).append(":1\n");
        pool(y, "noauth", ports, "  timeout: 5000\n");
        y.append("   - ").append(backends.get(4).address()).append(":1\n");
        pool(y, "dead", ports, "  timeout: 5000\n");
        for (int p : deadPorts) {
            y.append("   - 127.0.0.1:").append(p).append(":1\n");
        }
        pool(y, "ro", ports, "  hash: fnv1a_64\n  distribution: ketama\n  timeout: 5000\n");
        y.append("   - ").append(backends.get(0).address()).append(":1\n");
        y.append("   - ").append(backends.get(5).address()).append(":1\n");
        return y.toString();
    }

    private static void pool(StringBuilder y, String name, Map<String, Integer> ports, String body) {
        y.append(name).append(":\n  listen: 127.0.0.1:").append(ports.get(name)).append('\n')
                .append("  redis: true\n").append(body).append("  servers:\n");
    }

    /** The backends of a pool (indexes into {@link #backends}), in the configuration's order. */
    static int[] poolBackends(String pool) {
        return switch (pool) {
            case "alpha", "beta", "db" -> new int[] {0, 1, 2, 3};
            case "auth", "authwrong", "noauth" -> new int[] {4};
            case "ro" -> new int[] {0, 5};
            default -> new int[0];
        };
    }

    static int poolDb(String pool) {
        return "db".equals(pool) ? 2 : 0;
    }

    /** Empties every backend and the oracle (keys and cached scripts), so each run starts from the same state. */
    void flush() {
        byte[] flushAll = Bytes.cmd("FLUSHALL");
        byte[] scriptFlush = Bytes.cmd("SCRIPT", "FLUSH");
        for (int i = 0; i < direct.size(); i++) {
            List<byte[]> r = i == 5 ? direct.get(i).call(scriptFlush) : direct.get(i).call(flushAll, scriptFlush);
            for (byte[] b : r) {
                if (!Bytes.startsWith(b, "+OK")) {
                    throw new IllegalStateException("flushing backend " + i + ": " + Bytes.show(b));
                }
            }
        }
        oracleDirect.call(flushAll, scriptFlush);
    }

    /** The keys of the pool's db on each of its backends, sorted: "backend0=[k1 k2] backend1=[]...". */
    String snapshot(String pool) {
        int[] bs = poolBackends(pool);
        int db = poolDb(pool);
        StringBuilder sb = new StringBuilder();
        for (int b : bs) {
            List<byte[]> r = direct.get(b).call(Bytes.cmd("SELECT", Integer.toString(db)), Bytes.cmd("KEYS", "*"),
                    Bytes.cmd("SELECT", "0"));
            List<byte[]> keys = parseBulkArray(r.get(1));
            keys.sort(Arrays::compareUnsigned);
            sb.append("backend").append(b).append("=[");
            int shown = 0;
            for (byte[] k : keys) {
                if (shown > 0) {
                    sb.append(' ');
                }
                if (shown++ == 40 && keys.size() > 41) {
                    // a digest keeps the comparison exact without printing thousands of keys
                    sb.append("... ").append(keys.size()).append(" keys, digest ").append(digest(keys));
                    break;
                }
                sb.append(Bytes.label(k, 40));
            }
            sb.append("] ");
        }
        return sb.toString().trim();
    }

    private static String digest(List<byte[]> keys) {
        long h = 1125899906842597L;
        for (byte[] k : keys) {
            for (byte x : k) {
                h = 31 * h + x;
            }
            h = 31 * h + 0x100;
        }
        return Long.toHexString(h);
    }

    /** The elements of a RESP array of bulk strings. */
    static List<byte[]> parseBulkArray(byte[] reply) {
        List<byte[]> out = new ArrayList<>();
        int p = 0;
        int eol = indexOfCrlf(reply, p);
        if (reply[0] != '*') {
            throw new IllegalStateException("not an array: " + Bytes.show(reply));
        }
        int n = Integer.parseInt(new String(reply, 1, eol - 1, StandardCharsets.US_ASCII));
        p = eol + 2;
        for (int i = 0; i < n; i++) {
            eol = indexOfCrlf(reply, p);
            int len = Integer.parseInt(new String(reply, p + 1, eol - p - 1, StandardCharsets.US_ASCII));
            p = eol + 2;
            out.add(Arrays.copyOfRange(reply, p, p + len));
            p += len + 2;
        }
        return out;
    }

    private static int indexOfCrlf(byte[] b, int from) {
        for (int i = from; i < b.length - 1; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        throw new IllegalStateException("no CRLF in " + Bytes.show(b));
    }

    /**
     * Which backend of the pool (index into {@link #poolBackends}) each key lands on, as the reference nutcracker
     * places it: SET through the proxy, then look at the backends (a READONLY refusal means the replica).
     */
    Map<String, Integer> placement(String pool, List<String> keys) {
        flush();
        Map<String, Integer> where = new LinkedHashMap<>();
        int[] bs = poolBackends(pool);
        List<byte[]> replies = new ArrayList<>();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), reference[0].port(pool)), 3000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            List<byte[][]> cmds = new ArrayList<>();
            for (String k : keys) {
                cmds.add(new byte[][] {Bytes.ascii("SET"), Bytes.ascii(k), Bytes.ascii("1")});
            }
            out.write(Bytes.pipeline(cmds));
            out.flush();
            for (int i = 0; i < keys.size(); i++) {
                replies.add(Resp.readReply(in));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("placement probe on " + pool, e);
        }
        Map<String, Integer> found = new java.util.HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            if (Bytes.startsWith(replies.get(i), "-READONLY")) {
                found.put(keys.get(i), Arrays.stream(bs).boxed().toList().indexOf(5));
            }
        }
        for (int j = 0; j < bs.length; j++) {
            List<byte[]> r = direct.get(bs[j]).call(Bytes.cmd("SELECT", Integer.toString(poolDb(pool))),
                    Bytes.cmd("KEYS", "*"), Bytes.cmd("SELECT", "0"));
            for (byte[] k : parseBulkArray(r.get(1))) {
                found.put(new String(k, StandardCharsets.ISO_8859_1), j);
            }
        }
        for (String k : keys) {
            if (found.containsKey(k)) {
                where.put(k, found.get(k));
            }
        }
        flush();
        return where;
    }

    /** Sends commands straight to the oracle redis-server and returns its replies. */
    List<byte[]> oracle(byte[]... commands) {
        return oracleDirect.call(commands);
    }

    @Override
    public void close() {
        for (Proxy[] ps : new Proxy[][] {candidate, reference}) {
            for (Proxy p : ps) {
                if (p != null) {
                    p.process.close();
                }
            }
        }
        for (Direct d : direct) {
            d.close();
        }
        if (oracleDirect != null) {
            oracleDirect.close();
        }
        for (RedisServer b : backends) {
            b.close();
        }
        if (oracle != null) {
            oracle.close();
        }
    }
}
