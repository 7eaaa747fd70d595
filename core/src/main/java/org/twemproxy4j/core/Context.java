package org.twemproxy4j.core;

import java.nio.ByteBuffer;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.msg.MsgOwner;
import org.twemproxy4j.core.msg.MsgPool;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.core.util.NcErrno;
import org.twemproxy4j.event.EventBase;
import org.twemproxy4j.event.Timer;
import org.twemproxy4j.mbuf.MbufPool;

/**
 * Mirrors {@code struct context} (nc_core.h) and nc_core.c's core_close()/core_timeout(): the state one
 * event-loop thread owns. Everything is handed in (the event base, the mbuf pool, the settings, the stats sink),
 * nothing is static, so several contexts (cores) run side by side in one process. The free lists live in their
 * counterparts' homes: messages in {@link MsgPool} (nc_message.c), connections in {@link ConnPool}
 * (nc_connection.c), mbufs in {@link MbufPool} (nc_mbuf.c).
 *
 * <p>The pools and their listeners are replaceable (configuration reload swaps them on the loop thread).
 * Event-loop confined.
 */
final class Context {
    static final int NC_IOV_MAX = 1024;          // iovecs per gathering write (Linux IOV_MAX)
    static final long SEND_LIMIT = Integer.MAX_VALUE; // bytes per gathering write
    static final int FLAG_AUTH = 1;              // a swallowed AUTH
    static final int FLAG_SELECT = 2;            // a swallowed SELECT

    final EventBase evb;
    final MbufPool mbufPool;
    final MsgPool msgPool;
    final ConnPool conns;
    final CoreSettings settings;
    final StatsSink stats;
    int worker;                                  // this loop's index among the process's workers (0 first)
    boolean reusePort;                           // SO_REUSEPORT on every TCP listener (several workers)
    Handoff handoff;                             // where unix-socket clients go (several workers), or null
    ServerPool[] pools = new ServerPool[0];      // the configuration's pools, in order
    ProxyConn[] proxies = new ProxyConn[0];      // their listeners, by pool index

    final ByteBuffer[] iov = new ByteBuffer[NC_IOV_MAX]; // gathering write, reused
    final ByteBuffer[] riov = new ByteBuffer[2];           // scattering read (Conn.bigReads), reused
    long nspillReads;                                      // reads that reached the spare chunk
    final Msg[] sendq = new Msg[NC_IOV_MAX];              // messages of one gathering write
    int[] keyServer = new int[64];               // per key group: its server (fragmenting)
    int[] groupScratch = new int[64];            // key groups of one fragment
    int[] groupOrder = new int[64];              // key groups bucketed by server
    int[] serverCount = new int[16];             // per server: its key groups
    int[] serverStart = new int[16];             // per server: where its key groups start in groupOrder
    int[] serverFrag = new int[16];              // per server: its fragment number, or -1

    Context(EventBase evb, MbufPool mbufPool, CoreSettings settings, StatsSink stats) {
        this.evb = evb;
        this.mbufPool = mbufPool;
        this.settings = settings;
        this.stats = stats;
        this.msgPool = new MsgPool(evb, mbufPool, this::onTimeout);
        this.conns = new ConnPool(this);
    }

    /**
     * The loop clock in milliseconds: the event base's, read once per wakeup before the first handler runs
     * (nutcracker reads the time at every call; one read per turn is as fresh for timeouts and retries).
     */
    long now() {
        return evb.now();
    }

    /** The loop clock in nanoseconds: the same reading as {@link #now()} (for request latency). */
    long nanos() {
        return evb.nowNanos();
    }

    /** Mirrors msg_get(). */
    Msg msgGet(MsgOwner owner, boolean request) {
        return msgPool.get(owner, request, request ? evb.nowNanos() : 0L);
    }

    /** Memory a message holds: its mbufs (whole chunks), at least its length. */
    long footprint(Msg m) {
        long b = (long) m.mhdr.count() * mbufPool.chunkSize();
        return b > m.mlen ? b : m.mlen;
    }

    /** Sizes the fragmenting scratch arrays for {@code ng} key groups over {@code nserver} servers. */
    void fragmentScratch(int ng, int nserver) {
        if (keyServer.length < ng) {
            int n = Math.max(ng, keyServer.length << 1);
            keyServer = new int[n];
            groupScratch = new int[n];
            groupOrder = new int[n];
        }
        if (serverCount.length < nserver) {
            int n = Math.max(nserver, serverCount.length << 1);
            serverCount = new int[n];
            serverStart = new int[n];
            serverFrag = new int[n];
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
        ServerConn c = (ServerConn) msg.tmoConn;
        if (c == null || c.closed) {
            return;
        }
        if (Log.enabled(Log.LOG_INFO)) {
            Log.info("req " + msg.id + " on s timed out");
        }
        c.err = NcErrno.ETIMEDOUT;
        close(c);
    }

    /** Hands a client accepted on a unix socket to a worker (several workers); called on the accepting loop. */
    interface Handoff {
        void handOff(ServerPool pool, java.nio.channels.SocketChannel sc);
    }

    /** True when this worker binds the listener of {@code cp}: every TCP one, a unix socket on worker 0 only. */
    boolean binds(org.twemproxy4j.core.conf.ConfPool cp) {
        return worker == 0 || !cp.listen().unix();
    }

    /** Once per loop turn: picks up ejections by other workers (one volatile read per pool). */
    void resyncHealth() {
        ServerPool[] ps = pools;
        long now = evb.now();
        for (int i = 0; i < ps.length; i++) {
            ps[i].resync(now);
            if (ps[i].cluster != null) {
                ps[i].cluster.start(this); // once: the first slot map load and the refresh timer
            }
        }
    }

    /** Open listeners (counted in the stats' connection figures, as nutcracker counts them). */
    int nlisteners() {
        int n = 0;
        ProxyConn[] ps = proxies;
        for (int i = 0; i < ps.length; i++) {
            if (ps[i] != null) {
                n++;
            }
        }
        return n;
    }

    /** Closes every listener and connection (shutdown). */
    void closeAll() {
        for (int i = 0; i < pools.length; i++) {
            Sentinel.stop(pools[i]);
        }
        conns.closeAll();
        for (int i = 0; i < proxies.length; i++) {
            if (proxies[i] != null) {
                proxies[i].close();
                proxies[i] = null;
            }
        }
    }
}
