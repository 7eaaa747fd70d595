package org.twemproxy4j.core;

/**
 * Mirrors nc_connection.c's conn_get()/conn_put() and its free list (free_connq) and counters
 * (conn_ncurr_conn, conn_ntotal_conn): client and server connections of one event loop come from here and go
 * back here, and every open one is on a list so that shutdown can close them all. Bounded: beyond
 * {@link #MAX_FREE_CONN} a closed connection is left to the garbage collector. Event-loop confined.
 */
final class ConnPool {
    static final int MAX_FREE_CONN = 1024;

    private final Context ctx;
    private ClientConn freeClient; // free client connections
    private int nfreeClient;
    private ServerConn freeServer; // free server connections
    private int nfreeServer;
    private Conn live;             // every open client and server connection
    int ncurrConn;                 // current connections (clients and servers)
    long ntotalConn;               // total connections ever

    ConnPool(Context ctx) {
        this.ctx = ctx;
    }

    /** Mirrors conn_get() for a client of {@code pool}. */
    ClientConn getClient(ServerPool pool) {
        ClientConn c = freeClient;
        if (c != null) {
            freeClient = c.freeNext;
            c.freeNext = null;
            nfreeClient--;
        } else {
            c = new ClientConn(ctx);
        }
        c.resetConn();
        link(c);
        c.pool = pool;
        c.proto = pool.proto;
        ncurrConn++;
        ntotalConn++;
        c.id = ntotalConn * Math.max(1, ctx.settings.workers) + ctx.worker; // distinct across workers
        return c;
    }

    /** Mirrors conn_put() for a client. */
    void putClient(ClientConn c) {
        c.closed = true;
        unlink(c);
        ncurrConn--;
        c.pool = null;
        if (nfreeClient < MAX_FREE_CONN) {
            c.freeNext = freeClient;
            freeClient = c;
            nfreeClient++;
        }
    }

    /** Mirrors conn_get() for a connection to server {@code s}. */
    ServerConn getServer(Server s) {
        ServerConn c = freeServer;
        if (c != null) {
            freeServer = c.freeNext;
            c.freeNext = null;
            nfreeServer--;
        } else {
            c = new ServerConn(ctx);
        }
        c.resetConn();
        link(c);
        c.server = s;
        c.proto = s.owner.proto;
        ncurrConn++;
        ntotalConn++;
        return c;
    }

    /** A dedicated (session) connection to server {@code s} for one client: never pooled, never shared. */
    SessionConn getSession(Server s, ClientConn client, int sidx) {
        SessionConn c = new SessionConn(ctx, client, sidx);
        c.resetConn();
        link(c);
        c.server = s;
        c.proto = s.owner.proto;
        ncurrConn++;
        ntotalConn++;
        return c;
    }

    /** Mirrors conn_put() for a server connection. */
    void putServer(ServerConn c) {
        c.closed = true;
        unlink(c);
        ncurrConn--;
        c.server = null;
        if (c instanceof SessionConn) {
            return; // a session connection is not reused
        }
        if (nfreeServer < MAX_FREE_CONN) {
            c.freeNext = freeServer;
            freeServer = c;
            nfreeServer++;
        }
    }

    private void link(Conn c) {
        c.livePrev = null;
        c.liveNext = live;
        if (live != null) {
            live.livePrev = c;
        }
        live = c;
    }

    private void unlink(Conn c) {
        if (c.livePrev != null) {
            c.livePrev.liveNext = c.liveNext;
        } else if (live == c) {
            live = c.liveNext;
        }
        if (c.liveNext != null) {
            c.liveNext.livePrev = c.livePrev;
        }
        c.livePrev = null;
        c.liveNext = null;
    }

    /** The open clients of {@code pool} (a reload moves or drains them; allocates, off the request path). */
    java.util.List<ClientConn> clients(ServerPool pool) {
        java.util.List<ClientConn> out = new java.util.ArrayList<>();
        for (Conn c = live; c != null; c = c.liveNext) {
            if (c instanceof ClientConn && ((ClientConn) c).pool == pool) {
                out.add((ClientConn) c);
            }
        }
        return out;
    }

    /** Closes every open connection (shutdown). */
    void closeAll() {
        while (live != null) {
            Conn c = live;
            ctx.close(c);
            if (live == c) {
                unlink(c); // close() did not unlink: never loop forever
            }
        }
    }
}
