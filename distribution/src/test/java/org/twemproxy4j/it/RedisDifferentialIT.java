package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.diff.Bytes;
import org.twemproxy4j.it.diff.Case;
import org.twemproxy4j.it.diff.Cluster;
import org.twemproxy4j.it.diff.Corpus;
import org.twemproxy4j.it.diff.Differential;
import org.twemproxy4j.it.fixture.Await;

/**
 * The redis differential suite: the same bytes go to nutcracker 0.5.0 and to twemproxy4j, both serving the same
 * pools over the same redis-server backends, and the client must see the same bytes and the same close
 * behaviour; where NUTCRACKER.md lists a fix, the case asserts twemproxy4j's documented reply instead (usually
 * redis-server's own bytes for the same request, taken from a redis-server outside every pool). The backends
 * are flushed before each run, so each proxy starts a case from the same state; for plain cases the keys must
 * also end up on the same backends.
 *
 * <p>Each case is its own dynamic test, grouped by topic; cases marked for it run again on a second pair of
 * proxies started with {@code -m 512}. System properties: {@code diff.candidate=nutcracker} runs a second
 * nutcracker as the candidate (to check the harness itself: only the documented fixes should fail), and
 * {@code diff.filter=<regex>} keeps the cases whose "group / name" matches.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RedisDifferentialIT {
    /** A bound on each dynamic test (a class-level {@code @Timeout} covers only the factory methods). */
    private static final Duration CASE_TIMEOUT = Duration.ofSeconds(120);
    private static Differential diff;

    @BeforeAll
    static void start() {
        diff = Differential.start(System.getProperty("diff.candidate", "twemproxy4j"));
        long again = diff.cases().stream().filter(diff::mbuf512).count();
        System.out.println("redis differential corpus: " + diff.cases().size() + " cases, " + again
                + " of them also run against the -m 512 proxies");
    }

    @AfterAll
    static void stop() {
        if (diff != null) {
            diff.close();
        }
    }

    @TestFactory
    Stream<DynamicNode> differential() {
        String f = System.getProperty("diff.filter", "");
        Pattern filter = f.isEmpty() ? null : Pattern.compile(f);
        Map<String, List<DynamicNode>> groups = new LinkedHashMap<>();
        for (Case c : diff.cases()) {
            if (filter != null && !filter.matcher(c.toString()).find()) {
                continue;
            }
            List<DynamicNode> tests = groups.computeIfAbsent(diff.group(c), g -> new ArrayList<>());
            tests.add(DynamicTest.dynamicTest(diff.name(c),
                    () -> Await.bounded(CASE_TIMEOUT, () -> diff.run(c, 0))));
            if (diff.mbuf512(c)) {
                tests.add(DynamicTest.dynamicTest("[-m 512] " + diff.name(c),
                        () -> Await.bounded(CASE_TIMEOUT, () -> diff.run(c, 1))));
            }
        }
        List<DynamicNode> out = new ArrayList<>();
        groups.forEach((g, tests) -> out.add(DynamicContainer.dynamicContainer(g, tests)));
        return out.stream();
    }

    /** Checks of the harness's own assumptions, against the real processes. */
    @TestFactory
    Stream<DynamicTest> harness() {
        List<DynamicTest> t = new ArrayList<>();
        String[][] unknown = {{"FOO"}, {"FOO", "a", "b"}, {"foo", "x".repeat(200), "y"}, {"FOO", "a\r\nb", "c\nd"},
            {"FOO", "ab\u0000cd", "e"}, {"X".repeat(300)}, {"FOO", "a".repeat(120), "bcdefghijklmnop", "q"},
            {"", "a"}, {"\u00ff\u0080", "\u00e9"}};
        for (String[] argv : unknown) {
            t.add(DynamicTest.dynamicTest("unknown-command wording matches redis-server: " + String.join(" ", argv)
                    .replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0"),
                    () -> Await.bounded(CASE_TIMEOUT, () -> {
                        byte[][] raw = new byte[argv.length][];
                        for (int i = 0; i < argv.length; i++) {
                            raw[i] = Bytes.ascii(argv[i]);
                        }
                        byte[] expected = Corpus.unknownCommand(raw);
                        byte[] actual = diff.oracle(Bytes.cmd(raw));
                        assertArrayEquals(expected, actual, () -> "formatter " + Bytes.show(expected)
                                + "\nredis-server " + Bytes.show(actual));
                    })));
        }
        for (String pool : List.of("alpha", "beta")) {
            for (int n : new int[] {4, 10, 1000}) {
                t.add(DynamicTest.dynamicTest("spread key set of " + n + " in " + pool + " covers every backend",
                        () -> assertEquals(diff.corpus().backends(pool),
                                diff.corpus().backendsCovered(pool, diff.corpus().spread(pool, n)))));
            }
        }
        t.add(DynamicTest.dynamicTest("the replica pool has keys on both servers",
                () -> assertEquals(2, diff.corpus().backends("ro"))));
        t.add(DynamicTest.dynamicTest("corpus has several hundred cases", () -> {
            if (diff.cases().size() < 300) {
                fail("only " + diff.cases().size() + " cases");
            }
        }));
        return t.stream();
    }
}
