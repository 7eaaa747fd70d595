package org.twemproxy4j.core.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twemproxy4j.hashkit.DistType;
import org.twemproxy4j.hashkit.HashType;

/** Defaults, the mapping of every directive, ordering and node names (after airlift's config tests). */
class ConfTest {
    static Conf parse(String yaml) throws ConfException {
        return Conf.parse(yaml, "test.yml");
    }

    static ConfPool onlyPool(String yaml) throws ConfException {
        List<ConfPool> pools = parse(yaml).pools();
        assertEquals(1, pools.size());
        return pools.get(0);
    }

    @Test
    void defaults() throws ConfException {
        ConfPool p = onlyPool("alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:6379:1\n");
        assertEquals("alpha", p.name());
        assertEquals("127.0.0.1:22121", p.listen().pname());
        assertEquals("127.0.0.1", p.listen().host());
        assertEquals(22121, p.listen().port());
        assertEquals(0, p.listen().perm());
        assertFalse(p.listen().unix());
        assertEquals(HashType.FNV1A_64, p.hash());
        assertNull(p.hashTag());
        assertEquals(DistType.KETAMA, p.distribution());
        assertEquals(-1, p.timeout());
        assertEquals(512, p.backlog());
        assertEquals(0, p.clientConnections());
        assertFalse(p.redis());
        assertFalse(p.tcpkeepalive());
        assertNull(p.redisAuth());
        assertEquals(0, p.redisDb());
        assertFalse(p.preconnect());
        assertFalse(p.autoEjectHosts());
        assertEquals(1, p.serverConnections());
        assertEquals(30000, p.serverRetryTimeout());
        assertEquals(2, p.serverFailureLimit());
        assertEquals(1, p.servers().size());
        ConfServer s = p.servers().get(0);
        assertEquals("127.0.0.1:6379", s.name());
        assertEquals("127.0.0.1:6379:1", s.pname());
        assertEquals("127.0.0.1", s.host());
        assertEquals(6379, s.port());
        assertEquals(1, s.weight());
        assertFalse(s.unix());
        assertFalse(s.explicitName());
    }

    @Test
    void everyDirectiveIsMapped() throws ConfException {
        ConfPool p = onlyPool("beta:\n"
                + "  listen: 127.0.0.1:22122\n"
                + "  hash: murmur\n"
                + "  hash_tag: \"{}\"\n"
                + "  distribution: modula\n"
                + "  timeout: 400\n"
                + "  backlog: 1024\n"
                + "  client_connections: 100\n"
                + "  redis: true\n"
                + "  tcpkeepalive: true\n"
                + "  redis_auth: s3cret\n"
                + "  redis_db: 2\n"
                + "  preconnect: true\n"
                + "  auto_eject_hosts: true\n"
                + "  server_connections: 4\n"
                + "  server_retry_timeout: 2000\n"
                + "  server_failure_limit: 3\n"
                + "  servers:\n"
                + "    - 127.0.0.1:6379:1 first\n"
                + "    - 127.0.0.1:6380:2 second\n");
        assertEquals("beta", p.name());
        assertEquals(22122, p.listen().port());
        assertEquals(HashType.MURMUR, p.hash());
        assertEquals("{}", p.hashTag());
        assertEquals(DistType.MODULA, p.distribution());
        assertEquals(400, p.timeout());
        assertEquals(1024, p.backlog());
        assertEquals(100, p.clientConnections(), "kept as configured (nutcracker would zero it)");
        assertTrue(p.redis());
        assertTrue(p.tcpkeepalive());
        assertEquals("s3cret", p.redisAuth());
        assertEquals(2, p.redisDb());
        assertTrue(p.preconnect());
        assertTrue(p.autoEjectHosts());
        assertEquals(4, p.serverConnections());
        assertEquals(2000, p.serverRetryTimeout());
        assertEquals(3, p.serverFailureLimit());
        List<ConfServer> servers = p.servers();
        assertEquals(2, servers.size());
        assertEquals("first", servers.get(0).name());
        assertTrue(servers.get(0).explicitName());
        assertEquals("127.0.0.1:6379:1 first", servers.get(0).pname());
        assertEquals("second", servers.get(1).name());
        assertEquals(2, servers.get(1).weight());
    }

    @Test
    void everyHashAndDistributionName() throws ConfException {
        for (HashType h : HashType.values()) {
            assertEquals(h, onlyPool("a:\n  listen: 127.0.0.1:1\n  hash: " + h.confName()
                    + "\n  servers:\n    - 127.0.0.1:2:1\n").hash());
        }
        for (DistType d : DistType.values()) {
            assertEquals(d, onlyPool("a:\n  listen: 127.0.0.1:1\n  distribution: " + d.confName()
                    + "\n  servers:\n    - 127.0.0.1:2:1\n").distribution());
        }
    }

    @Test
    void poolsSortLengthFirstThenBytes() throws ConfException {
        Conf c = parse("zeta:\n  listen: 127.0.0.1:1\n  servers:\n    - h:1:1\n"
                + "alpha:\n  listen: 127.0.0.1:2\n  servers:\n    - h:1:1\n"
                + "beta:\n  listen: 127.0.0.1:3\n  servers:\n    - h:1:1\n"
                + "b:\n  listen: 127.0.0.1:4\n  servers:\n    - h:1:1\n");
        assertEquals(List.of("b", "beta", "zeta", "alpha"),
                c.pools().stream().map(ConfPool::name).collect(Collectors.toList()));
    }

    @Test
    void serversSortByNodeNameLengthFirst() throws ConfException {
        ConfPool p = onlyPool("a:\n  listen: 127.0.0.1:1\n  servers:\n"
                + "    - 127.0.0.1:7253:1\n    - 127.0.0.1:7250:1\n    - 127.0.0.1:7251:2\n"
                + "    - 10.0.0.1:6379:1 bbbb\n    - 10.0.0.1:6380:1 a\n    - 10.0.0.1:6381:1 ccc\n");
        assertEquals(List.of("a", "ccc", "bbbb", "127.0.0.1:7250", "127.0.0.1:7251", "127.0.0.1:7253"),
                p.servers().stream().map(ConfServer::name).collect(Collectors.toList()));
    }

    @Test
    void sortComparesUtf8BytesUnsigned() throws ConfException {
        // "é" is c3 a9 in UTF-8: two bytes, and after "zz" since 0xc3 > 'z' when compared unsigned
        ConfPool p = onlyPool("a:\n  listen: 127.0.0.1:1\n  servers:\n"
                + "    - h:1:1 \u00e9\n    - h:2:1 zz\n    - h:3:1 ab\n");
        assertEquals(List.of("ab", "zz", "\u00e9"),
                p.servers().stream().map(ConfServer::name).collect(Collectors.toList()));
    }

    @Test
    void nodeNames() throws ConfException {
        ConfPool p = onlyPool("a:\n  listen: 127.0.0.1:1\n  servers:\n"
                + "    - 10.0.0.1:11211:1\n"
                + "    - 10.0.0.2:011211:1\n"
                + "    - 10.0.0.3:06379:3\n"
                + "    - /tmp/redis.sock:2\n"
                + "    - /tmp/other.sock:1 sock\n"
                + "    - ::1:6379:1\n");
        List<String> names = p.servers().stream().map(ConfServer::name).collect(Collectors.toList());
        assertTrue(names.contains("10.0.0.1"), "port 11211: the host alone");
        assertTrue(names.contains("10.0.0.2"), "011211 is 11211 too");
        assertTrue(names.contains("10.0.0.3:06379"), "host:port as written, without the weight");
        assertTrue(names.contains("/tmp/redis.sock:"), "a unix path gets nutcracker's trailing colon");
        assertTrue(names.contains("sock"));
        assertTrue(names.contains("::1:6379"));
        ConfServer unix = p.servers().stream().filter(s -> s.name().equals("/tmp/redis.sock:")).findFirst()
                .orElseThrow();
        assertTrue(unix.unix());
        assertEquals("/tmp/redis.sock", unix.host());
        assertEquals(0, unix.port());
        assertEquals(2, unix.weight());
        ConfServer v6 = p.servers().stream().filter(s -> s.name().equals("::1:6379")).findFirst().orElseThrow();
        assertEquals("::1", v6.host());
        assertEquals(6379, v6.port());
    }

    @Test
    void listenForms() throws ConfException {
        ConfListen v6 = onlyPool("a:\n  listen: ::1:7212\n  servers:\n    - h:1:1\n").listen();
        assertEquals("::1", v6.host());
        assertEquals(7212, v6.port());
        ConfListen unix = onlyPool("a:\n  listen: /tmp/t4j.sock 0640\n  servers:\n    - h:1:1\n").listen();
        assertTrue(unix.unix());
        assertEquals("/tmp/t4j.sock", unix.host());
        assertEquals(0640, unix.perm());
        assertEquals(0, unix.port());
        assertEquals("/tmp/t4j.sock 0640", unix.pname());
        ConfListen noPerm = onlyPool("a:\n  listen: /tmp/t4j.sock\n  servers:\n    - h:1:1\n").listen();
        assertEquals(0, noPerm.perm());
        ConfListen notOctal = onlyPool("a:\n  listen: /tmp/t4j.sock 999\n  servers:\n    - h:1:1\n").listen();
        assertEquals(0, notOctal.perm(), "strtol(\"999\", 8) reads nothing");
    }

    @Test
    void nutcrackerIntegerQuirks() throws ConfException {
        ConfPool p = onlyPool("a:\n  listen: 127.0.0.1:022121\n  timeout: 4294967296\n  servers:\n"
                + "    - h:1:4294967297\n");
        assertEquals(22121, p.listen().port());
        assertEquals(0, p.timeout(), "int arithmetic wraps");
        assertEquals(1, p.servers().get(0).weight());
    }

    @Test
    void scalarStylesGiveTheSameValues() throws ConfException {
        ConfPool p = onlyPool("a:\n  'listen': \"127.0.0.1:22121\"\n  hash_tag: |-\n    {}\n"
                + "  redis: true\n  redis_auth: \"a\\/b\\tc\"\n  servers:\n  - '127.0.0.1:6379:1'\n");
        assertEquals(22121, p.listen().port());
        assertEquals("{}", p.hashTag());
        assertEquals("a/b\tc", p.redisAuth());
        assertEquals("127.0.0.1:6379", p.servers().get(0).name());
    }

    @Test
    void loadReadsUtf8Utf16AndByteOrderMarks(@TempDir Path dir) throws IOException, ConfException {
        String yaml = "alpha:\n  listen: 127.0.0.1:22121\n  hash_tag: \"\u00e9\"\n  servers:\n    - h:1:1\n";
        Path utf8 = dir.resolve("utf8.yml");
        Files.write(utf8, yaml.getBytes(StandardCharsets.UTF_8));
        assertEquals("\u00e9", Conf.load(utf8).pools().get(0).hashTag());
        Path bom = dir.resolve("bom.yml");
        Files.write(bom, ("\uFEFF" + yaml).getBytes(StandardCharsets.UTF_8));
        assertEquals("alpha", Conf.load(bom).pools().get(0).name());
        Path utf16 = dir.resolve("utf16.yml");
        Files.write(utf16, ("\uFEFF" + yaml).getBytes(StandardCharsets.UTF_16LE));
        assertEquals("\u00e9", Conf.load(utf16).pools().get(0).hashTag());
        assertEquals(utf16.toString(), Conf.load(utf16).fileName());
    }

    @Test
    void loadOfAMissingFileNamesIt(@TempDir Path dir) {
        Path missing = dir.resolve("missing.yml");
        ConfException e = assertThrows(ConfException.class, () -> Conf.load(missing));
        assertTrue(e.getMessage().startsWith(missing.toString() + ": "), e.getMessage());
    }

    @Test
    void messageNamesFileLinePoolDirectiveAndValue() {
        ConfException e = assertThrows(ConfException.class, () -> Conf.parse(
                "alpha:\n  listen: 127.0.0.1:22121\n  hash: fnv9\n  servers:\n    - h:1:1\n",
                "conf/nutcracker.yml"));
        assertEquals("conf/nutcracker.yml:3: pool 'alpha': directive \"hash: fnv9\" is not a valid hash",
                e.getMessage());
        assertEquals("conf/nutcracker.yml", e.file());
        assertEquals(3, e.line());
        assertEquals("alpha", e.pool());
        assertEquals("hash", e.key());
        assertEquals("fnv9", e.value());
        assertEquals("is not a valid hash", e.reason());
    }

    @Test
    void messageStaysOnOneLine() {
        ConfException e = assertThrows(ConfException.class, () -> parse(
                "alpha:\n  listen: |\n    127.0.0.1:22121\n  servers:\n    - h:1:1\n"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:22121\\n"), e.getMessage());
    }

    @Test
    void listsAreUnmodifiable() throws ConfException {
        Conf c = parse("alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - h:1:1\n");
        assertThrows(UnsupportedOperationException.class, () -> c.pools().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.pools().get(0).servers().clear());
    }
}
