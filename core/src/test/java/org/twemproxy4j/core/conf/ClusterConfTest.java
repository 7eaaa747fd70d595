package org.twemproxy4j.core.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.twemproxy4j.core.conf.ConfValidationTest.pool;
import static org.twemproxy4j.core.conf.ConfValidationTest.refused;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code redis_cluster: true}: accepted on a redis pool, and every setting the cluster fixes is refused. */
class ClusterConfTest {
    private static final String HEAD = "  listen: 127.0.0.1:22121\n  redis: true\n  redis_cluster: true\n";
    private static final String SEEDS = "  servers:\n    - 127.0.0.1:7000:1\n    - 127.0.0.1:7001:1\n";

    @Test
    void aRedisPoolTakesTheKey() throws ConfException {
        ConfPool p = Conf.parse(pool(HEAD + SEEDS), "v.yml").pools().get(0);
        assertTrue(p.redisCluster());
        assertEquals(2, p.servers().size());
        ConfPool plain = Conf.parse(pool("  listen: 127.0.0.1:22121\n  redis: true\n" + SEEDS), "v.yml").pools()
                .get(0);
        assertFalse(plain.redisCluster());
        assertFalse(Conf.parse(pool(HEAD.replace("redis_cluster: true", "redis_cluster: false") + SEEDS), "v.yml")
                .pools().get(0).redisCluster());
    }

    @Test
    void onlyForRedisPools() {
        ConfException e = refused(pool("  listen: 127.0.0.1:22121\n  redis_cluster: true\n" + SEEDS),
                "is only valid for a redis pool (redis: true)");
        assertEquals("redis_cluster", e.key());
    }

    @Test
    void placementSettingsAreFixedByTheCluster() {
        for (String kv : List.of("hash: crc16", "hash: fnv1a_64", "distribution: modula", "hash_tag: \"{}\"")) {
            ConfException e = refused(pool(HEAD + "  " + kv + "\n" + SEEDS),
                    "cannot be set with redis_cluster: true (keys go by the cluster's slot map: CRC16 of the {...} "
                            + "hash tag, 16384 slots)");
            assertEquals(kv.substring(0, kv.indexOf(':')), e.key());
        }
    }

    @Test
    void databaseAndEjectionAreRefused() {
        assertEquals("redis_db", refused(pool(HEAD + "  redis_db: 2\n" + SEEDS), "has only database 0").key());
        assertEquals("auto_eject_hosts",
                refused(pool(HEAD + "  auto_eject_hosts: true\n" + SEEDS), "the proxy follows its slot map").key());
    }

    @Test
    void duplicateAndBadValues() {
        refused(pool(HEAD + "  redis_cluster: true\n" + SEEDS), "is a duplicate");
        refused(pool("  listen: 127.0.0.1:22121\n  redis: true\n  redis_cluster: yes\n" + SEEDS),
                "is not \"true\" or \"false\"");
    }

    @Test
    void seedsAreResolvedOnceWithTheConfiguration() throws ConfException {
        // sorted by name: 127.0.0.1:7001, then localhost:7000
        ConfPool p = Conf.parse(pool(HEAD + "  servers:\n    - localhost:7000:1\n    - 127.0.0.1:7001:1\n"), "v.yml")
                .pools().get(0);
        assertEquals("127.0.0.1:7001", p.servers().get(0).name());
        assertEquals("127.0.0.1", p.clusterSeedAddress(0));
        assertEquals("localhost:7000", p.servers().get(1).name());
        assertEquals("127.0.0.1", p.clusterSeedAddress(1), "localhost, as /etc/hosts says");
        ConfPool plain = Conf.parse(pool("  listen: 127.0.0.1:22121\n  redis: true\n" + SEEDS), "v.yml").pools()
                .get(0);
        assertNull(plain.clusterSeedAddress(0), "other pools resolve nothing here");
    }

    @Test
    void aChangeOfTheKeyIsAChangeOfThePool() throws ConfException {
        ConfPool a = Conf.parse(pool(HEAD + SEEDS), "v.yml").pools().get(0);
        ConfPool b = Conf.parse(pool("  listen: 127.0.0.1:22121\n  redis: true\n" + SEEDS), "v.yml").pools().get(0);
        assertEquals(List.of("redis_cluster"), ConfDiff.differingKeys(a, b));
    }
}
