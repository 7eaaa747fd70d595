package org.twemproxy4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How a cluster pool tells a node's address from a host name, and how it writes an address. */
class ClusterPoolNamesTest {
    @Test
    void addressesAreNotLookedUp() {
        assertTrue(ClusterPool.isAddress("127.0.0.1"));
        assertTrue(ClusterPool.isAddress("10.20.30.255"));
        assertTrue(ClusterPool.isAddress("::1"));
        assertTrue(ClusterPool.isAddress("fe80::1%eth0"));
    }

    @Test
    void namesAreLookedUp() {
        assertFalse(ClusterPool.isAddress("localhost"));
        assertFalse(ClusterPool.isAddress("redis-0.redis.default.svc.cluster.local"));
        assertFalse(ClusterPool.isAddress("1.2.3"));        // glibc reads it as an address; redis never writes it
        assertFalse(ClusterPool.isAddress("1.2.3.4.5"));
        assertFalse(ClusterPool.isAddress("1.2.3.4444"));
        assertFalse(ClusterPool.isAddress("1..2.3"));
        assertFalse(ClusterPool.isAddress("node1.example"));
        assertFalse(ClusterPool.isAddress("?"));
    }

    @Test
    void ipv6LiteralsAreWrittenOneWay() {
        assertEquals("0:0:0:0:0:0:0:1", ClusterPool.literal("::1"));
        assertEquals("127.0.0.1", ClusterPool.literal("127.0.0.1"));
        assertEquals("localhost", ClusterPool.literal("localhost"));
    }
}
