package org.twemproxy4j.proto.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RedisInfoTest {
    @Test
    void integersAreSummedAndTextKeepsTheFirstServers() {
        assertEquals("15", RedisInfo.combine("keyspace_hits", "10", "5"));
        assertEquals("-3", RedisInfo.combine("x", "-1", "-2"));
        assertEquals("jemalloc-5.3.0", RedisInfo.combine("mem_allocator", "jemalloc-5.3.0", "libc"));
        assertEquals("1.50", RedisInfo.combine("instantaneous_input_kbps", "1.50", "2.00"));
    }

    @Test
    void keyspaceSumsKeysAndExpiresAndWeighsTheAverageTtl() {
        // 10 keys with a TTL averaging 1000 ms, and 30 averaging 2000 ms: 70,000 / 40 = 1750
        String a = "keys=100,expires=10,avg_ttl=1000";
        String b = "keys=50,expires=30,avg_ttl=2000";
        String sum = RedisInfo.combine("db0", a, b);
        String three = RedisInfo.combine("db0", sum, "keys=1,expires=0,avg_ttl=0");
        assertEquals("keys=150,expires=40,avg_ttl=1750", RedisInfo.keyspaceOut(sum));
        assertEquals("keys=151,expires=40,avg_ttl=1750", RedisInfo.keyspaceOut(three));
        assertEquals(a, RedisInfo.keyspaceOut(a), "one server's line is kept as it is");
    }
}
