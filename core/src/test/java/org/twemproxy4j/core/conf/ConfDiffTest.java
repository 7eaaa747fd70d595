package org.twemproxy4j.core.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a reload changes: pools compared by name, every key. */
class ConfDiffTest {
    private static final String A = "a:\n  listen: 127.0.0.1:7001\n  redis: true\n  servers:\n   - 127.0.0.1:6001:1\n";
    private static final String B = "b:\n  listen: 127.0.0.1:7002\n  servers:\n   - 127.0.0.1:11211:1\n";
    private static final String C = "c:\n  listen: 127.0.0.1:7003\n  servers:\n   - 127.0.0.1:11212:1\n";

    private static Conf conf(String yaml) throws ConfException {
        return Conf.parse(yaml, "t.yml");
    }

    @Test
    void poolsAreMatchedByName() throws Exception {
        ConfDiff d = ConfDiff.of(conf(A + B), conf(B + C));
        assertEquals(List.of("b"), d.unchanged());
        assertEquals(List.of("c"), d.added());
        assertEquals(List.of("a"), d.removed());
        assertEquals(List.of(), d.changed());
        assertFalse(d.empty());
        assertTrue(d.summary().contains("added [c], removed [a]"), d.summary());
    }

    @Test
    void theSameFileIsNoChange() throws Exception {
        ConfDiff d = ConfDiff.of(conf(A + B), conf(A + B));
        assertTrue(d.empty());
        assertEquals("nothing changed", d.summary());
        assertTrue(ConfDiff.of(conf(A + B), conf(B + A)).empty(), "pools are in nutcracker's order, not the file's");
    }

    @Test
    void everyKeyCountsAndTheKeysAreNamed() throws Exception {
        String changed = A.replace("7001", "7009").replace("  redis: true\n",
                "  redis: true\n  hash: md5\n  timeout: 400\n  server_connections: 2\n")
                .replace("6001:1", "6001:2");
        ConfDiff d = ConfDiff.of(conf(A), conf(changed));
        assertEquals(List.of("a"), d.changed());
        assertEquals(List.of("a"), d.moved());
        assertEquals(List.of("listen", "hash", "timeout", "server_connections", "servers"),
                ConfDiff.differingKeys(conf(A).pools().get(0), conf(changed).pools().get(0)));
        assertTrue(d.summary().contains("listeners moved [a]"), d.summary());
    }

    @Test
    void sentinelsAreAKeyOfThePool() throws Exception {
        String s1 = "s:\n  listen: 127.0.0.1:7004\n  redis: true\n  sentinels:\n   - 127.0.0.1:26379:1\n"
                + "  servers:\n   - 127.0.0.1:6001:1 m1\n";
        String s2 = s1.replace("26379:1\n", "26379:1\n   - 127.0.0.1:26380:1\n");
        assertTrue(ConfDiff.of(conf(s1), conf(s1)).empty());
        ConfDiff d = ConfDiff.of(conf(s1), conf(s2));
        assertEquals(List.of("s"), d.changed());
        assertEquals(List.of("sentinels"), ConfDiff.differingKeys(conf(s1).pools().get(0), conf(s2).pools().get(0)));
    }
}
