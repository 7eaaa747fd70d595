package org.twemproxy4j.core;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import org.twemproxy4j.core.conf.ConfServer;

/**
 * Mirrors {@code struct server} (nc_server.h): one backend of a pool, its connections (at most
 * {@code server_connections}, chosen round-robin once all exist, as server_conn() rotates its queue), its
 * failure accounting and its stats counters. Event-loop confined.
 */
public final class Server {
    final ServerPool owner;        // owner pool
    final int idx;                 // server index in the pool's sorted array
    final ConfServer conf;
    final String name;             // node name (stats key, ketama name)
    final String pname;            // "host:port:weight [name]"
    final int weight;
    private SocketAddress addr;    // resolved lazily, as nutcracker resolves at connect

    // A cluster node the cluster names by host name: looked up off the loop (NameLookup), again when a connection
    // to it fails; while the first lookup runs it has no address (ClusterPool holds its requests back)
    static final int LOOKUP_NONE = 0;    // not looked up off the loop, or the last lookup answered
    static final int LOOKUP_PENDING = 1; // a lookup is under way
    static final int LOOKUP_FAILED = 2;  // the last lookup found nothing
    ClusterPool lookupBy;          // the cluster pool that looks this node up, or null (resolved at connect)
    int lookup;                    // LOOKUP_*

    ServerConn[] conns;            // s_conn_q
    int nconn;                     // ns_conn_q
    int rr;                        // round-robin cursor
    int nsession;                  // open session connections (this worker), at most session_connections
    boolean departed;              // a cluster node the slot map no longer names: no connection, not in the stats

    /** Counters indexed by StatsServerField.ordinal() (see {@link CoreStats}). */
    public final long[] stats = new long[CoreStats.NSERVER_SLOTS];

    Server(ServerPool owner, int idx, ConfServer conf) {
        this.owner = owner;
        this.idx = idx;
        this.conf = conf;
        this.name = conf.name();
        this.pname = conf.pname();
        this.weight = conf.weight();
        this.conns = new ServerConn[Math.max(1, owner.serverConnections)];
    }

    public String name() {
        return name;
    }

    public int idx() {
        return idx;
    }

    public long[] stats() {
        return stats;
    }

    SocketAddress address() {
        SocketAddress a = addr;
        if (a == null) {
            if (lookupBy != null) {
                lookupBy.lookUp(this); // unless under way; connect fails on this address until it answers
                return InetSocketAddress.createUnresolved(conf.host(), conf.port());
            }
            if (conf.unix()) {
                a = UnixDomainSocketAddress.of(conf.host());
            } else {
                InetSocketAddress ia = new InetSocketAddress(conf.host(), conf.port());
                if (ia.isUnresolved()) {
                    return ia; // resolution failed: connect reports it; retried next time
                }
                a = ia;
            }
            addr = a;
        }
        return a;
    }

    /**
     * Sentinel: this server's master moved to {@code a}. New connections go there; every open connection (to the
     * old address) is closed now, its requests in flight answered with an error (ECONNRESET), and this is not
     * counted as a failure of the server.
     */
    void moveTo(SocketAddress a) {
        addr = a;
        while (nconn > 0) {
            ServerConn c = conns[nconn - 1];
            removeConn(c);
            c.retiring = true; // closed by us, not failed: no failure count
            if (c.err == 0) {
                c.err = org.twemproxy4j.core.util.NcErrno.ECONNRESET;
            }
            c.ctx.close(c);
        }
    }

    /** True while this node's first off-loop lookup runs: it has no address to connect to yet. */
    boolean awaitingAddress() {
        return lookupBy != null && addr == null && lookup == LOOKUP_PENDING;
    }

    /** The current address (null before the first lookup answered), for the lookups' comparisons and logs. */
    SocketAddress knownAddress() {
        return addr;
    }

    boolean unix() {
        return conf.unix();
    }

    /** Mirrors server_conn(): a new connection while under the limit, else the next one round-robin. */
    ServerConn conn(ConnPool pool) {
        if (nconn < owner.serverConnections) {
            ServerConn c = pool.getServer(this);
            conns[nconn++] = c;
            return c;
        }
        int i = rr++;
        if (rr >= nconn) {
            rr = 0;
        }
        return conns[i < nconn ? i : 0];
    }

    /**
     * A reload replaces {@code old} (the same name in the pool's new definition): when it has the same address
     * and the connections' settings did not change, its open connections move here (at most
     * {@code server_connections}; the rest are retired), and its counters carry on. Returns the connections it
     * did not take, for the caller to retire.
     */
    void adopt(Server old, boolean sameConnections) {
        System.arraycopy(old.stats, 0, stats, 0, stats.length);
        if (!sameConnections || !old.pname.equals(pname)) {
            return;
        }
        while (old.nconn > 0 && nconn < owner.serverConnections) {
            ServerConn c = old.conns[--old.nconn];
            old.conns[old.nconn] = null;
            c.server = this;
            conns[nconn++] = c;
        }
        old.rr = 0;
    }

    /** Retires every connection still held (a reload dropped this server or changed how it is reached). */
    void retireAll() {
        while (nconn > 0) {
            ServerConn c = conns[nconn - 1];
            c.retire(); // removes it from conns
        }
    }

    void removeConn(ServerConn c) {
        for (int i = 0; i < nconn; i++) {
            if (conns[i] == c) {
                conns[i] = conns[--nconn];
                conns[nconn] = null;
                if (rr >= nconn) {
                    rr = 0;
                }
                return;
            }
        }
    }

    /** Mirrors server_ok(): a good response resets the failure count (shared by the workers). */
    void ok() {
        if (owner.cluster != null) {
            return; // no ejection in a cluster pool (its health tracks the seeds only)
        }
        owner.health.ok(idx);
    }

    /** Consecutive failures, counted over every worker. */
    int failureCount() {
        return owner.health.failures(idx);
    }

    /** When an ejected server may come back (ms, loop clock; 0 when it was not ejected). */
    long nextRetry() {
        return owner.health.nextRetry(idx);
    }

    /** Mirrors server_failure(): counts failures toward ejection when the pool auto-ejects. */
    void failure(long now) {
        owner.serverFailure(this, now);
    }

    @Override
    public String toString() {
        return pname;
    }
}
