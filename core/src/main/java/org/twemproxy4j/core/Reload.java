package org.twemproxy4j.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfDiff;
import org.twemproxy4j.core.conf.ConfPool;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.event.Timer;

/**
 * Configuration reload, applied on the event loop (beyond nutcracker, which must be restarted). The file was
 * read, validated and compared ({@link ConfDiff}) off the loop; this step swaps the pools in one loop turn, all
 * or nothing. With several workers each step runs on every worker's loop: first {@link #prepare} on all of them,
 * then {@link #commit} on all when every one prepared, else {@link #abort} on those that did ({@code Reloader}):
 * <ol>
 *   <li>build the new definition of every added or changed pool and bind the listeners that are new (an added
 *   pool, a moved {@code listen}); if one cannot be bound, close those just bound and change nothing;</li>
 *   <li>commit: unchanged pools are kept as they are (listener, clients, server connections, counters);
 *   a changed pool's clients, listener (when {@code listen} is the same) and counters move to its new definition,
 *   and each server that keeps its name, address and connection settings hands over its open connections;
 *   every other connection of the old definition is retired (closed once its requests in flight are answered);
 *   a removed pool's listener closes at once and its clients are drained: they get the replies owed, then
 *   close, or are closed after {@link #DRAIN_MS};</li>
 *   <li>the stats take the new layout.</li>
 * </ol>
 * A changed pool starts with every server live (its ejection state is reset), and its placement is computed
 * from the new definition exactly as at start. Event-loop confined (static methods on the caller's context).
 */
final class Reload {
    /** Grace period for the clients of a removed pool to receive the replies they are owed, then close. */
    static final long DRAIN_MS = 10_000;

    private Reload() {
    }

    /** The outcome of one reload on one core. */
    static final class Result {
        final boolean ok;
        final String reason;       // why it failed, or what changed

        Result(boolean ok, String reason) {
            this.ok = ok;
            this.reason = reason;
        }
    }

    /**
     * What {@link #prepare} built on one core: the new pools and their listeners, bound but not accepting. Nothing
     * is visible until {@link #commit}; {@link #abort} undoes it.
     */
    static final class Prepared {
        final ConfDiff diff;
        final ServerPool[] next;
        final ProxyConn[] nextProxies;
        final List<ProxyConn> bound;

        Prepared(ConfDiff diff, ServerPool[] next, ProxyConn[] nextProxies, List<ProxyConn> bound) {
            this.diff = diff;
            this.next = next;
            this.nextProxies = nextProxies;
            this.bound = bound;
        }
    }

    /** Applies {@code diff} to the core's pools (prepare, then commit); returns what happened. */
    static Result apply(Context ctx, StatsBridge bridge, ConfDiff diff, Map<String, Proto> protos,
            PoolHealth.Registry healths) {
        Object p = prepare(ctx, diff, protos, healths);
        if (p instanceof Result) {
            return (Result) p;
        }
        return commit(ctx, bridge, (Prepared) p);
    }

    /**
     * Step 1: builds the new definition of every added or changed pool and binds the listeners this worker needs
     * that are new (an added pool, a moved {@code listen}), not yet accepting. Returns a {@link Prepared}, or a
     * failed {@link Result} after closing what it bound (nothing changed).
     */
    static Object prepare(Context ctx, ConfDiff diff, Map<String, Proto> protos, PoolHealth.Registry healths) {
        Conf to = diff.to();
        List<ConfPool> cps = to.pools();
        ServerPool[] old = ctx.pools;
        int n = cps.size();
        ServerPool[] next = new ServerPool[n];
        ProxyConn[] nextProxies = new ProxyConn[n];
        List<ProxyConn> bound = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ConfPool cp = cps.get(i);
            ServerPool o = find(old, cp.name());
            if (o != null && diff.unchanged().contains(cp.name())) {
                next[i] = o;
                nextProxies[i] = o.proxy;
                continue;
            }
            Proto proto = protos.get(cp.redis() ? "redis" : "memcache");
            if (proto == null) {
                closeAll(bound);
                return new Result(false, "pool '" + cp.name() + "': no protocol available");
            }
            ServerPool np = new ServerPool(i, cp, proto, healths.of(cp));
            next[i] = np;
            if (!ctx.binds(cp)) {
                continue; // a unix socket: worker 0 listens and hands clients over
            }
            if (o != null && o.proxy != null && sameListen(o.conf, cp)) {
                nextProxies[i] = o.proxy; // handed over at commit
                continue;
            }
            ProxyConn pc = new ProxyConn(ctx, np);
            try {
                pc.bind();
            } catch (IOException e) {
                closeAll(bound);
                return new Result(false, e.getMessage());
            }
            bound.add(pc);
            np.proxy = pc;
            nextProxies[i] = pc;
        }
        return new Prepared(diff, next, nextProxies, bound);
    }

    /** Undoes {@link #prepare}: closes the listeners it bound. */
    static void abort(Prepared p) {
        closeAll(p.bound);
    }

    /** Step 2: the new pools take over (see the class comment); the new listeners start accepting. */
    static Result commit(Context ctx, StatsBridge bridge, Prepared p) {
        ServerPool[] old = ctx.pools;
        ServerPool[] next = p.next;
        ProxyConn[] nextProxies = p.nextProxies;
        int n = next.length;
        for (int i = 0; i < n; i++) {
            ServerPool np = next[i];
            np.idx = i;
            ServerPool o = find(old, np.name);
            if (o == null || o == np) {
                continue;
            }
            replace(ctx, o, np, nextProxies[i]);
        }
        for (int i = 0; i < old.length; i++) {
            ServerPool o = old[i];
            if (find(next, o.name) != o) {
                Sentinel.stop(o); // a changed or removed pool's watcher goes with its definition
                if (o.cluster != null) {
                    o.cluster.stop(); // and its cluster map loads
                }
            }
            if (find(next, o.name) == null) {
                remove(ctx, o);
            }
        }
        ctx.pools = next;
        ctx.proxies = nextProxies;
        bridge.pools(next);
        for (int i = 0; i < p.bound.size(); i++) {
            p.bound.get(i).arm();
        }
        for (int i = 0; i < n; i++) {
            if (find(old, next[i].name) != next[i]) {
                Sentinel.start(ctx, next[i]);
                Core.preconnect(ctx, next[i]);
            }
        }
        return new Result(true, p.diff.summary());
    }

    /** A changed pool: {@code np} takes over from {@code o}. */
    private static void replace(Context ctx, ServerPool o, ServerPool np, ProxyConn proxy) {
        np.carryOn(o);
        Sentinel.carryOver(o, np);
        boolean sameConns = o.conf.redis() == np.conf.redis()
                && Objects.equals(o.conf.redisAuth(), np.conf.redisAuth())
                && o.conf.redisDb() == np.conf.redisDb();
        for (int s = 0; s < np.servers.length; s++) {
            Server ns = np.servers[s];
            Server os = o.server(ns.name);
            if (os != null) {
                ns.adopt(os, sameConns);
            }
        }
        for (int s = 0; s < o.servers.length; s++) {
            o.servers[s].retireAll();
        }
        if (proxy != null && proxy == o.proxy) {
            proxy.pool = np;
            np.proxy = proxy;
        } else if (o.proxy != null) {
            o.proxy.close(); // the new address is already bound
        }
        o.proxy = null;
        o.idx = -1;
        boolean sameProto = o.proto == np.proto;
        List<ClientConn> cs = ctx.conns.clients(o);
        for (int i = 0; i < cs.size(); i++) {
            ClientConn c = cs.get(i);
            if (sameProto) {
                c.pool = np;
            } else {
                np.ncConn--;
                np.stats[CoreStats.CLIENT_CONNECTIONS]--;
                c.drain(); // a client speaking the other protocol cannot stay
            }
        }
        if (!sameProto) {
            drainLater(ctx, o);
        }
    }

    /** A removed pool: its listener closes now, its clients drain, its server connections retire. */
    private static void remove(Context ctx, ServerPool o) {
        if (o.proxy != null) {
            o.proxy.close();
            o.proxy = null;
        }
        o.idx = -1;
        List<ClientConn> cs = ctx.conns.clients(o);
        for (int i = 0; i < cs.size(); i++) {
            cs.get(i).drain();
        }
        for (int s = 0; s < o.servers.length; s++) {
            o.servers[s].retireAll();
        }
        drainLater(ctx, o);
    }

    /** After {@link #DRAIN_MS}, closes the clients of {@code o} that are still waiting for a reply. */
    private static void drainLater(Context ctx, ServerPool o) {
        Timer t = new Timer(x -> {
            List<ClientConn> left = ctx.conns.clients(o);
            if (!left.isEmpty() && Log.enabled(Log.LOG_NOTICE)) {
                Log.notice("reload: closing " + left.size() + " clients of removed pool '" + o.name
                        + "' after " + DRAIN_MS + " ms");
            }
            for (int i = 0; i < left.size(); i++) {
                ctx.close(left.get(i));
            }
        });
        ctx.evb.addTimer(t, ctx.now() + DRAIN_MS);
    }

    private static boolean sameListen(ConfPool a, ConfPool b) {
        return a.listen().pname().equals(b.listen().pname());
    }

    private static ServerPool find(ServerPool[] ps, String name) {
        for (int i = 0; i < ps.length; i++) {
            if (ps[i].name.equals(name)) {
                return ps[i];
            }
        }
        return null;
    }

    private static void closeAll(List<ProxyConn> ps) {
        for (int i = 0; i < ps.size(); i++) {
            ps.get(i).close();
        }
    }
}
