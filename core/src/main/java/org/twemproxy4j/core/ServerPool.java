package org.twemproxy4j.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.twemproxy4j.core.conf.ConfPool;
import org.twemproxy4j.core.conf.ConfServer;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.hashkit.Placement;

/**
 * Mirrors {@code struct server_pool} (nc_server.h): one pool of the configuration, its listener, its
 * servers in nutcracker's sorted order, its key placement and its counters. Event-loop confined.
 *
 * <p>Liveness (auto_eject_hosts) keeps nutcracker's hooks: {@link #serverFailure} and {@link #update}. The
 * failure counts and retry deadlines live in the pool's {@link PoolHealth}, shared by every worker that runs this
 * definition; the live set and placement are this worker's own copy, rebuilt from it ({@link #resync}) when
 * another worker ejected a server. Where a request goes is {@link #index(Msg)} (server_pool_idx).
 */
public final class ServerPool {
    static final int IDX_CROSS = -2;             // keys of one request map to several servers
    private static final int KEY_SCRATCH = 16 * 1024;
    private static final byte[] PLACEHOLDER = {'p', 'l', 'a', 'c', 'e', 'h', 'o', 'l', 'd', 'e', 'r'};

    int idx;                       // pool index (its position in the configuration; a reload may move it)
    final ConfPool conf;
    final String name;
    final Proto proto;
    Server[] servers;              // a redis_cluster pool appends the nodes it discovers
    final ClusterPool cluster;     // redis_cluster: the slot map and redirections, else null
    final Placement placement;
    final boolean[] live;
    int nlive;                     // live servers
    final PoolHealth health;       // failure counts and retry deadlines, shared by the workers
    int healthSeen;                // the health's version this worker's live set reflects
    long nextRebuild;              // when to rebuild the distribution (0 none)
    final int timeout;             // per request timeout, ms (<= 0 none)
    final int serverConnections;
    final int sessionConnections;  // dedicated connections per server for sessions (0 none)
    final int clientConnections;   // max clients (0 no limit)
    final boolean autoEjectHosts;
    final int serverRetryTimeout;
    final int serverFailureLimit;
    final boolean requireAuth;     // redis_auth set
    final byte[] redisAuth;
    final byte[] authReq;          // AUTH request for new server connections
    final byte[] selectReq;        // SELECT request for new server connections, or null
    final boolean tcpkeepalive;
    ProxyConn proxy;               // listener
    Sentinel sentinel;             // its sentinel watcher (sentinels: set; worker 0 only), or null
    int ncConn;                    // client connections
    private byte[] keyScratch = new byte[KEY_SCRATCH]; // a key copied out of its mbufs for hashing

    /** Counters indexed by StatsPoolField.ordinal() (see {@link CoreStats}). */
    public final long[] stats = new long[CoreStats.NPOOL];

    ServerPool(int idx, ConfPool conf, Proto proto) {
        this(idx, conf, proto, PoolHealth.single(conf.servers().size()));
    }

    ServerPool(int idx, ConfPool conf, Proto proto, PoolHealth health) {
        this.idx = idx;
        this.health = health;
        this.conf = conf;
        this.name = conf.name();
        this.proto = proto;
        this.timeout = conf.timeout();
        this.serverConnections = Math.max(1, conf.serverConnections());
        this.sessionConnections = conf.sessionConnections();
        this.clientConnections = conf.clientConnections();
        this.autoEjectHosts = conf.autoEjectHosts();
        this.serverRetryTimeout = conf.serverRetryTimeout();
        this.serverFailureLimit = conf.serverFailureLimit();
        this.tcpkeepalive = conf.tcpkeepalive();
        String auth = conf.redisAuth();
        this.requireAuth = auth != null && !auth.isEmpty();
        this.redisAuth = requireAuth ? auth.getBytes(StandardCharsets.UTF_8) : null;
        this.authReq = requireAuth ? proto.authRequest(auth) : null;
        this.selectReq = conf.redisDb() > 0 ? proto.selectRequest(conf.redisDb()) : null;
        List<ConfServer> cs = conf.servers();
        int n = cs.size();
        this.servers = new Server[n];
        String[] names = new String[n];
        int[] weights = new int[n];
        for (int i = 0; i < n; i++) {
            servers[i] = new Server(this, i, cs.get(i));
            names[i] = cs.get(i).name();
            weights[i] = cs.get(i).weight();
        }
        String tag = conf.hashTag();
        byte[] hashTag = tag == null ? null : tag.getBytes(StandardCharsets.ISO_8859_1);
        this.placement = new Placement(conf.hash(), hashTag, conf.distribution(), names, weights);
        this.live = new boolean[n];
        java.util.Arrays.fill(live, true);
        this.nlive = n;
        this.cluster = conf.redisCluster() ? new ClusterPool(this) : null;
    }

    public String name() {
        return name;
    }

    public int idx() {
        return idx;
    }

    public Server[] servers() {
        return servers;
    }

    public long[] stats() {
        return stats;
    }

    public boolean requireAuth() {
        return requireAuth;
    }

    /** The configured redis_auth password bytes, or null. */
    public byte[] redisAuth() {
        return redisAuth;
    }

    /** The server called {@code name}, or null. */
    Server server(String name) {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i].name.equals(name)) {
                return servers[i];
            }
        }
        return null;
    }

    /**
     * A reload replaces {@code old}, a definition of this pool: its counters carry on here (the gauges too, since
     * its clients and connections move here), and its client count.
     */
    void carryOn(ServerPool old) {
        System.arraycopy(old.stats, 0, stats, 0, stats.length);
        ncConn = old.ncConn;
    }

    /**
     * Mirrors server_pool_update(): re-admits ejected servers whose retry time has come. Returns false when
     * every server is ejected (the caller fails the request with ECONNREFUSED).
     */
    boolean update(long now) {
        if (!autoEjectHosts) {
            return true;
        }
        if (nextRebuild == 0) {
            return true;
        }
        if (now <= nextRebuild) {
            // every server ejected: refused until the earliest retry (also in a one-server pool)
            return nlive > 0;
        }
        int before = nlive;
        rebuild(now);
        if (Log.enabled(Log.LOG_INFO)) {
            Log.info("update pool '" + name + "' to add " + (nlive - before) + " servers");
        }
        return nlive > 0;
    }

    private void rebuild(long now) {
        long next = 0;
        int n = 0;
        for (int i = 0; i < servers.length; i++) {
            Server s = servers[i];
            long retry = health.nextRetry(s.idx);
            boolean ok = retry <= now;
            live[i] = ok;
            if (ok) {
                n++;
            } else if (next == 0 || retry < next) {
                next = retry;
            }
        }
        nlive = n;
        nextRebuild = next;
        placement.update(live);
    }

    /** Mirrors server_failure(); {@code now} is the loop clock. */
    void serverFailure(Server s, long now) {
        if (!autoEjectHosts) {
            return;
        }
        if (!health.failure(s.idx, serverFailureLimit)) {
            return;
        }
        long retry = now + serverRetryTimeout;
        int seen = healthSeen;
        int v = health.eject(s.idx, retry);
        if (v == seen + 1) {
            healthSeen = v; // nobody else ejected meanwhile: the rebuild below is all there is to see
        }
        java.time.Instant wall = java.time.Instant.now(); // usec since the epoch, as nc_usec_now()
        s.stats[CoreStats.SERVER_EJECTED_AT] = wall.getEpochSecond() * 1_000_000L + wall.getNano() / 1000;
        stats[CoreStats.SERVER_EJECTS]++;
        if (Log.enabled(Log.LOG_INFO)) {
            Log.info("update pool '" + name + "' to delete server '" + s.pname + "' for next "
                    + serverRetryTimeout / 1000 + " secs");
        }
        rebuild(now);
        if (nextRebuild == 0 || retry < nextRebuild) {
            nextRebuild = retry;
        }
    }

    /**
     * Once per loop turn: when another worker ejected a server of this pool (the shared version moved), this
     * worker's live set and placement are rebuilt from the shared deadlines. One volatile read when nothing
     * changed.
     */
    void resync(long now) {
        int v = health.version();
        if (v == healthSeen) {
            return;
        }
        healthSeen = v;
        if (health.addrs != null) {
            moveServers(); // sentinel: masters that moved
        }
        if (autoEjectHosts) {
            rebuild(now);
        }
    }

    /** Sentinel pools: each server whose published master address differs from the one it uses moves there. */
    private void moveServers() {
        for (int i = 0; i < servers.length; i++) {
            java.net.InetSocketAddress a = health.address(i);
            if (a != null && !a.equals(servers[i].address())) {
                servers[i].moveTo(a);
            }
        }
    }

    /** Mirrors server_pool_idx() for one key: the server index, or -1 when none is live. */
    int index(byte[] key, int len) {
        if (cluster != null) {
            return cluster.index(key, len);
        }
        if (servers.length == 1) {
            return 0;
        }
        return placement.serverIndex(key, 0, len);
    }

    /**
     * Mirrors server_pool_idx() for a request: the server of its first key; {@link #IDX_CROSS} when another of
     * its keys maps elsewhere; -1 when no server is live. A keyless request goes where the key "placeholder"
     * goes, as in nutcracker.
     */
    int index(Msg msg) {
        int n = msg.nkeys;
        if (cluster != null) {
            return cluster.index(msg);
        }
        if (servers.length == 1) {
            return 0;
        }
        if (n == 0) {
            return index(PLACEHOLDER, PLACEHOLDER.length);
        }
        int step = msg.keyStep;
        int idx = keyIndex(msg, 0);
        for (int i = step; i < n; i += step) {
            if (keyIndex(msg, i) != idx) {
                return IDX_CROSS;
            }
        }
        return idx;
    }

    /** The server index of key entry {@code i} of {@code msg}. */
    int keyIndex(Msg msg, int i) {
        if (cluster != null) {
            return cluster.keyIndex(msg, i);
        }
        if (servers.length == 1) {
            return 0;
        }
        int len = msg.keyLen[i];
        byte[] k = keyScratch;
        if (len > k.length) {
            k = new byte[len]; // an unusually long key: not kept
        }
        msg.copyKey(i, k);
        return index(k, len);
    }

    /** A scratch array for a key of {@code len} bytes (the pool's own, or a new one for a long key). */
    byte[] keyScratch(int len) {
        return len > keyScratch.length ? new byte[len] : keyScratch;
    }
}
