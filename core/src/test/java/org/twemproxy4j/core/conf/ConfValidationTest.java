package org.twemproxy4j.core.conf;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * One test per rule of nutcracker's setters and {@code conf_validate_pool} / {@code conf_validate_server} /
 * {@code conf_post_validate}. Each checks the refusal and the reason given; where the rule has an edge nutcracker
 * accepts, that edge is checked too.
 */
class ConfValidationTest {
    private static final String LISTEN = "  listen: 127.0.0.1:22121\n";
    private static final String SERVERS = "  servers:\n    - 127.0.0.1:6379:1\n";

    static ConfException refused(String yaml, String reasonFragment) {
        ConfException e = assertThrows(ConfException.class, () -> Conf.parse(yaml, "v.yml"));
        assertTrue(e.getMessage().startsWith("v.yml"), e.getMessage());
        assertTrue(e.getMessage().contains(reasonFragment), "want '" + reasonFragment + "' in: " + e.getMessage());
        return e;
    }

    static void accepted(String yaml) {
        assertDoesNotThrow(() -> Conf.parse(yaml, "v.yml"));
    }

    static String pool(String body) {
        return "alpha:\n" + body;
    }

    @Test
    void listenIsRequired() {
        ConfException e = refused(pool(SERVERS), "\"listen\" is missing");
        assertEquals("alpha", e.pool());
    }

    @Test
    void listenNeedsHostColonPort() {
        refused(pool("  listen: 127.0.0.1\n" + SERVERS), "invalid \"hostname:port\" format");
    }

    @Test
    void listenPortIsOneTo65535() {
        refused(pool("  listen: 127.0.0.1:0\n" + SERVERS), "invalid port");
        refused(pool("  listen: 127.0.0.1:65536\n" + SERVERS), "invalid port");
        refused(pool("  listen: 127.0.0.1:+1\n" + SERVERS), "invalid port");
        accepted(pool("  listen: 127.0.0.1:65535\n" + SERVERS));
    }

    @Test
    void listenHostMustResolve() {
        refused(pool("  listen: nosuchhost.invalid:22121\n" + SERVERS), "does not resolve");
        refused(pool("  listen: :22121\n" + SERVERS), "does not resolve");
        refused(pool("  listen: \"[::1]:22121\"\n" + SERVERS), "does not resolve");
        refused(pool("  listen: 1.2.3.09:22121\n" + SERVERS), "does not resolve");
        refused(pool("  listen: ::1%lo:22121\n" + SERVERS), "does not resolve");
        accepted(pool("  listen: localhost:22121\n" + SERVERS));
        accepted(pool("  listen: ::1:22121\n" + SERVERS));
        accepted(pool("  listen: 0x7f.1:22121\n" + SERVERS));
        accepted(pool("  listen: \"*:22121\"\n" + SERVERS));
    }

    @Test
    void unixListenPermissionIsOctalUpTo0777() {
        refused(pool("  listen: /tmp/t4j.sock -1\n" + SERVERS), "invalid file permission");
        refused(pool("  listen: /tmp/t4j.sock 1000\n" + SERVERS), "invalid file permission");
        refused(pool("  listen: /tmp/t4j.sock 7777777777777777777777\n" + SERVERS), "invalid file permission");
        accepted(pool("  listen: /tmp/t4j.sock 0777\n" + SERVERS));
        accepted(pool("  listen: /tmp/t4j.sock 999\n" + SERVERS));
    }

    @Test
    void unixListenPathFitsSunPath() {
        refused(pool("  listen: /" + "p".repeat(107) + "\n" + SERVERS), "unix socket path longer");
        accepted(pool("  listen: /" + "p".repeat(106) + "\n" + SERVERS));
    }

    @Test
    void hashMustBeKnown() {
        refused(pool(LISTEN + "  hash: fnv9\n" + SERVERS), "is not a valid hash");
        refused(pool(LISTEN + "  hash: MD5\n" + SERVERS), "is not a valid hash");
    }

    @Test
    void distributionMustBeKnown() {
        refused(pool(LISTEN + "  distribution: consistent\n" + SERVERS), "is not a valid distribution");
    }

    @Test
    void hashTagIsTwoBytes() {
        refused(pool(LISTEN + "  hash_tag: \"{\"\n" + SERVERS), "two characters");
        refused(pool(LISTEN + "  hash_tag: \"{}x\"\n" + SERVERS), "two characters");
        refused(pool(LISTEN + "  hash_tag: \"\u20ac\"\n" + SERVERS), "two characters");
        accepted(pool(LISTEN + "  hash_tag: \"\u00e9\"\n" + SERVERS));
    }

    @Test
    void numbersAreNonNegativeDecimals() {
        refused(pool(LISTEN + "  timeout: 10ms\n" + SERVERS), "is not a number");
        refused(pool(LISTEN + "  timeout: -5\n" + SERVERS), "is not a number");
        refused(pool(LISTEN + "  backlog: 1.5\n" + SERVERS), "is not a number");
        refused(pool(LISTEN + "  server_failure_limit: 2147483648\n" + SERVERS), "is not a number");
        refused(pool(LISTEN + "  redis_db: \" 1\"\n" + SERVERS), "is not a number");
    }

    @Test
    void booleansAreLowercaseTrueOrFalse() {
        refused(pool(LISTEN + "  redis: yes\n" + SERVERS), "is not \"true\" or \"false\"");
        refused(pool(LISTEN + "  redis: True\n" + SERVERS), "is not \"true\" or \"false\"");
        refused(pool(LISTEN + "  preconnect: 1\n" + SERVERS), "is not \"true\" or \"false\"");
    }

    @Test
    void redisAuthOnlyForRedisPools() {
        ConfException e = refused(pool(LISTEN + "  redis_auth: pw\n" + SERVERS), "only valid for a redis pool");
        assertEquals("redis_auth", e.key());
        refused(pool(LISTEN + "  redis: false\n  redis_auth: pw\n" + SERVERS), "only valid for a redis pool");
        accepted(pool(LISTEN + "  redis_auth: pw\n  redis: true\n" + SERVERS));
    }

    @Test
    void serverConnectionsCannotBeZero() {
        refused(pool(LISTEN + "  server_connections: 0\n" + SERVERS), "cannot be 0");
    }

    @Test
    void everyDirectiveAtMostOnce() {
        refused(pool(LISTEN + LISTEN + SERVERS), "\"listen: 127.0.0.1:22121\" is a duplicate");
        refused(pool(LISTEN + "  hash: md5\n  hash: md5\n" + SERVERS), "is a duplicate");
        refused(pool(LISTEN + "  hash_tag: \"{}\"\n  hash_tag: \"{}\"\n" + SERVERS), "is a duplicate");
        refused(pool(LISTEN + "  timeout: 1\n  timeout: 1\n" + SERVERS), "is a duplicate");
        refused(pool(LISTEN + "  redis: true\n  redis: true\n" + SERVERS), "is a duplicate");
        refused(pool(LISTEN + "  redis: true\n  redis_auth: a\n  redis_auth: a\n" + SERVERS), "is a duplicate");
    }

    @Test
    void unknownDirectives() {
        refused(pool(LISTEN + "  reuse_port: true\n" + SERVERS), "\"reuse_port: true\" is unknown");
        refused(pool(LISTEN + "  Listen: 127.0.0.1:1\n" + SERVERS), "is unknown");
        refused(pool(LISTEN + "  sentinel: 127.0.0.1:26379:1\n" + SERVERS), "is unknown");
    }

    @Test
    void reuseportIsTwemproxyMastersKey() throws ConfException {
        assertFalse(org.twemproxy4j.core.conf.Conf.parse(pool(LISTEN + SERVERS), "t.yml").pools().get(0).reuseport());
        assertTrue(org.twemproxy4j.core.conf.Conf.parse(pool(LISTEN + "  reuseport: true\n" + SERVERS), "t.yml")
                .pools().get(0).reuseport());
        refused(pool(LISTEN + "  reuseport: maybe\n" + SERVERS), "reuseport");
    }

    @Test
    void emptyScalarsAreRefused() {
        refused(pool(LISTEN + "  hash:\n" + SERVERS), "\"hash\" has no value");
        refused(pool(LISTEN + "  redis: true\n  redis_auth: \"\"\n" + SERVERS), "has no value");
        refused("\"\":\n" + LISTEN + SERVERS, "pool name cannot be empty");
        refused(pool(LISTEN + SERVERS + "    -\n"), "has an empty entry");
    }

    @Test
    void poolNeedsServers() {
        refused(pool(LISTEN), "has no sequence");
        refused(pool(LISTEN + "  servers: 127.0.0.1:6379:1\n"), "has no sequence");
        // the quirk: any directive may be the one sequence, and servers: may then be a scalar
        accepted(pool(LISTEN + "  servers: 127.0.0.1:6379:1\n  hash:\n    - md5\n"));
        // the one sequence is another directive's, and there is no server at all
        refused(pool(LISTEN + "  hash:\n    - md5\n"), "has no servers");
    }

    @Test
    void serverEntryGrammar() {
        refused(pool(LISTEN + "  servers:\n    - localhost\n"), "invalid \"hostname:port:weight [name]\"");
        refused(pool(LISTEN + "  servers:\n    - 127.0.0.1:6379\n"), "invalid \"hostname:port:weight [name]\"");
        refused(pool(LISTEN + "  servers:\n    - /tmp/r.sock:6379:1\n"), "invalid \"hostname:port:weight [name]\"");
        refused(pool(LISTEN + "  servers:\n    - 127.0.0.1:6379:1 my server\n"), "invalid weight");
        accepted(pool(LISTEN + "  servers:\n    - :6379:1\n"));
        accepted(pool(LISTEN + "  servers:\n    - /tmp/r.sock:1\n"));
    }

    @Test
    void serverWeightIsPositive() {
        refused(pool(LISTEN + "  servers:\n    - 127.0.0.1:6379:0\n"), "has a zero weight");
        refused(pool(LISTEN + "  servers:\n    - 127.0.0.1:6379:-1\n"), "invalid weight");
        refused(pool(LISTEN + "  servers:\n    - 127.0.0.1:6379:1x\n"), "invalid weight");
        refused(pool(LISTEN + "  servers:\n    - \"127.0.0.1:6379:\"\n"), "invalid weight");
    }

    @Test
    void serverPortIsOneTo65535() {
        refused(pool(LISTEN + "  servers:\n    - 127.0.0.1:0:1\n"), "invalid port");
        refused(pool(LISTEN + "  servers:\n    - 127.0.0.1:65536:1\n"), "invalid port");
    }

    @Test
    void serverNodeNamesAreUnique() {
        refused(pool(LISTEN + "  servers:\n    - 127.0.0.1:7250:1\n    - 127.0.0.1:7250:2\n"), "same name");
        refused(pool(LISTEN + "  servers:\n    - 10.0.0.1:11211:1\n    - 10.0.0.1:11211:2\n"), "same name");
        refused(pool(LISTEN + "  servers:\n    - h:1:1 n\n    - h:2:1 n\n"), "same name 'n'");
        refused(pool(LISTEN + "  servers:\n    - 10.0.0.1:11211:1\n    - 10.0.0.2:1:1 10.0.0.1\n"), "same name");
        accepted(pool(LISTEN + "  servers:\n    - 127.0.0.1:6379:1 a\n    - 127.0.0.1:6379:1 b\n"));
    }

    @Test
    void listenStringsAreUniqueAcrossPools() {
        String beta = "beta:\n" + LISTEN + SERVERS;
        ConfException e = refused(pool(LISTEN + SERVERS) + beta, "same listen address as pool 'alpha'");
        assertEquals("beta", e.pool());
        // compared as written, not as resolved
        accepted(pool(LISTEN + SERVERS) + "beta:\n  listen: localhost:22121\n" + SERVERS);
    }

    @Test
    void poolNamesAreUnique() {
        ConfException e = refused(pool(LISTEN + SERVERS) + pool("  listen: 127.0.0.1:22122\n" + SERVERS),
                "defined twice");
        assertEquals(5, e.line(), "the second definition");
    }

    // sentinels: (twemproxy4j's key, twemproxy's notes/redis.md design)

    private static final String NAMED = "  servers:\n    - 127.0.0.1:6379:1 shard-a\n    - 127.0.0.1:6380:1 shard-b\n";
    private static final String SENTINELS = "  sentinels:\n    - 127.0.0.1:26379:1\n    - 127.0.0.1:26380\n";

    @Test
    void sentinelsAreAListOfHostPortWeightOrHostPort() throws ConfException {
        Conf c = Conf.parse(pool(LISTEN + "  redis: true\n" + SENTINELS + NAMED), "v.yml");
        ConfPool p = c.pools().get(0);
        assertEquals(2, p.sentinels().size());
        assertEquals("127.0.0.1", p.sentinels().get(0).host());
        assertEquals(26379, p.sentinels().get(0).port());
        assertEquals("127.0.0.1:26380", p.sentinels().get(1).pname());
        assertEquals(26380, p.sentinels().get(1).port());
        // after the servers too
        accepted(pool(LISTEN + "  redis: true\n" + NAMED + SENTINELS));
        // a pool without sentinels has none
        assertTrue(Conf.parse(pool(LISTEN + SERVERS), "v.yml").pools().get(0).sentinels().isEmpty());
    }

    @Test
    void sentinelsOnlyOnRedisPools() {
        ConfException e = refused(pool(LISTEN + SENTINELS + NAMED),
                "\"sentinels\" is only valid for a redis pool (redis: true)");
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
        refused(pool(LISTEN + "  redis: false\n" + SENTINELS + NAMED), "is only valid for a redis pool");
    }

    @Test
    void withSentinelsEveryServerNeedsAName() {
        refused(pool(LISTEN + "  redis: true\n" + SENTINELS
                + "  servers:\n    - 127.0.0.1:6379:1 shard-a\n    - 127.0.0.1:6380:1\n"),
                "\"servers: 127.0.0.1:6380:1\" has no name: with sentinels every server needs a name, its sentinel "
                        + "master name");
        refused(pool(LISTEN + "  redis: true\n" + SENTINELS + "  servers:\n    - /tmp/r.sock:1 shard-a\n"),
                "is a unix socket");
    }

    @Test
    void badSentinelEntries() {
        String head = LISTEN + "  redis: true\n  sentinels:\n    - ";
        refused(pool(head + "127.0.0.1\n" + NAMED), "invalid \"hostname:port:weight\" or \"hostname:port\" format");
        refused(pool(head + "127.0.0.1:0:1\n" + NAMED), "invalid port");
        refused(pool(head + "127.0.0.1:65536\n" + NAMED), "invalid port");
        refused(pool(head + "127.0.0.1:26379:x\n" + NAMED), "invalid weight");
        refused(pool(head + "127.0.0.1:26379:1:2\n" + NAMED), "format string");
        refused(pool(head + "127.0.0.1:26379\n    - 127.0.0.1:26379:1\n" + NAMED), "is a duplicate sentinel");
        refused(pool(LISTEN + "  redis: true\n" + SENTINELS + SENTINELS + NAMED), "\"sentinels\" is a duplicate");
        // a third list is still refused as nutcracker refuses a second one
        refused(pool(LISTEN + "  redis: true\n" + SENTINELS + NAMED + "  other:\n    - x\n"),
                "is a second sequence");
    }
}
