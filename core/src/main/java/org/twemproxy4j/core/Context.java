package org.twemproxy4j.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfPool;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.event.SelectorEventBase;
import org.twemproxy4j.event.Timer;
import org.twemproxy4j.event.TimerHandler;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.mbuf.MbufPool;

/**
 * Mirrors {@code struct context} (nc_core.h) plus the free lists nutcracker keeps as globals
 * (free_msgq, free_connq, the mbuf free list): everything one event-loop thread owns. There is no static
 * mutable state, so several contexts (cores) can run side by side in one process.
 *
 * <p>Free lists are bounded (nutcracker's never shrink): beyond the bound a freed object is left to the
 * garbage collector. Event-loop confined.
 */
final class Context {
    static final int NC_IOV_MAX = 1024;          // iovecs per gathering write (Linux IOV_MAX)
    static final long SEND_LIMIT = Integer.MAX_VALUE; // bytes per gathering write
    static final int IDX_CROSS = -2;             // keys of one request map to several servers
    static final int FLAG_AUTH = 1;              // a swallowed AUTH
    static final int FLAG_SELECT = 2;            // a swallowed SELECT
    static final int MAX_FREE_MSG = 65536;
    static final int MAX_FREE_CONN = 1024;
    static final int KEY_SCRATCH = 16 * 1024;
    private static final byte[] PLACEHOLDER = {'p', 'l', 'a', 'c', 'e', 'h', 'o', 'l', 'd', 'e', 'r'};

    final SelectorEventBase evb;
    final MbufPool mbufPool;
    final ServerPool[] pools;
    final ProxyConn[] proxies;
    final TimerHandler timeoutHandler = this::onTimeout;

    final ByteBuffer[] iov = new ByteBuffer[NC_IOV_MAX]; // gathering write, reused
    final Msg[] sendq = new Msg[NC_IOV_MAX];              // messages of one gathering write
    private byte[] keyScratch = new byte[KEY_SCRATCH];
    int[] keyServer = new int[64];                        // per key group: its server (fragmenting)
    int[] groupScratch = new int[64];                     // key groups of one fragment

    private long msgId;
    private Msg freeMsg;
    private int nfreeMsg;
    private int nusedMsg;
    private ClientConn freeClient;
    private int nfreeClient;
    private ServerConn freeServer;
    private int nfreeServer;
    long clientMaxPending;         // soft limit of one client's pending bytes (0 none); see ClientConn
    long clientHardPending;        // hard limit: over it (with more than one reply owed) the client is closed
    int clientMaxOutstanding;      // requests owed a reply beyond which a client is not read
    int ncurrConn;                 // current connections (clients and servers)
    long ntotalConn;               // total connections ever
    StatsBridge statsBridge;       // set by Core; null in unit tests

    Context(Conf conf, Map<String, Proto> protos, int mbufSize) throws IOException {
        List<ConfPool> cps = conf.pools();
        this.pools = new ServerPool[cps.size()];
        this.proxies = new ProxyConn[cps.size()];
        for (int i = 0; i < pools.length; i++) {
            ConfPool cp = cps.get(i);
            String pname = cp.redis() ? "redis" : "memcache";
            Proto proto = protos.get(pname);
            if (proto == null) {
                throw new IOException("pool '" + cp.name() + "': no " + pname + " protocol available");
            }
            pools[i] = new ServerPool(i, cp, proto);
        }
        int maxFree = (int) Math.max(64, Math.min(65536, (64L << 20) / mbufSize)); // keep <= ~64 MiB idle
        this.mbufPool = new MbufPool(mbufSize, maxFree);
        this.evb = new SelectorEventBase();
        clientMaxPending(Long.getLong(CLIENT_MAX_PENDING_PROPERTY, CLIENT_MAX_PENDING));
    }

    /** System property with the default of {@code --client-max-pending} (bytes; 0 turns the limits off). */
    static final String CLIENT_MAX_PENDING_PROPERTY = "twemproxy4j.clientMaxPending";
    /** Default soft limit of one client's pending bytes: 64 MiB. */
    static final long CLIENT_MAX_PENDING = 64L << 20;
    /** The hard limit is this many times the soft one. */
    static final int CLIENT_HARD_FACTOR = 4;
    /** One outstanding request is allowed per this many bytes of the soft limit (a request and its reply, in mbufs). */
    static final int CLIENT_BYTES_PER_REQUEST = 32768;
    /** Outstanding requests allowed whatever the soft limit. */
    static final int CLIENT_MIN_OUTSTANDING = 64;

    /** Memory a message holds: its mbufs (whole chunks), at least its length. */
    long footprint(Msg m) {
        long b = (long) m.mhdr.count() * mbufPool.chunkSize();
        return b > m.mlen ? b : m.mlen;
    }

    /** Sets the per-client limits from the soft limit in bytes ({@code <= 0}: no limit). */
    void clientMaxPending(long bytes) {
        if (bytes <= 0) {
            clientMaxPending = 0;
            clientHardPending = 0;
            clientMaxOutstanding = 0;
            return;
        }
        clientMaxPending = bytes;
        clientHardPending = bytes > Long.MAX_VALUE / CLIENT_HARD_FACTOR ? Long.MAX_VALUE : bytes * CLIENT_HARD_FACTOR;
        clientMaxOutstanding = (int) Math.max(CLIENT_MIN_OUTSTANDING,
                Math.min(Integer.MAX_VALUE, bytes / CLIENT_BYTES_PER_REQUEST));
    }

    /**
     * The loop clock in milliseconds, read now (the event base's clock: {@code System.nanoTime()} in ms).
     * Deviation from using {@code evb.now()}: that value is taken before the selector waits, so while the
     * handlers of a turn run it can be as old as the wait (up to the stats interval), which would start request
     * timeouts and ejection retries in the past.
     */
    static long clock() {
        return System.nanoTime() / 1_000_000L;
    }

    // messages (msg_get / msg_put, req_put / rsp_put)

    Msg msgGet(Conn owner, boolean request) {
        Msg m = freeMsg;
        if (m != null) {
            freeMsg = m.freeNext;
            m.freeNext = null;
            nfreeMsg--;
        } else {
            m = new Msg(this);
            m.reset();
        }
        nusedMsg++;
        m.startNanos = request ? System.nanoTime() : 0L;
        m.id = ++msgId;
        m.owner = owner;
        m.request = request;
        return m;
    }

    void msgPut(Msg m) {
        assert m.cQ == null && m.sQ == null : "msg still queued";
        evb.delTimer(m.tmo);
        m.mhdr.putAll(mbufPool);
        m.reset();
        nusedMsg--;
        if (nfreeMsg < MAX_FREE_MSG) {
            m.freeNext = freeMsg;
            freeMsg = m;
            nfreeMsg++;
        }
    }

    /** Mirrors req_put(): frees a request, its response, and the fragments of a fragmented request. */
    void reqPut(Msg m) {
        int nf = m.nfrag;
        if (nf > 0 && m.fragOwner == null) {
            Msg[] fs = m.frags;
            for (int i = 0; i < nf; i++) {
                Msg f = fs[i];
                fs[i] = null;
                if (f != null && f.fragOwner == m) {
                    f.fragOwner = null;
                    reqPut(f);
                }
            }
            m.nfrag = 0;
        }
        Msg p = m.peer;
        if (p != null) {
            m.peer = null;
            p.peer = null;
            msgPut(p);
        }
        msgPut(m);
    }

    /** Mirrors rsp_put(). */
    void rspPut(Msg m) {
        msgPut(m);
    }

    int nusedMsg() {
        return nusedMsg;
    }

    /** Mirrors msg_append(): appends bytes, taking mbufs as needed. */
    void append(Msg msg, byte[] data, int off, int len) {
        while (len > 0) {
            Mbuf last = msg.mhdr.last();
            if (last == null || last.full()) {
                last = mbufPool.get();
                msg.mhdr.insert(last);
            }
            int n = last.copy(data, off, len);
            off += n;
            len -= n;
            msg.mlen += n;
        }
    }

    /** Appends {@code len} bytes that start at absolute {@code from} in {@code m} and may continue in its chain. */
    void appendFrom(Msg dst, Mbuf m, int from, int len) {
        while (len > 0) {
            int n = Math.min(len, m.last() - from);
            while (n > 0) {
                Mbuf last = dst.mhdr.last();
                if (last == null || last.full()) {
                    last = mbufPool.get();
                    dst.mhdr.insert(last);
                }
                int k = last.copy(m, from, n);
                from += k;
                n -= k;
                len -= k;
                dst.mlen += k;
            }
            m = m.next();
            if (m == null) {
                return;
            }
            from = m.pos();
        }
    }

    /**
     * A fragment is done (answered or failed). When it is the last of its request, the request is coalesced
     * and becomes done (req_done with nfrag_done == nfrag).
     */
    void fragDone(Msg sub) {
        Msg owner = sub.fragOwner;
        if (owner == null) {
            return;
        }
        owner.nfragDone++;
        if (sub.error) {
            owner.ferror = true;
            if (owner.err == 0) {
                owner.err = sub.err;
            }
        }
        if (owner.nfragDone < owner.nfrag) {
            return;
        }
        ClientConn c = (ClientConn) owner.owner;
        if (owner.ferror) {
            owner.error = true;
        } else {
            Msg rsp = msgGet(c, false);
            owner.peer = rsp;
            rsp.peer = owner;
            if (!c.proto.coalesce(owner, rsp, c)) {
                owner.peer = null;
                rsp.peer = null;
                rspPut(rsp);
                owner.error = true;
                owner.err = NcErrno.EINVAL;
            } else {
                c.charge(owner, footprint(rsp));
            }
        }
        owner.done = true;
        if (owner.noreply) {
            reqPut(owner);
            return;
        }
        if (ClientConn.reqDone(c.omsgQ.first())) {
            evb.addOut(c.reg);
        }
    }

    // connections (conn_get / conn_put)

    ClientConn clientConnGet(ServerPool pool) {
        ClientConn c = freeClient;
        if (c != null) {
            freeClient = c.freeNext;
            c.freeNext = null;
            nfreeClient--;
        } else {
            c = new ClientConn(this);
        }
        c.resetConn();
        link(c);
        c.pool = pool;
        c.proto = pool.proto;
        ncurrConn++;
        ntotalConn++;
        return c;
    }

    void clientConnPut(ClientConn c) {
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

    ServerConn serverConnGet(Server s) {
        ServerConn c = freeServer;
        if (c != null) {
            freeServer = c.freeNext;
            c.freeNext = null;
            nfreeServer--;
        } else {
            c = new ServerConn(this);
        }
        c.resetConn();
        link(c);
        c.server = s;
        c.proto = s.owner.proto;
        ncurrConn++;
        ntotalConn++;
        return c;
    }

    void serverConnPut(ServerConn c) {
        c.closed = true;
        unlink(c);
        ncurrConn--;
        c.server = null;
        if (nfreeServer < MAX_FREE_CONN) {
            c.freeNext = freeServer;
            freeServer = c;
            nfreeServer++;
        }
    }

    /** Mirrors core_close(). */
    void close(Conn c) {
        if (c.closed) {
            return;
        }
        if (Log.enabled(Log.LOG_INFO)) {
            Log.info("close " + c.typeChar() + " eof " + c.eof + " done " + c.done + " rb " + c.recvBytes
                    + " sb " + c.sendBytes + (c.err != 0 ? ": " + NcErrno.strerror(c.err) : ""));
        }
        c.close();
    }

    /** Mirrors core_timeout() for one expired request: its server connection is closed with ETIMEDOUT. */
    private void onTimeout(Timer t) {
        Msg msg = (Msg) t.data;
        if (msg.error || msg.done) {
            return;
        }
        ServerConn c = msg.tmoConn;
        if (c == null || c.closed) {
            return;
        }
        if (Log.enabled(Log.LOG_INFO)) {
            Log.info("req " + msg.id + " on s timed out");
        }
        c.err = NcErrno.ETIMEDOUT;
        close(c);
    }

    /**
     * The server index for a request's keys (server_pool_idx): the first key decides; a request whose other
     * keys map elsewhere gets {@link #IDX_CROSS}. -1 when no server is live.
     */
    int serverIndex(ServerPool pool, Msg msg) {
        int n = msg.nkeys;
        if (pool.servers.length == 1) {
            return 0;
        }
        if (n == 0) {
            // keyless commands (COMMAND, LOLWUT) go where the key "placeholder" goes
            return pool.index(PLACEHOLDER, PLACEHOLDER.length);
        }
        int step = msg.keyStep;
        int idx = keyIndex(pool, msg, 0);
        for (int i = step; i < n; i += step) {
            if (keyIndex(pool, msg, i) != idx) {
                return IDX_CROSS;
            }
        }
        return idx;
    }

    /** Server index of key entry {@code i} of {@code msg}. */
    int keyIndex(ServerPool pool, Msg msg, int i) {
        if (pool.servers.length == 1) {
            return 0;
        }
        int len = msg.keyLen[i];
        byte[] k = keyScratch;
        if (len > k.length) {
            k = new byte[len]; // an unusually long key: not kept
        }
        msg.copyKey(i, k);
        return pool.index(k, len);
    }

    private Conn live;             // every open client and server connection (for shutdown)

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

    /** Closes every listener and connection (shutdown). */
    void closeAll() {
        while (live != null) {
            Conn c = live;
            close(c);
            if (live == c) {
                unlink(c); // close() did not unlink: never loop forever
            }
        }
        for (int i = 0; i < proxies.length; i++) {
            if (proxies[i] != null) {
                proxies[i].close();
            }
        }
    }
}
