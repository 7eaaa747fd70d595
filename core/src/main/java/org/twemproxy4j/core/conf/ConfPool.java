package org.twemproxy4j.core.conf;

import java.util.List;
import org.twemproxy4j.hashkit.DistType;
import org.twemproxy4j.hashkit.HashType;

/**
 * Mirrors {@code struct conf_pool} (nc_conf.h) after {@code conf_validate_pool()}: one validated pool, every
 * unset directive replaced by nutcracker's default ({@code CONF_DEFAULT_*}).
 *
 * <p>{@link #servers()} is in nutcracker's order (node name, length first, then bytes): that order decides
 * modula placement, server indexes and the stats layout.
 *
 * <p>Deviation: nutcracker overwrites {@code client_connections} with 0 after parsing it; we keep the
 * configured value so the core can enforce it.
 *
 * <p>Immutable; thread-safe.
 */
public final class ConfPool {
    public static final HashType CONF_DEFAULT_HASH = HashType.FNV1A_64;
    public static final DistType CONF_DEFAULT_DIST = DistType.KETAMA;
    public static final int CONF_DEFAULT_TIMEOUT = -1; // wait forever
    public static final int CONF_DEFAULT_LISTEN_BACKLOG = 512;
    public static final int CONF_DEFAULT_CLIENT_CONNECTIONS = 0; // no limit
    public static final boolean CONF_DEFAULT_REDIS = false;
    public static final int CONF_DEFAULT_REDIS_DB = 0;
    public static final boolean CONF_DEFAULT_PRECONNECT = false;
    public static final boolean CONF_DEFAULT_AUTO_EJECT_HOSTS = false;
    public static final int CONF_DEFAULT_SERVER_RETRY_TIMEOUT = 30 * 1000; // msec
    public static final int CONF_DEFAULT_SERVER_FAILURE_LIMIT = 2;
    public static final int CONF_DEFAULT_SERVER_CONNECTIONS = 1;
    /** Default {@code session_connections}: dedicated (session) connections per server and worker. */
    public static final int CONF_DEFAULT_SESSION_CONNECTIONS = 64;
    public static final int CONF_DEFAULT_KETAMA_PORT = 11211;
    public static final boolean CONF_DEFAULT_TCPKEEPALIVE = false;
    public static final boolean CONF_DEFAULT_REUSEPORT = false;

    private final String name; // pool name (root key)
    private final ConfListen listen; // listen:
    private final HashType hash; // hash:
    private final String hashTag; // hash_tag: (two characters) or null
    private final DistType distribution; // distribution:
    private final int timeout; // timeout: in msec, -1 = none
    private final int backlog; // backlog:
    private final int clientConnections; // client_connections: 0 = no limit
    private final boolean redis; // redis:
    private final boolean tcpkeepalive; // tcpkeepalive:
    private final boolean reuseport; // reuseport: (twemproxy master's key, after 0.5.0)
    private final String redisAuth; // redis_auth: or null
    private final int redisDb; // redis_db:
    private final boolean preconnect; // preconnect:
    private final boolean autoEjectHosts; // auto_eject_hosts:
    private final int serverConnections; // server_connections: > 0
    private final int serverRetryTimeout; // server_retry_timeout: in msec
    private final int serverFailureLimit; // server_failure_limit:
    private final List<ConfServer> servers; // servers:, sorted by node name
    private final List<ConfSentinel> sentinels; // sentinels: (twemproxy4j), as written; empty when none
    private boolean redisCluster; // redis_cluster: (servers are seed nodes of one Redis Cluster)
    private String[] seedAddrs;   // redis_cluster: each seed's IP address, resolved once (null entries: none)
    int sessionConnections = CONF_DEFAULT_SESSION_CONNECTIONS; // session_connections: per server and worker

    ConfPool(String name, ConfListen listen, HashType hash, String hashTag, DistType distribution, int timeout,
            int backlog, int clientConnections, boolean redis, boolean tcpkeepalive, boolean reuseport, String redisAuth,
            int redisDb,
            boolean preconnect, boolean autoEjectHosts, int serverConnections, int serverRetryTimeout,
            int serverFailureLimit, List<ConfServer> servers) {
        this(name, listen, hash, hashTag, distribution, timeout, backlog, clientConnections, redis, tcpkeepalive,
                reuseport, redisAuth, redisDb, preconnect, autoEjectHosts, serverConnections, serverRetryTimeout,
                serverFailureLimit, servers, List.of());
    }

    ConfPool(String name, ConfListen listen, HashType hash, String hashTag, DistType distribution, int timeout,
            int backlog, int clientConnections, boolean redis, boolean tcpkeepalive, boolean reuseport, String redisAuth,
            int redisDb,
            boolean preconnect, boolean autoEjectHosts, int serverConnections, int serverRetryTimeout,
            int serverFailureLimit, List<ConfServer> servers, List<ConfSentinel> sentinels) {
        this.sentinels = List.copyOf(sentinels);
        this.name = name;
        this.listen = listen;
        this.hash = hash;
        this.hashTag = hashTag;
        this.distribution = distribution;
        this.timeout = timeout;
        this.backlog = backlog;
        this.clientConnections = clientConnections;
        this.redis = redis;
        this.tcpkeepalive = tcpkeepalive;
        this.reuseport = reuseport;
        this.redisAuth = redisAuth;
        this.redisDb = redisDb;
        this.preconnect = preconnect;
        this.autoEjectHosts = autoEjectHosts;
        this.serverConnections = serverConnections;
        this.serverRetryTimeout = serverRetryTimeout;
        this.serverFailureLimit = serverFailureLimit;
        this.servers = List.copyOf(servers);
    }

    /** The pool name (its key at the root of the file). */
    public String name() {
        return name;
    }

    public ConfListen listen() {
        return listen;
    }

    /** The key hash; default {@code fnv1a_64}. */
    public HashType hash() {
        return hash;
    }

    /** The two hash tag characters (e.g. {@code {}}), or null when the pool has none. */
    public String hashTag() {
        return hashTag;
    }

    /** The key distribution; default {@code ketama}. */
    public DistType distribution() {
        return distribution;
    }

    /** The server timeout in msec; -1 (the default) waits forever. */
    public int timeout() {
        return timeout;
    }

    /** The listen(2) backlog; default 512. */
    public int backlog() {
        return backlog;
    }

    /** The configured client connection limit (0 = none, the default); nutcracker ignores it, we enforce it. */
    public int clientConnections() {
        return clientConnections;
    }

    /** True for a redis pool, false (the default) for memcache. */
    public boolean redis() {
        return redis;
    }

    /** SO_KEEPALIVE; default false. */
    public boolean tcpkeepalive() {
        return tcpkeepalive;
    }

    /**
     * SO_REUSEPORT on the listening socket, so that several processes can listen on one port; default false.
     * twemproxy master's key (added after 0.5.0, which rejects it). Several workers always use it.
     */
    public boolean reuseport() {
        return reuseport;
    }

    /** The password sent with AUTH to the servers of a redis pool, or null. */
    public String redisAuth() {
        return redisAuth;
    }

    /** The redis database selected on each server connection; default 0. */
    public int redisDb() {
        return redisDb;
    }

    /** Connect to every server at start; default false. */
    public boolean preconnect() {
        return preconnect;
    }

    /** Eject a server after {@link #serverFailureLimit()} consecutive failures; default false. */
    public boolean autoEjectHosts() {
        return autoEjectHosts;
    }

    /** Connections per server, at least 1; default 1. */
    public int serverConnections() {
        return serverConnections;
    }

    /**
     * {@code session_connections}: at most this many dedicated connections per server (and worker) for the
     * sessions of blocking, transaction and pub/sub commands; 0 refuses them. Default 64.
     */
    public int sessionConnections() {
        return sessionConnections;
    }

    /** Msec before an ejected server is retried; default 30000. nutcracker keeps it in usec internally. */
    public int serverRetryTimeout() {
        return serverRetryTimeout;
    }

    /** Consecutive failures before ejection; default 2. */
    public int serverFailureLimit() {
        return serverFailureLimit;
    }

    /**
     * {@code redis_cluster: true}: the servers are seed nodes of one Redis Cluster; keys go by its slot map
     * (CRC16 of the {@code {...}} tag, 16384 slots), not by hash and distribution. Default false.
     */
    public boolean redisCluster() {
        return redisCluster;
    }

    /** Set once by the validator, before the pool is published; a cluster pool's seeds are resolved here. */
    ConfPool redisCluster(boolean b) {
        redisCluster = b;
        if (b) {
            String[] a = new String[servers.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = resolve(servers.get(i));
            }
            seedAddrs = a;
        }
        return this;
    }

    /**
     * A redis_cluster pool: the IP address of seed {@code i} (as {@link java.net.InetAddress#getHostAddress}
     * writes it), resolved once when the configuration was read (on the thread that read it, never an event
     * loop), so that a seed written as a host name and the same node named by IP in the cluster's slot map are
     * one node; null when the host did not resolve, for a unix socket, or in another pool.
     */
    public String clusterSeedAddress(int i) {
        String[] a = seedAddrs;
        return a == null || i >= a.length ? null : a[i];
    }

    private static String resolve(ConfServer s) {
        if (s.unix()) {
            return null;
        }
        try {
            return java.net.InetAddress.getByName(s.host()).getHostAddress();
        } catch (java.net.UnknownHostException | SecurityException e) {
            return null; // not fatal: the seed is tried (and resolved again) when it is connected to
        }
    }

    /** At least one server, in nutcracker's order (node name, length first, then bytes); unmodifiable. */
    public List<ConfServer> servers() {
        return servers;
    }

    /**
     * The redis sentinels that tell where each server's master is (twemproxy4j's {@code sentinels:} key, as
     * twemproxy's notes/redis.md sketches it), in the order written; empty for a pool without sentinels. With
     * sentinels each server's name is its sentinel master name.
     */
    public List<ConfSentinel> sentinels() {
        return sentinels;
    }

    @Override
    public String toString() {
        return name + " (listen " + listen + ", " + servers.size() + " servers)";
    }
}
