package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.twemproxy4j.distribution.Locate;
import org.twemproxy4j.hashkit.DistType;
import org.twemproxy4j.hashkit.HashType;
import org.twemproxy4j.hashkit.Placement;
import org.twemproxy4j.it.fixture.NutcrackerProcess;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;

/**
 * Proof that hashkit places every key where nutcracker 0.5.0 does: four redis-server backends with unequal
 * weights behind one real nutcracker with one pool per hash x {ketama, modula}, the same with named servers,
 * hash-tag pools, and a pool whose long server names collide after ketama's 272-byte cut. For each pool,
 * a few hundred keys (ASCII, binary with bytes {@code >= 0x80}, 1 to 1000 bytes, the empty key, hash tags)
 * are SET through nutcracker; each backend is then asked for its keys, and {@link Placement} must name the
 * same backend for every key. {@code --locate} on the same config file must agree too (for the keys that are
 * printable UTF-8).
 *
 * <p>The server lines are written in a shuffled order with weights 3, 1, 5, 2, so nutcracker's sort
 * (length first, then bytes) and the weights both matter.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlacementIT {
    private static final int NBACKEND = 4;
    /** Weight of backend i. */
    private static final int[] WEIGHT = {3, 1, 5, 2};
    /** Order of the backends' lines in the config file. */
    private static final int[] LINE_ORDER = {2, 0, 3, 1};
    /** Explicit server names of backend i for the named pools (sorted by nutcracker: b, dd, alpha, charlie-long). */
    private static final String[] NAMES = {"alpha", "charlie-long", "dd", "b"};
    /** Names sharing their first 272 bytes, so every ketama point of the first two ties. */
    private static final String[] LONG_NAMES = {"h".repeat(300) + "A", "h".repeat(300) + "B", "short-one", "short-two"};

    /** One pool of the nutcracker config. */
    record Pool(String name, HashType hash, DistType dist, String hashTag, String[] names, int port) {
        @Override
        public String toString() {
            return name;
        }
    }

    private final List<RedisServer> backends = new ArrayList<>();
    private final List<Pool> pools = new ArrayList<>();
    private final List<byte[]> keys = new ArrayList<>();
    private NutcrackerProcess nutcracker;

    @BeforeAll
    void start() {
        for (int i = 0; i < NBACKEND; i++) {
            backends.add(RedisServer.start());
        }
        for (HashType h : HashType.values()) {
            for (DistType d : new DistType[] {DistType.KETAMA, DistType.MODULA}) {
                pools.add(new Pool(h.confName() + "_" + d.confName(), h, d, null, null, Ports.free()));
            }
            pools.add(new Pool(h.confName() + "_ketama_named", h, DistType.KETAMA, null, NAMES, Ports.free()));
        }
        pools.add(new Pool("md5_modula_named", HashType.MD5, DistType.MODULA, null, NAMES, Ports.free()));
        pools.add(new Pool("fnv1a_64_modula_named", HashType.FNV1A_64, DistType.MODULA, null, NAMES, Ports.free()));
        pools.add(new Pool("tag_fnv1a_64_ketama", HashType.FNV1A_64, DistType.KETAMA, "{}", null, Ports.free()));
        pools.add(new Pool("tag_crc32a_modula", HashType.CRC32A, DistType.MODULA, "{}", null, Ports.free()));
        pools.add(new Pool("tag_murmur_ketama_named", HashType.MURMUR, DistType.KETAMA, "$$", NAMES, Ports.free()));
        pools.add(new Pool("tie_md5_ketama", HashType.MD5, DistType.KETAMA, null, LONG_NAMES, Ports.free()));
        pools.add(new Pool("tie_fnv1a_64_ketama", HashType.FNV1A_64, DistType.KETAMA, null, LONG_NAMES, Ports.free()));
        nutcracker = NutcrackerProcess.start(yaml());
        buildKeys();
    }

    @AfterAll
    void stop() {
        if (nutcracker != null) {
            nutcracker.close();
        }
        for (RedisServer r : backends) {
            r.close();
        }
    }

    private String yaml() {
        StringBuilder y = new StringBuilder();
        for (Pool p : pools) {
            y.append(p.name).append(":\n");
            y.append("  listen: 127.0.0.1:").append(p.port).append('\n');
            y.append("  redis: true\n");
            y.append("  hash: ").append(p.hash.confName()).append('\n');
            y.append("  distribution: ").append(p.dist.confName()).append('\n');
            if (p.hashTag != null) {
                y.append("  hash_tag: \"").append(p.hashTag).append("\"\n");
            }
            y.append("  servers:\n");
            for (int b : LINE_ORDER) {
                y.append("   - ").append(backends.get(b).address()).append(':').append(WEIGHT[b]);
                if (p.names != null) {
                    y.append(' ').append(p.names[b]);
                }
                y.append('\n');
            }
        }
        return y.toString();
    }

    private void buildKeys() {
        for (int i = 0; i < 200; i++) {
            keys.add(ascii("key" + i));
        }
        for (String s : new String[] {"", "a", "z", "apple", "{a}1", "{a}2", "x{b}y", "{}z", "{c", "c}", "{{b}}",
            "a{x}{y", "1$abc$2$", "$$", "$x", "x$", "{user1000}.following", "{user1000}.followers", "server1-8",
            "foo:bar:baz", "hello world"}) {
            keys.add(ascii(s));
        }
        keys.add("\u00e9".getBytes(StandardCharsets.UTF_8));
        keys.add("{\u00e9}x".getBytes(StandardCharsets.UTF_8));
        keys.add("cl\u00e9-\u65e5\u672c".getBytes(StandardCharsets.UTF_8));
        for (int b : new int[] {0x00, 0x7f, 0x80, 0xa9, 0xc3, 0xfe, 0xff}) {
            keys.add(new byte[] {(byte) b});
        }
        keys.add(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        keys.add(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80});
        Random r = new Random(20240605L);
        int[] lengths = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 23, 24, 25, 40, 55, 56, 63, 64, 65, 119, 120};
        for (int len : lengths) {
            for (int n = 0; n < 4; n++) {
                byte[] k = new byte[len];
                for (int i = 0; i < len; i++) {
                    k[i] = (byte) (n % 2 == 0 ? 0x80 + r.nextInt(128) : r.nextInt(256));
                }
                keys.add(k);
            }
        }
        for (int len : new int[] {250, 250, 250, 251, 500, 1000}) {
            byte[] k = new byte[len];
            r.nextBytes(k);
            keys.add(k);
        }
        // drop accidental duplicates (the random keys could repeat a short one)
        Map<String, byte[]> unique = new HashMap<>();
        List<byte[]> out = new ArrayList<>();
        for (byte[] k : keys) {
            if (unique.putIfAbsent(hex(k), k) == null) {
                out.add(k);
            }
        }
        keys.clear();
        keys.addAll(out);
    }

    Stream<Pool> pools() {
        return pools.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void hashkitPlacesEveryKeyWhereNutcrackerDoes(Pool pool) throws IOException {
        for (RedisServer r : backends) {
            r.flushAll();
        }
        setAllThroughNutcracker(pool);

        // where did each key go?
        Map<String, Integer> actual = new HashMap<>();
        for (int b = 0; b < NBACKEND; b++) {
            for (byte[] k : keysOf(backends.get(b))) {
                Integer prev = actual.put(hex(k), b);
                if (prev != null) {
                    fail("key " + hex(k) + " is on backends " + prev + " and " + b);
                }
            }
        }
        assertEquals(keys.size(), actual.size(), "every key stored exactly once");

        // hashkit's view: servers in nutcracker's sorted order
        Integer[] order = new Integer[NBACKEND];
        String[] nodeName = new String[NBACKEND];
        for (int b = 0; b < NBACKEND; b++) {
            order[b] = b;
            nodeName[b] = pool.names != null ? pool.names[b]
                    : Placement.nodeName("127.0.0.1", backends.get(b).port(), null);
        }
        Arrays.sort(order, (x, y) -> Placement.NAME_ORDER.compare(nodeName[x], nodeName[y]));
        String[] sortedNames = new String[NBACKEND];
        int[] sortedWeights = new int[NBACKEND];
        for (int i = 0; i < NBACKEND; i++) {
            sortedNames[i] = nodeName[order[i]];
            sortedWeights[i] = WEIGHT[order[i]];
        }
        Placement placement = new Placement(pool.hash, pool.hashTag == null ? null : ascii(pool.hashTag), pool.dist,
                sortedNames, sortedWeights);

        int mismatches = 0;
        StringBuilder report = new StringBuilder();
        int[] perBackend = new int[NBACKEND];
        for (byte[] k : keys) {
            int expected = actual.get(hex(k));
            perBackend[expected]++;
            int got = order[placement.serverIndex(k, 0, k.length)];
            if (got != expected) {
                if (++mismatches <= 10) {
                    report.append("\n  key ").append(hex(k)).append(": nutcracker -> backend ").append(expected)
                            .append(", hashkit -> backend ").append(got);
                }
            }
        }
        assertEquals(0, mismatches, pool + ": " + mismatches + " of " + keys.size() + " keys misplaced" + report);
        assertLocateAgrees(pool, actual);
        if (pool.hash != HashType.CRC32 || pool.dist != DistType.KETAMA) {
            // sanity: the keys really were spread (crc32's 15 bits send almost all to one ketama server)
            int used = 0;
            for (int n : perBackend) {
                used += n > 0 ? 1 : 0;
            }
            assertTrue(used >= 2, pool + " used only " + used + " backend(s): " + Arrays.toString(perBackend));
        }
    }

    /**
     * {@code --locate} on nutcracker's own config file (so through Conf's parsing, naming and sorting) names
     * the same backend for every key that is printable UTF-8 text.
     */
    private void assertLocateAgrees(Pool pool, Map<String, Integer> actual) {
        List<String> args = new ArrayList<>(
                List.of("--locate", "-c", nutcracker.confFile().toString(), "--pool", pool.name, "--"));
        List<byte[]> located = new ArrayList<>();
        for (byte[] k : keys) {
            String text = utf8(k);
            if (text != null) {
                args.add(text);
                located.add(k);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Locate.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(located.size(), lines.length);
        assertTrue(located.size() > 200, "enough text keys: " + located.size());
        for (int i = 0; i < lines.length; i++) {
            byte[] k = located.get(i);
            String where = "(" + backends.get(actual.get(hex(k))).address() + ")";
            assertTrue(lines[i].startsWith(utf8(k) + " -> " + pool.name + "/") && lines[i].endsWith(where),
                    pool + ": key " + hex(k) + ": nutcracker put it on " + where + ", --locate says: " + lines[i]);
        }
    }

    /** The key as text when it is valid UTF-8 without control characters, else null. */
    private static String utf8(byte[] k) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(k)).toString();
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
                    return null;
                }
            }
            return s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** SETs every key through the pool's listener, pipelined, and checks each reply is +OK. */
    private void setAllThroughNutcracker(Pool pool) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), pool.port), 2000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (byte[] k : keys) {
                batch.writeBytes(Resp.command(ascii("SET"), k, ascii("v")));
            }
            out.write(batch.toByteArray());
            out.flush();
            for (byte[] k : keys) {
                String reply = new String(Resp.readReply(in), StandardCharsets.ISO_8859_1);
                assertEquals("+OK\r\n", reply, pool + ": SET " + hex(k) + "\n" + nutcracker.log());
            }
        }
    }

    /** The raw keys stored on a backend (KEYS * parsed as binary-safe RESP). */
    private static List<byte[]> keysOf(RedisServer r) {
        byte[] reply = r.command("KEYS", "*").getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> out = new ArrayList<>();
        int[] pos = {0};
        String head = line(reply, pos);
        if (head.charAt(0) != '*') {
            throw new IllegalStateException("KEYS * on " + r.address() + " answered " + head);
        }
        int n = Integer.parseInt(head.substring(1));
        for (int i = 0; i < n; i++) {
            String len = line(reply, pos);
            int l = Integer.parseInt(len.substring(1));
            out.add(Arrays.copyOfRange(reply, pos[0], pos[0] + l));
            pos[0] += l + 2;
        }
        return out;
    }

    private static String line(byte[] b, int[] pos) {
        int start = pos[0];
        int i = start;
        while (b[i] != '\r' || b[i + 1] != '\n') {
            i++;
        }
        pos[0] = i + 2;
        return new String(b, start, i - start, StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String hex(byte[] k) {
        return k.length == 0 ? "(empty)" : HexFormat.of().formatHex(k);
    }
}
