package org.twemproxy4j.hashkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Key placement as a whole, against placements observed on a live nutcracker 0.5.0 (NUTCRACKER.md §2.5:
 * backends 127.0.0.1:7250, :7251, :7253), plus the hash tag and empty key rules of {@link KeyHash}.
 */
class PlacementTest {
    private static final String KEYS_OBSERVED_AS = "key0..key29, apple, \"\", {a}1, {a}2, x{b}y, {}z, {c, é";

    /** Configured servers ("host:port:weight [name]") sorted and turned into a Placement; returns port per index. */
    private static int[] ports(String[] names, String[] hostPorts) {
        int[] ports = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            ports[i] = Integer.parseInt(hostPorts[i].substring(hostPorts[i].lastIndexOf(':') + 1));
        }
        return ports;
    }

    /** Checks "key=port" pairs (the empty key written as ""). */
    private static void assertPlacement(Placement p, int[] ports, String observed) {
        String[] pairs = observed.trim().split("\\s+");
        assertEquals(38, pairs.length, KEYS_OBSERVED_AS);
        for (String pair : pairs) {
            int eq = pair.lastIndexOf('=');
            String k = pair.substring(0, eq);
            if (k.equals("\"\"")) {
                k = "";
            }
            byte[] key = k.getBytes(StandardCharsets.UTF_8);
            int idx = p.serverIndex(key, 0, key.length);
            assertEquals(Integer.parseInt(pair.substring(eq + 1)), ports[idx], "key '" + k + "'");
        }
    }

    private static String keys(String fmt) {
        StringBuilder sb = new StringBuilder();
        String[] parts = fmt.trim().split("\\s+");
        for (String p : parts) {
            if (p.startsWith("key0..key9=")) {
                for (int i = 0; i <= 9; i++) {
                    sb.append("key").append(i).append('=').append(p.substring(11)).append(' ');
                }
            } else if (p.startsWith("key10..key29=")) {
                for (int i = 10; i <= 29; i++) {
                    sb.append("key").append(i).append('=').append(p.substring(13)).append(' ');
                }
            } else {
                sb.append(p).append(' ');
            }
        }
        return sb.toString();
    }

    private static final String[] LOCAL3 = {"127.0.0.1:7250", "127.0.0.1:7251", "127.0.0.1:7253"};

    @Test
    void poolKa_fnv1a64_ketama() {
        Placement p = new Placement(HashType.FNV1A_64, null, DistType.KETAMA, LOCAL3, new int[] {1, 1, 1});
        assertPlacement(p, ports(LOCAL3, LOCAL3), keys(
                "key0..key9=7251  key10..key29=7250  apple=7251 \"\"=7250 {a}1=7250 {a}2=7250 x{b}y=7251 {}z=7251"
                        + " {c=7250 é=7250"));
    }

    @Test
    void poolKb_md5_ketama_namedServers() {
        // configured: 127.0.0.1:7250:1 alpha, 127.0.0.1:7251:2 beta, 127.0.0.1:7253:3 gamma
        String[] configured = {"alpha", "beta", "gamma"};
        String[] addr = {"127.0.0.1:7250", "127.0.0.1:7251", "127.0.0.1:7253"};
        int[] weight = {1, 2, 3};
        Integer[] order = {0, 1, 2};
        Arrays.sort(order, (a, b) -> Placement.NAME_ORDER.compare(configured[a], configured[b]));
        String[] names = new String[3];
        String[] hostPorts = new String[3];
        int[] weights = new int[3];
        for (int i = 0; i < 3; i++) {
            names[i] = configured[order[i]];
            hostPorts[i] = addr[order[i]];
            weights[i] = weight[order[i]];
        }
        assertArrayEquals(new String[] {"beta", "alpha", "gamma"}, names);
        Placement p = new Placement(HashType.MD5, null, DistType.KETAMA, names, weights);
        assertEquals(480, p.continuum().ncontinuum());
        assertPlacement(p, ports(names, hostPorts), """
                key0=7253 key1=7253 key2=7253 key3=7253 key4=7250 key5=7251 key6=7251 key7=7253 key8=7253 key9=7251
                key10=7251 key11=7253 key12=7251 key13=7253 key14=7250 key15=7253 key16=7253 key17=7253 key18=7250 key19=7253
                key20=7251 key21=7253 key22=7253 key23=7251 key24=7251 key25=7253 key26=7250 key27=7253 key28=7253 key29=7251
                apple=7253 ""=7251 {a}1=7251 {a}2=7251 x{b}y=7253 {}z=7253 {c=7251 é=7253
                """);
    }

    @Test
    void poolMo_fnv1a64_modula() {
        // configured 7253:1, 7250:1, 7251:2; sorted 7250, 7251, 7253 -> slots [7250, 7251, 7251, 7253]
        Placement p = new Placement(HashType.FNV1A_64, null, DistType.MODULA, LOCAL3, new int[] {1, 2, 1});
        assertEquals(4, p.continuum().ncontinuum());
        assertPlacement(p, ports(LOCAL3, LOCAL3), """
                key0=7250 key1=7253 key2=7251 key3=7251 key4=7250 key5=7253 key6=7251 key7=7251 key8=7250 key9=7253
                key10=7251 key11=7251 key12=7253 key13=7250 key14=7251 key15=7251 key16=7253 key17=7250 key18=7251 key19=7251
                key20=7251 key21=7251 key22=7250 key23=7253 key24=7251 key25=7251 key26=7250 key27=7253 key28=7251 key29=7251
                apple=7253 ""=7250 {a}1=7253 {a}2=7251 x{b}y=7250 {}z=7251 {c=7253 é=7251
                """);
    }

    @Test
    void poolHt_murmur_hashTag_ketama() {
        Placement p = new Placement(HashType.MURMUR, "{}".getBytes(StandardCharsets.US_ASCII), DistType.KETAMA, LOCAL3,
                new int[] {1, 1, 1});
        assertPlacement(p, ports(LOCAL3, LOCAL3), """
                key0=7251 key1=7253 key2=7253 key3=7253 key4=7251 key5=7253 key6=7251 key7=7250 key8=7250 key9=7253
                key10=7251 key11=7251 key12=7253 key13=7253 key14=7253 key15=7251 key16=7250 key17=7250 key18=7250 key19=7250
                key20=7251 key21=7251 key22=7251 key23=7251 key24=7250 key25=7253 key26=7250 key27=7250 key28=7253 key29=7251
                apple=7251 ""=7250 {a}1=7250 {a}2=7250 x{b}y=7251 {}z=7253 {c=7250 é=7253
                """);
    }

    private static int hk(HashType h, String tag, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return KeyHash.hashKey(h, tag == null ? null : tag.getBytes(StandardCharsets.UTF_8), k, 0, k.length);
    }

    private static int raw(HashType h, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return h.hash(k, 0, k.length);
    }

    @Test
    void hashTagRules() {
        for (HashType h : HashType.values()) {
            assertEquals(raw(h, "b"), hk(h, "{}", "x{b}y"), h.confName());
            assertEquals(raw(h, "a"), hk(h, "{}", "{a}1"));
            assertEquals(raw(h, "user:1000"), hk(h, "{}", "{user:1000}.following"));
            assertEquals(raw(h, "{b"), hk(h, "{}", "{{b}}"), "first opening, then the first closing after it");
            assertEquals(raw(h, "x}"), hk(h, "{{", "a{x}{y"), "closing searched after the opening");
            assertEquals(raw(h, "abc"), hk(h, "$$", "1$abc$2$"), "same byte for both ends");
            // no tag, an empty tag, or an unclosed tag: the whole key
            assertEquals(raw(h, "{}z"), hk(h, "{}", "{}z"));
            assertEquals(raw(h, "{c"), hk(h, "{}", "{c"));
            assertEquals(raw(h, "c}"), hk(h, "{}", "c}"));
            assertEquals(raw(h, "plain"), hk(h, "{}", "plain"));
            assertEquals(raw(h, "x{b}y"), hk(h, null, "x{b}y"));
            assertEquals(raw(h, "x{b}y"), hk(h, "", "x{b}y"));
            // the empty key hashes to 0 (jenkins("") alone would be 0xdeadbefc)
            assertEquals(0, hk(h, null, ""));
            assertEquals(0, hk(h, "{}", ""));
        }
        assertNotEquals(0, raw(HashType.JENKINS, ""));
        // the tag bytes are matched within the range only
        byte[] k = "{a}xx{b}".getBytes(StandardCharsets.US_ASCII);
        byte[] tag = "{}".getBytes(StandardCharsets.US_ASCII);
        assertEquals(raw(HashType.MD5, "b"), KeyHash.hashKey(HashType.MD5, tag, k, 3, 5));
        assertEquals(raw(HashType.MD5, "{a"), KeyHash.hashKey(HashType.MD5, tag, k, 0, 2));
    }

    @Test
    void oneServerPoolNeverHashes() {
        for (DistType d : DistType.values()) {
            Placement p = new Placement(HashType.MD5, null, d, new String[] {"only"}, new int[] {5});
            byte[] k = "anything".getBytes(StandardCharsets.US_ASCII);
            assertEquals(0, p.serverIndex(k, 0, k.length));
            p.update(new boolean[] {false});
            assertEquals(0, p.serverIndex(k, 0, k.length), "even when ejected");
        }
    }

    @Test
    void updateRebuildsAfterEjectionAndReadmission() {
        String[] names = {"127.0.0.1:6379", "127.0.0.1:6380", "127.0.0.1:6381", "127.0.0.1:6382"};
        Placement p = new Placement(HashType.FNV1A_64, null, DistType.KETAMA, names, new int[] {1, 2, 3, 5});
        int[] before = new int[500];
        for (int i = 0; i < before.length; i++) {
            byte[] k = ("k" + i).getBytes(StandardCharsets.US_ASCII);
            before[i] = p.serverIndex(k, 0, k.length);
        }
        p.update(new boolean[] {true, false, true, true});
        assertEquals(3, p.continuum().nlive());
        for (int i = 0; i < before.length; i++) {
            byte[] k = ("k" + i).getBytes(StandardCharsets.US_ASCII);
            int now = p.serverIndex(k, 0, k.length);
            assertNotEquals(1, now);
        }
        p.update(new boolean[] {false, false, false, false});
        assertEquals(-1, p.serverIndex(new byte[] {'k'}, 0, 1));
        p.update(null);
        for (int i = 0; i < before.length; i++) {
            byte[] k = ("k" + i).getBytes(StandardCharsets.US_ASCII);
            assertEquals(before[i], p.serverIndex(k, 0, k.length));
        }
    }

    @Test
    void nameOrderIsLengthFirstThenBytes() {
        String[] names = {"bbbb", "a", "ccc", "zeta", "alpha", "\u00e9", "ab"};
        Arrays.sort(names, Placement.NAME_ORDER);
        // "é" is two bytes in UTF-8
        assertArrayEquals(new String[] {"a", "ab", "\u00e9", "ccc", "bbbb", "zeta", "alpha"}, names);
    }

    @Test
    void nodeNames() {
        assertEquals("127.0.0.1:6379", Placement.nodeName("127.0.0.1", 6379, null));
        assertEquals("127.0.0.1", Placement.nodeName("127.0.0.1", 11211, null));
        assertEquals("cache-1", Placement.nodeName("127.0.0.1", 11211, "cache-1"));
        assertEquals("/tmp/redis.sock:", Placement.nodeName("/tmp/redis.sock", 0, null));
    }

    @Test
    void rejectsBadHashTag() {
        assertThrows(IllegalArgumentException.class, () -> new Placement(HashType.MD5,
                "{".getBytes(StandardCharsets.US_ASCII), DistType.KETAMA, new String[] {"a"}, new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new Placement(HashType.MD5,
                "{}}".getBytes(StandardCharsets.US_ASCII), DistType.KETAMA, new String[] {"a"}, new int[] {1}));
    }
}
