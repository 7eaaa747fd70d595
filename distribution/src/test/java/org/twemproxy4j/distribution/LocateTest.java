package org.twemproxy4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twemproxy4j.hashkit.DistType;
import org.twemproxy4j.hashkit.HashType;
import org.twemproxy4j.hashkit.Placement;

/**
 * {@code --locate} against the pools observed on a live nutcracker 0.5.0 (NUTCRACKER.md §2.5), plus its
 * option handling and error lines.
 */
class LocateTest {
    private static final String CONF = """
            mo:
              listen: 127.0.0.1:22123
              redis: true
              hash: fnv1a_64
              distribution: modula
              servers:
               - 127.0.0.1:7253:1
               - 127.0.0.1:7250:1
               - 127.0.0.1:7251:2
            ka:
              listen: 127.0.0.1:22121
              redis: true
              hash: fnv1a_64
              distribution: ketama
              servers:
               - 127.0.0.1:7250:1
               - 127.0.0.1:7251:1
               - 127.0.0.1:7253:1
            kb:
              listen: 127.0.0.1:22122
              redis: true
              hash: md5
              distribution: ketama
              servers:
               - 127.0.0.1:7250:1 alpha
               - 127.0.0.1:7251:2 beta
               - 127.0.0.1:7253:3 gamma
            ht:
              listen: 127.0.0.1:22124
              redis: true
              hash: murmur
              hash_tag: "{}"
              distribution: ketama
              servers:
               - 127.0.0.1:7250:1
               - 127.0.0.1:7251:1
               - 127.0.0.1:7253:1
            rnd:
              listen: 127.0.0.1:22125
              distribution: random
              servers:
               - 127.0.0.1:11211:1
               - 127.0.0.2:11211:1
            """;

    @TempDir
    Path dir;
    private Path conf;
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    @BeforeEach
    void writeConf() throws IOException {
        conf = dir.resolve("nutcracker.yml");
        Files.writeString(conf, CONF, StandardCharsets.UTF_8);
    }

    private int run(String... args) {
        return Locate.run(args, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void ketamaUnnamed() {
        assertEquals(0, run("--locate", "apple", "key0", "key10", "", "\u00e9", "-c", conf.toString(), "--pool", "ka"),
                err());
        assertEquals("""
                apple -> ka/127.0.0.1:7251 (127.0.0.1:7251)
                key0 -> ka/127.0.0.1:7251 (127.0.0.1:7251)
                key10 -> ka/127.0.0.1:7250 (127.0.0.1:7250)
                 -> ka/127.0.0.1:7250 (127.0.0.1:7250)
                \u00e9 -> ka/127.0.0.1:7250 (127.0.0.1:7250)
                """, out());
        assertEquals("", err());
    }

    @Test
    void ketamaNamedServers() {
        assertEquals(0, run("-c", conf.toString(), "--pool=kb", "key4", "key5", "key0", "apple"), err());
        assertEquals("""
                key4 -> kb/alpha (127.0.0.1:7250)
                key5 -> kb/beta (127.0.0.1:7251)
                key0 -> kb/gamma (127.0.0.1:7253)
                apple -> kb/gamma (127.0.0.1:7253)
                """, out());
    }

    @Test
    void modulaUsesSortedServersAndWeights() {
        assertEquals(0, run("--conf-file=" + conf, "--pool", "mo", "key0", "key1", "key2", "apple"), err());
        assertEquals("""
                key0 -> mo/127.0.0.1:7250 (127.0.0.1:7250)
                key1 -> mo/127.0.0.1:7253 (127.0.0.1:7253)
                key2 -> mo/127.0.0.1:7251 (127.0.0.1:7251)
                apple -> mo/127.0.0.1:7253 (127.0.0.1:7253)
                """, out());
    }

    @Test
    void hashTagAndKeysAfterDoubleDash() {
        assertEquals(0, run("-c", conf.toString(), "--pool", "ht", "x{b}y", "{}z", "--", "-c", "--pool"), err());
        String[] lines = out().split("\n");
        assertEquals(4, lines.length, out());
        assertEquals("x{b}y -> ht/127.0.0.1:7251 (127.0.0.1:7251)", lines[0]);
        assertEquals("{}z -> ht/127.0.0.1:7253 (127.0.0.1:7253)", lines[1]);
        assertTrue(lines[2].startsWith("-c -> ht/127.0.0.1:"), lines[2]);
        assertTrue(lines[3].startsWith("--pool -> ht/127.0.0.1:"), lines[3]);
    }

    @Test
    void randomDistributionSaysSo() {
        assertEquals(0, run("-c", conf.toString(), "--pool", "rnd", "k"), err());
        assertEquals("k -> rnd: random (distribution random sends each request to a random server of 2)\n", out());
    }

    @Test
    void onlyPoolIsTheDefault() throws IOException {
        Path one = dir.resolve("one.yml");
        Files.writeString(one, """
                solo:
                  listen: 127.0.0.1:22199
                  servers:
                   - 127.0.0.1:11211:1
                   - 127.0.0.1:11212:1 second
                """, StandardCharsets.UTF_8);
        assertEquals(0, run("-c", one.toString(), "a", "b", "c"), err());
        // sorted: "second" (6 bytes) before "127.0.0.1" (port 11211: the host alone, 9 bytes)
        Placement p = new Placement(HashType.FNV1A_64, null, DistType.KETAMA, new String[] {"second", "127.0.0.1"},
                new int[] {1, 1});
        String[] shown = {"solo/second (127.0.0.1:11212)", "solo/127.0.0.1 (127.0.0.1:11211)"};
        StringBuilder expected = new StringBuilder();
        for (String k : new String[] {"a", "b", "c"}) {
            byte[] b = k.getBytes(StandardCharsets.UTF_8);
            expected.append(k).append(" -> ").append(shown[p.serverIndex(b, 0, b.length)]).append('\n');
        }
        assertEquals(expected.toString(), out());
    }

    private void assertError(String expectedPart, String... args) {
        assertEquals(1, run(args));
        assertEquals("", out());
        String e = err();
        assertTrue(e.startsWith("twemproxy4j: --locate: "), e);
        assertTrue(e.contains(expectedPart), e);
        assertEquals(1, e.split("\n").length, "one line: " + e);
    }

    @Test
    void severalPoolsRequirePool() {
        assertError("has 5 pools (", "-c", conf.toString(), "k");
        assertTrue(err().contains("--pool NAME"), err());
    }

    @Test
    void unknownPool() {
        assertError("no pool 'nope'", "-c", conf.toString(), "--pool", "nope", "k");
    }

    @Test
    void noKey() {
        assertError("no key", "-c", conf.toString(), "--pool", "ka");
    }

    @Test
    void missingOptionValue() {
        assertError("--pool requires a value", "-c", conf.toString(), "k", "--pool");
    }

    @Test
    void unknownOption() {
        assertError("unknown option -x", "-c", conf.toString(), "-x", "k");
    }

    @Test
    void unreadableOrInvalidConfiguration() throws IOException {
        assertError("", "-c", dir.resolve("missing.yml").toString(), "k");
        outBytes.reset();
        errBytes.reset();
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, "p:\n  listen: 127.0.0.1:22100\n  hash: nohash\n  servers:\n   - 127.0.0.1:1:1\n");
        assertError("", "-c", bad.toString(), "k");
    }
}
