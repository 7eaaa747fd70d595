package org.twemproxy4j.core.conf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.twemproxy4j.hashkit.DistType;
import org.twemproxy4j.hashkit.HashType;

/**
 * A pool while its directives are being read: {@code struct conf_pool} with its unset sentinels
 * ({@code CONF_UNSET_NUM} and friends), the {@code conf_set_*()} setters and {@code conf_add_server()}, then
 * {@code conf_validate_pool()} / {@code conf_validate_server()} to fill in defaults and freeze it.
 *
 * <p>Each setter returns null when the value is taken, or the reason it is refused (the C setters' string).
 * Not thread-safe.
 */
final class ConfPoolDraft {
    static final int CONF_UNSET_NUM = -1;

    /** One {@code servers:} entry with its node name as bytes (the sort and duplicate key). */
    static final class ServerDraft {
        final byte[] name; // node name
        final ConfServer server;
        final int line; // where it was written

        ServerDraft(byte[] name, ConfServer server, int line) {
            this.name = name;
            this.server = server;
            this.line = line;
        }
    }

    final byte[] name; // pool name
    final String nameText; // pool name, for messages
    final int line; // where the pool name was written

    ConfListen listen; // null = unset
    byte[] listenPname; // listen: as written, compared for duplicates
    int listenLine;
    HashType hash;
    String hashTag;
    DistType distribution;
    int timeout = CONF_UNSET_NUM;
    int backlog = CONF_UNSET_NUM;
    int clientConnections = CONF_UNSET_NUM;
    int redis = CONF_UNSET_NUM;
    int tcpkeepalive = CONF_UNSET_NUM;
    int reuseport = CONF_UNSET_NUM;
    byte[] redisAuth; // null = unset
    int redisAuthLine;
    int redisDb = CONF_UNSET_NUM;
    int preconnect = CONF_UNSET_NUM;
    int autoEjectHosts = CONF_UNSET_NUM;
    int serverConnections = CONF_UNSET_NUM;
    int serverConnectionsLine;
    int sessionConnections = CONF_UNSET_NUM; // session_connections: dedicated server connections (sessions)
    int serverRetryTimeout = CONF_UNSET_NUM;
    int serverFailureLimit = CONF_UNSET_NUM;
    int redisCluster = CONF_UNSET_NUM;
    int redisClusterLine;
    final List<ServerDraft> servers = new ArrayList<>();
    final List<ConfSentinel> sentinels = new ArrayList<>(); // sentinels: (twemproxy4j)
    int sentinelsLine;

    /** {@code conf_pool_init()}. */
    ConfPoolDraft(byte[] name, int line) {
        this.name = name;
        this.nameText = ConfStrings.string(name, 0, name.length);
        this.line = line;
    }

    /**
     * The {@code conf_commands} table: applies {@code key: value}. Returns null when taken, else the reason; an
     * unknown key returns {@code "is unknown"}.
     */
    String set(String key, byte[] value, int valueLine) {
        switch (key) {
            case "listen":
                return setListen(value, valueLine);
            case "hash":
                return setHash(value);
            case "hash_tag":
                return setHashTag(value);
            case "distribution":
                return setDistribution(value);
            case "timeout":
                return setNum(value, n -> timeout = n, timeout);
            case "backlog":
                return setNum(value, n -> backlog = n, backlog);
            case "client_connections":
                return setNum(value, n -> clientConnections = n, clientConnections);
            case "redis":
                return setBool(value, b -> redis = b, redis);
            case "tcpkeepalive":
                return setBool(value, b -> tcpkeepalive = b, tcpkeepalive);
            case "reuseport":
                return setBool(value, b -> reuseport = b, reuseport);
            case "redis_auth":
                if (redisAuth != null) {
                    return "is a duplicate";
                }
                redisAuth = value;
                redisAuthLine = valueLine;
                return null;
            case "redis_db":
                return setNum(value, n -> redisDb = n, redisDb);
            case "preconnect":
                return setBool(value, b -> preconnect = b, preconnect);
            case "auto_eject_hosts":
                return setBool(value, b -> autoEjectHosts = b, autoEjectHosts);
            case "server_connections":
                serverConnectionsLine = valueLine;
                return setNum(value, n -> serverConnections = n, serverConnections);
            case "session_connections":
                return setNum(value, n -> sessionConnections = n, sessionConnections);
            case "server_retry_timeout":
                return setNum(value, n -> serverRetryTimeout = n, serverRetryTimeout);
            case "server_failure_limit":
                return setNum(value, n -> serverFailureLimit = n, serverFailureLimit);
            case "redis_cluster":
                redisClusterLine = valueLine;
                return setBool(value, b -> redisCluster = b, redisCluster);
            case "servers":
                return addServer(value, valueLine);
            case "sentinels":
                return addSentinel(value, valueLine);
            default:
                return "is unknown";
        }
    }

    private interface IntSink {
        void accept(int n);
    }

    /** {@code conf_set_num()}: a non-negative decimal integer. */
    private static String setNum(byte[] value, IntSink sink, int current) {
        if (current != CONF_UNSET_NUM) {
            return "is a duplicate";
        }
        int num = ConfStrings.ncAtoi(value, 0, value.length);
        if (num < 0) {
            return "is not a number";
        }
        sink.accept(num);
        return null;
    }

    /** {@code conf_set_bool()}: exactly {@code true} or {@code false}. */
    private static String setBool(byte[] value, IntSink sink, int current) {
        if (current != CONF_UNSET_NUM) {
            return "is a duplicate";
        }
        String v = ConfStrings.string(value, 0, value.length);
        if (v.equals("true")) {
            sink.accept(1);
        } else if (v.equals("false")) {
            sink.accept(0);
        } else {
            return "is not \"true\" or \"false\"";
        }
        return null;
    }

    /** {@code conf_set_hash()}. */
    private String setHash(byte[] value) {
        if (hash != null) {
            return "is a duplicate";
        }
        HashType h = HashType.fromConfName(ConfStrings.string(value, 0, value.length));
        if (h == null) {
            return "is not a valid hash";
        }
        hash = h;
        return null;
    }

    /** {@code conf_set_distribution()}. */
    private String setDistribution(byte[] value) {
        if (distribution != null) {
            return "is a duplicate";
        }
        DistType d = DistType.fromConfName(ConfStrings.string(value, 0, value.length));
        if (d == null) {
            return "is not a valid distribution";
        }
        distribution = d;
        return null;
    }

    /** {@code conf_set_hashtag()}: exactly two bytes. */
    private String setHashTag(byte[] value) {
        if (hashTag != null) {
            return "is a duplicate";
        }
        if (value.length != 2) {
            return "is not a valid hash tag string with two characters";
        }
        hashTag = ConfStrings.string(value, 0, value.length);
        return null;
    }

    /**
     * {@code conf_set_listen()}: {@code host:port} split at the last ':', or {@code /path [perm]} split at the
     * last space with the permission read by {@code strtol(.., 8)}; then the address must resolve.
     */
    private String setListen(byte[] value, int valueLine) {
        if (listen != null) {
            return "is a duplicate";
        }
        String pname = ConfStrings.string(value, 0, value.length);
        int last = value.length - 1;
        byte[] host;
        int port = 0;
        int perm = 0;
        boolean unix = value[0] == '/';
        if (unix) {
            int q = ConfStrings.lastIndexOf(value, 0, last, (byte) ' ');
            if (q < 0) {
                host = value;
            } else {
                host = Arrays.copyOfRange(value, 0, q);
                Integer p = ConfStrings.strtolOctal(value, q + 1, value.length - q - 1);
                if (p == null || Integer.compareUnsigned(p, 0777) > 0) {
                    return "has an invalid file permission in \"socket_path permission\" format string";
                }
                perm = p;
            }
            if (!ConfResolver.resolvableUnix(host)) {
                return "has a unix socket path longer than " + (ConfResolver.NC_UNIX_ADDRSTRLEN - 1) + " bytes";
            }
        } else {
            int q = ConfStrings.lastIndexOf(value, 0, last, (byte) ':');
            if (q < 0) {
                return "has an invalid \"hostname:port\" format string";
            }
            port = ConfStrings.ncAtoi(value, q + 1, last - q);
            if (port < 0 || !ConfStrings.validPort(port)) {
                return "has an invalid port in \"hostname:port\" format string";
            }
            host = Arrays.copyOfRange(value, 0, q);
            if (!ConfResolver.resolvableInet(host)) {
                return "has a host that does not resolve";
            }
        }
        listen = new ConfListen(pname, ConfStrings.string(host, 0, host.length), port, perm, unix);
        listenPname = value;
        listenLine = valueLine;
        return null;
    }

    /**
     * {@code conf_add_server()}: {@code host:port:weight [name]} or {@code /unix/path:weight [name]}, taken apart
     * from the end: the name after the last space, then the weight and the port after the last colons.
     */
    private String addServer(byte[] v, int valueLine) {
        final byte[] delim = {' ', ':', ':', 0};
        int start = 0;
        int p = v.length - 1;
        int nameOff = -1;
        int nameLen = 0;
        int weightOff = 0;
        int weightLen = 0;
        int portOff = 0;
        int portLen = 0;
        boolean unix = v[0] == '/';
        int delimlen = unix ? 2 : 3;
        int k;
        for (k = 0; k < delim.length; k++) {
            int q = ConfStrings.lastIndexOf(v, start, p, delim[k]);
            if (q < 0) {
                if (k == 0) {
                    continue; // the name is optional
                }
                break;
            }
            if (k == 0) {
                nameOff = q + 1;
                nameLen = p - nameOff + 1;
            } else if (k == 1) {
                weightOff = q + 1;
                weightLen = p - weightOff + 1;
            } else if (k == 2) {
                portOff = q + 1;
                portLen = p - portOff + 1;
            } else {
                k = delim.length; // a NUL inside the entry: nutcracker runs off its delimiter table
                break;
            }
            p = q - 1;
        }
        if (k != delimlen) {
            return "has an invalid \"hostname:port:weight [name]\" or \"/path/unix_socket:weight [name]\" "
                    + "format string";
        }
        int addrLen = p - start + 1;
        int weight = ConfStrings.ncAtoi(v, weightOff, weightLen);
        if (weight < 0) {
            return "has an invalid weight in \"hostname:port:weight [name]\" format string";
        } else if (weight == 0) {
            return "has a zero weight in \"hostname:port:weight [name]\" format string";
        }
        int port = 0;
        if (!unix) {
            port = ConfStrings.ncAtoi(v, portOff, portLen);
            if (port < 0 || !ConfStrings.validPort(port)) {
                return "has an invalid port in \"hostname:port:weight [name]\" format string";
            }
        }
        byte[] nodeName;
        boolean explicit = nameOff >= 0;
        if (explicit) {
            nodeName = Arrays.copyOfRange(v, nameOff, nameOff + nameLen);
        } else if (port == ConfPool.CONF_DEFAULT_KETAMA_PORT) {
            nodeName = Arrays.copyOfRange(v, start, start + addrLen); // libmemcached compatibility
        } else {
            nodeName = Arrays.copyOfRange(v, start, start + addrLen + 1 + portLen);
        }
        ConfServer cs = new ConfServer(ConfStrings.string(v, 0, v.length),
                ConfStrings.string(nodeName, 0, nodeName.length), ConfStrings.string(v, start, addrLen), port,
                weight, unix, explicit);
        servers.add(new ServerDraft(nodeName, cs, valueLine));
        return null;
    }

    /**
     * One {@code sentinels:} entry (twemproxy4j): {@code host:port:weight} as twemproxy's notes/redis.md writes
     * it (the weight is read and unused), or {@code host:port}.
     */
    private String addSentinel(byte[] v, int valueLine) {
        String e = ConfStrings.string(v, 0, v.length);
        String[] parts = e.split(":", -1);
        if (parts.length != 2 && parts.length != 3 || parts[0].isEmpty()) {
            return "has an invalid \"hostname:port:weight\" or \"hostname:port\" format string";
        }
        byte[] pb = parts[1].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        int port = ConfStrings.ncAtoi(pb, 0, pb.length);
        if (port < 0 || !ConfStrings.validPort(port)) {
            return "has an invalid port in \"hostname:port:weight\" format string";
        }
        if (parts.length == 3) {
            byte[] wb = parts[2].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            if (ConfStrings.ncAtoi(wb, 0, wb.length) < 0) {
                return "has an invalid weight in \"hostname:port:weight\" format string";
            }
        }
        for (ConfSentinel s : sentinels) {
            if (s.host().equals(parts[0]) && s.port() == port) {
                return "is a duplicate sentinel";
            }
        }
        if (sentinels.isEmpty()) {
            sentinelsLine = valueLine;
        }
        sentinels.add(new ConfSentinel(e, parts[0], port));
        return null;
    }

    /** The rules of {@code sentinels:}: a redis pool, and every server named (its sentinel master name). */
    private void validateSentinels(String file) throws ConfException {
        if (sentinels.isEmpty()) {
            return;
        }
        if (redis != 1) {
            throw new ConfException(file, sentinelsLine, nameText, "sentinels", null,
                    "is only valid for a redis pool (redis: true)");
        }
        for (ServerDraft s : servers) {
            if (s.server.unix()) {
                throw new ConfException(file, s.line, nameText, "servers", s.server.pname(),
                        "is a unix socket: with sentinels every server is a host:port that sentinel reports");
            }
            if (!s.server.explicitName()) {
                throw new ConfException(file, s.line, nameText, "servers", s.server.pname(),
                        "has no name: with sentinels every server needs a name, its sentinel master name "
                                + "(\"host:port:weight name\")");
            }
        }
    }

    /**
     * {@code conf_validate_pool()} and {@code conf_validate_server()}: listen is required, unset directives take
     * their defaults, {@code server_connections} cannot be 0, {@code redis_auth} needs {@code redis: true}, and
     * the servers (at least one) are sorted by node name, which must be unique.
     */
    ConfPool validate(String file) throws ConfException {
        if (listen == null) {
            throw new ConfException(file, line, nameText, "listen", null, "is missing");
        }
        if (serverConnections == 0) {
            throw new ConfException(file, serverConnectionsLine, nameText, "server_connections", "0",
                    "cannot be 0");
        }
        if (redis != 1 && redisAuth != null && redisAuth.length > 0) {
            throw new ConfException(file, redisAuthLine, nameText, "redis_auth", null,
                    "is only valid for a redis pool (redis: true)");
        }
        if (servers.isEmpty()) {
            throw new ConfException(file, line, nameText, null, null, "has no servers");
        }
        validateSentinels(file);
        if (redisCluster == 1) {
            validateCluster(file);
        }
        servers.sort((a, b) -> ConfStrings.compare(a.name, b.name));
        for (int i = 0; i + 1 < servers.size(); i++) {
            ServerDraft s1 = servers.get(i);
            ServerDraft s2 = servers.get(i + 1);
            if (ConfStrings.compare(s1.name, s2.name) == 0) {
                int l = Math.max(s1.line, s2.line);
                throw new ConfException(file, l, nameText, "servers", null,
                        "has two servers with the same name '" + s1.server.name() + "' ('" + s1.server.pname()
                                + "' and '" + s2.server.pname() + "')");
            }
        }
        List<ConfServer> list = new ArrayList<>(servers.size());
        for (ServerDraft s : servers) {
            list.add(s.server);
        }
        ConfPool built = new ConfPool(nameText, listen,
                hash != null ? hash : ConfPool.CONF_DEFAULT_HASH,
                hashTag,
                distribution != null ? distribution : ConfPool.CONF_DEFAULT_DIST,
                timeout != CONF_UNSET_NUM ? timeout : ConfPool.CONF_DEFAULT_TIMEOUT,
                backlog != CONF_UNSET_NUM ? backlog : ConfPool.CONF_DEFAULT_LISTEN_BACKLOG,
                clientConnections != CONF_UNSET_NUM ? clientConnections : ConfPool.CONF_DEFAULT_CLIENT_CONNECTIONS,
                redis != CONF_UNSET_NUM ? redis == 1 : ConfPool.CONF_DEFAULT_REDIS,
                tcpkeepalive != CONF_UNSET_NUM ? tcpkeepalive == 1 : ConfPool.CONF_DEFAULT_TCPKEEPALIVE,
                reuseport != CONF_UNSET_NUM ? reuseport == 1 : ConfPool.CONF_DEFAULT_REUSEPORT,
                redisAuth != null ? ConfStrings.string(redisAuth, 0, redisAuth.length) : null,
                redisDb != CONF_UNSET_NUM ? redisDb : ConfPool.CONF_DEFAULT_REDIS_DB,
                preconnect != CONF_UNSET_NUM ? preconnect == 1 : ConfPool.CONF_DEFAULT_PRECONNECT,
                autoEjectHosts != CONF_UNSET_NUM ? autoEjectHosts == 1 : ConfPool.CONF_DEFAULT_AUTO_EJECT_HOSTS,
                serverConnections != CONF_UNSET_NUM ? serverConnections : ConfPool.CONF_DEFAULT_SERVER_CONNECTIONS,
                serverRetryTimeout != CONF_UNSET_NUM ? serverRetryTimeout
                        : ConfPool.CONF_DEFAULT_SERVER_RETRY_TIMEOUT,
                serverFailureLimit != CONF_UNSET_NUM ? serverFailureLimit
                        : ConfPool.CONF_DEFAULT_SERVER_FAILURE_LIMIT,
                list, sentinels).redisCluster(redisCluster == 1);
        built.sessionConnections = sessionConnections != CONF_UNSET_NUM ? sessionConnections
                : ConfPool.CONF_DEFAULT_SESSION_CONNECTIONS;
        return built;
    }

    /**
     * {@code redis_cluster: true}: the cluster decides where keys live, so the settings that choose a server
     * for a key, a database or ejection cannot be set.
     */
    private void validateCluster(String file) throws ConfException {
        String fixed = "cannot be set with redis_cluster: true (keys go by the cluster's slot map: CRC16 of the "
                + "{...} hash tag, 16384 slots)";
        if (redis != 1) {
            throw new ConfException(file, redisClusterLine, nameText, "redis_cluster", null,
                    "is only valid for a redis pool (redis: true)");
        }
        if (hash != null) {
            throw new ConfException(file, redisClusterLine, nameText, "hash", null, fixed);
        }
        if (distribution != null) {
            throw new ConfException(file, redisClusterLine, nameText, "distribution", null, fixed);
        }
        if (hashTag != null) {
            throw new ConfException(file, redisClusterLine, nameText, "hash_tag", null, fixed);
        }
        if (redisDb > 0) {
            throw new ConfException(file, redisClusterLine, nameText, "redis_db", null,
                    "cannot be set with redis_cluster: true (a Redis Cluster has only database 0)");
        }
        if (autoEjectHosts == 1) {
            throw new ConfException(file, redisClusterLine, nameText, "auto_eject_hosts", null,
                    "cannot be set with redis_cluster: true (the cluster fails over; the proxy follows its "
                            + "slot map)");
        }
        if (!sentinels.isEmpty()) {
            throw new ConfException(file, sentinelsLine, nameText, "sentinels", null,
                    "cannot be set with redis_cluster: true (the cluster finds its masters itself)");
        }
    }
}
