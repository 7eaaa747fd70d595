package org.twemproxy4j.core;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.twemproxy4j.core.conf.ConfSentinel;
import org.twemproxy4j.core.util.Log;

/**
 * The sentinel watcher of one redis pool with {@code sentinels:} (twemproxy4j; nutcracker has no counterpart):
 * learns from redis sentinel where each server's master is and publishes it in the pool's {@link PoolHealth},
 * from where every worker moves its connections at its next loop turn ({@link ServerPool#resync}). Each server's
 * name is its sentinel master name. One watcher per pool definition and process, on worker 0's loop; a reload
 * that changes the pool stops it and starts another for the new definition.
 *
 * <p>Each configured sentinel gets a {@link SentinelConn}, which on every (re)connection asks for every master's
 * address and then subscribes to {@code +switch-master}.
 *
 * <p>When sentinels disagree:
 * <ul>
 *   <li>a {@code +switch-master} announcement wins at once: the latest announcement is followed, and the
 *   earlier answers of the other sentinels for that master are forgotten (they predate the switch);</li>
 *   <li>answers to {@code GET-MASTER-ADDR-BY-NAME} (at start, after a reconnection) are counted per master over
 *   the sentinels that are connected and answered since: the address most of them report is followed; on a tie
 *   the address in use stays, unless none of the tied addresses is in use, then the latest answer wins;</li>
 *   <li>a sentinel whose connection closes no longer counts; when none is reachable the last known addresses
 *   stay in use (and that is logged).</li>
 * </ul>
 * Event-loop confined (worker 0).
 */
final class Sentinel {
    private final Context ctx;
    private final ServerPool pool;
    final String[] masters;                      // server names, in the pool's server order
    final SentinelConn[] conns;
    private final InetSocketAddress[][] answers; // [sentinel][master]: its latest word, null when none
    private boolean allDownLogged;
    private boolean stopped;

    Sentinel(Context ctx, ServerPool pool) {
        this.ctx = ctx;
        this.pool = pool;
        Server[] ss = pool.servers;
        this.masters = new String[ss.length];
        for (int i = 0; i < ss.length; i++) {
            masters[i] = ss[i].name;
        }
        List<ConfSentinel> cs = pool.conf.sentinels();
        this.conns = new SentinelConn[cs.size()];
        this.answers = new InetSocketAddress[cs.size()][ss.length];
        for (int i = 0; i < conns.length; i++) {
            conns[i] = new SentinelConn(ctx, this, i, cs.get(i));
        }
    }

    /** Starts the watcher of {@code p} when it has sentinels and this is worker 0. */
    static void start(Context ctx, ServerPool p) {
        if (ctx.worker != 0 || p.conf.sentinels().isEmpty() || p.sentinel != null) {
            return;
        }
        p.sentinel = new Sentinel(ctx, p);
        p.sentinel.start();
    }

    /** Stops the watcher of {@code p}, if it has one. */
    static void stop(ServerPool p) {
        if (p.sentinel != null) {
            p.sentinel.stop();
            p.sentinel = null;
        }
    }

    /**
     * A reload replaces {@code o} by {@code np} (both with sentinels): the masters that keep their name keep the
     * address sentinel gave them and their count of changes, so the new definition does not fall back to the
     * configured addresses while its own watcher asks again.
     */
    static void carryOver(ServerPool o, ServerPool np) {
        if (o.health.addrs == null || np.health.addrs == null) {
            return;
        }
        for (int i = 0; i < np.servers.length; i++) {
            Server os = o.server(np.servers[i].name);
            if (os == null) {
                continue;
            }
            InetSocketAddress a = o.health.address(os.idx);
            if (a != null) {
                if (np.health.addrChanges.get(i) == 0) {
                    np.health.addrChanges.set(i, o.health.addrChanges.get(os.idx));
                }
                np.health.move(i, a, false);
                np.servers[i].moveTo(a); // no connection yet: only where the next ones go
            }
        }
    }

    private static final byte[] READONLY = "-READONLY".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * A {@code -READONLY} reply: the server was demoted to a replica (its master moved and this connection
     * still reaches the old one). In a sentinel pool it is a failure of the server: its connection closes, the
     * requests in flight get an error, and the next connection goes to the current master address.
     */
    static boolean readonly(org.twemproxy4j.core.msg.Msg msg) {
        org.twemproxy4j.mbuf.Mbuf m = msg.mhdr.first();
        if (m == null) {
            return false;
        }
        int p = m.pos();
        if (m.length() < READONLY.length || m.getByte(p) != '-') {
            return false;
        }
        for (int i = 1; i < READONLY.length; i++) {
            if (m.getByte(p + i) != READONLY[i]) {
                return false;
            }
        }
        return true;
    }

    String poolName() {
        return pool.name;
    }

    void start() {
        for (int i = 0; i < conns.length; i++) {
            conns[i].connect();
        }
    }

    void stop() {
        stopped = true;
        for (int i = 0; i < conns.length; i++) {
            conns[i].stop();
        }
    }

    /** The address master {@code m} is reached at now: the published one, else the configured one. */
    private InetSocketAddress current(int m) {
        InetSocketAddress a = pool.health.address(m);
        if (a != null) {
            return a;
        }
        SocketAddress c = pool.servers[m].address();
        return c instanceof InetSocketAddress ? (InetSocketAddress) c : null;
    }

    /** Sentinel {@code c} answered GET-MASTER-ADDR-BY-NAME for master {@code m} ({@code a} null: no answer). */
    void onAnswer(SentinelConn c, int m, InetSocketAddress a) {
        if (stopped) {
            return;
        }
        answers[c.idx][m] = a;
        if (a == null) {
            return;
        }
        InetSocketAddress cur = current(m);
        int best = 0;
        int curVotes = 0;
        InetSocketAddress winner = null;
        for (int s = 0; s < answers.length; s++) {
            InetSocketAddress x = answers[s][m];
            if (x == null) {
                continue;
            }
            int v = 0;
            for (int t = 0; t < answers.length; t++) {
                if (x.equals(answers[t][m])) {
                    v++;
                }
            }
            if (x.equals(cur)) {
                curVotes = v;
            }
            if (v > best || v == best && x.equals(a)) {
                best = v;
                winner = x;
            }
        }
        if (curVotes == best || winner == null) {
            return; // the address in use has as many votes as any other
        }
        publish(m, winner, "sentinels' answers (" + best + " of " + conns.length + ")", c);
    }

    /** Sentinel {@code c} announced {@code +switch-master}: {@code name} is now at {@code a}. */
    void onSwitch(SentinelConn c, String name, InetSocketAddress a) {
        if (stopped) {
            return;
        }
        int m = -1;
        for (int i = 0; i < masters.length; i++) {
            if (masters[i].equals(name)) {
                m = i;
                break;
            }
        }
        if (m < 0) {
            return; // a master of another pool watched by the same sentinels
        }
        for (int s = 0; s < answers.length; s++) {
            answers[s][m] = null; // older than the switch
        }
        answers[c.idx][m] = a;
        publish(m, a, "+switch-master", c);
    }

    private void publish(int m, InetSocketAddress a, String why, SentinelConn c) {
        InetSocketAddress cur = current(m);
        boolean change = !a.equals(cur);
        if (!pool.health.move(m, a, change) || !change) {
            return;
        }
        if (Log.enabled(Log.LOG_NOTICE)) {
            Log.notice("pool '" + pool.name + "': master '" + masters[m] + "' moved from "
                    + (cur != null ? cur.getHostString() + ":" + cur.getPort() : "?") + " to "
                    + a.getHostString() + ":" + a.getPort() + " (" + why + " from sentinel " + c.conf.pname() + ")");
        }
    }

    void onSubscribed(SentinelConn c) {
        if (allDownLogged && Log.enabled(Log.LOG_NOTICE)) {
            Log.notice("pool '" + pool.name + "': sentinel " + c.conf.pname() + " reachable again");
        }
        allDownLogged = false;
    }

    void onClosed(SentinelConn c) {
        for (int m = 0; m < masters.length; m++) {
            answers[c.idx][m] = null; // a sentinel we cannot hear does not vote
        }
        for (int i = 0; i < conns.length; i++) {
            if (conns[i].subscribed) {
                return;
            }
        }
        if (!allDownLogged) {
            allDownLogged = true;
            Log.warn("pool '" + pool.name + "': no sentinel reachable; keeping the last known master addresses");
        }
    }
}
