package org.twemproxy4j.proto.redis.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twemproxy4j.core.proto.ClusterTopology;

class ClusterRepliesTest {
    private static final class Sink implements ClusterTopology {
        final List<String> got = new ArrayList<>();

        @Override
        public void range(int from, int to, String host, int port) {
            got.add(from + "-" + to + " " + host + ":" + port);
        }

        @Override
        public void target(int slot, String host, int port) {
            got.add(slot + " " + host + ":" + port);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void clusterSlotsReplyOfRedis7() {
        // two ranges, each master then a replica (host, port, id, and the hostname map of redis 7)
        String reply = "*2\r\n"
                + "*4\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:7000\r\n$4\r\nid-a\r\n*0\r\n"
                + "*4\r\n$9\r\n127.0.0.1\r\n:7003\r\n$4\r\nid-d\r\n*0\r\n"
                + "*3\r\n:5461\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$4\r\nid-b\r\n";
        Sink s = new Sink();
        assertTrue(ClusterReplies.clusterSlots(b(reply), s));
        assertEquals(List.of("0-5460 127.0.0.1:7000", "5461-16383 127.0.0.1:7001"), s.got);
    }

    @Test
    void unknownEndpointsAreEmptyHosts() {
        // "?" (hostnames preferred, none announced yet) stays as it is; NULL (an unknown endpoint) becomes ""
        String reply = "*2\r\n"
                + "*3\r\n:0\r\n:99\r\n*3\r\n$1\r\n?\r\n:7000\r\n$4\r\nid-a\r\n"
                + "*3\r\n:100\r\n:16383\r\n*3\r\n$-1\r\n:7001\r\n$4\r\nid-b\r\n";
        Sink s = new Sink();
        assertTrue(ClusterReplies.clusterSlots(b(reply), s));
        assertEquals(List.of("0-99 ?:7000", "100-16383 :7001"), s.got);
        Sink t = new Sink();
        assertTrue(ClusterReplies.redirectTarget(b("-MOVED 5 :7002\r\n"), t));
        assertTrue(ClusterReplies.redirectTarget(b("-ASK 6 ?:7003\r\n"), t));
        assertEquals(List.of("5 :7002", "6 ?:7003"), t.got);
    }

    @Test
    void notASlotMap() {
        assertFalse(ClusterReplies.clusterSlots(b("-ERR This instance has cluster support disabled\r\n"), new Sink()));
        assertFalse(ClusterReplies.clusterSlots(b("*1\r\n*3\r\n:0\r\n"), new Sink())); // truncated
        assertFalse(ClusterReplies.clusterSlots(b("*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n"), new Sink()));
    }

    @Test
    void redirectionTargets() {
        Sink s = new Sink();
        assertTrue(ClusterReplies.redirectTarget(b("-MOVED 3999 127.0.0.1:6381\r\n"), s));
        assertTrue(ClusterReplies.redirectTarget(b("-ASK 12 [::1]:7000\r\n"), s));
        assertEquals(List.of("3999 127.0.0.1:6381", "12 ::1:7000"), s.got);
        assertFalse(ClusterReplies.redirectTarget(b("-MOVED x 127.0.0.1:1\r\n"), s));
        assertFalse(ClusterReplies.redirectTarget(b("-MOVED 1\r\n"), s));
    }
}
