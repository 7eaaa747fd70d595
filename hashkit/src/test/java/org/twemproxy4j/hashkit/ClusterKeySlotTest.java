package org.twemproxy4j.hashkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClusterKeySlotTest {
    private static int slot(String k) {
        byte[] b = k.getBytes(StandardCharsets.UTF_8);
        return ClusterKeySlot.slot(b, 0, b.length);
    }

    @Test
    void goldenValuesFromClusterKeyslot() {
        // values of CLUSTER KEYSLOT (the cluster specification's examples and redis-server 7.0)
        assertEquals(0x31C3, ClusterKeySlot.crc16("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9));
        assertEquals(12182, slot("foo"));
        assertEquals(5061, slot("bar"));
        assertEquals(15495, slot("a"));
        assertEquals(0, slot(""));
    }

    @Test
    void hashTagRules() {
        assertEquals(slot("user1000"), slot("{user1000}.following"));
        assertEquals(slot("user1000"), slot("foo{user1000}{bar}"));
        assertEquals(3443, slot("{user1000}.following"));
        assertEquals(8363, slot("foo{}{bar}")); // an empty first tag: the whole key
        assertEquals(4015, slot("{bar")); // no closing brace: the whole key
    }
}
