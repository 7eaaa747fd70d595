package org.twemproxy4j.core;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.twemproxy4j.core.conf.ConfPool;

/**
 * The liveness of one pool definition shared by every worker (event loop) of the process: each server's
 * consecutive failures and retry deadline ({@code failure_count} and {@code next_retry} of nutcracker's
 * {@code struct server}), counted over all workers, so that the workers eject a server together and re-admit it
 * together, and every worker sends a key to the same server at any instant, as one nutcracker would.
 *
 * <p>Publication: a worker that ejects a server writes its deadline, then bumps {@link #version()} (one volatile
 * write) and wakes the other workers. Every worker reads the version once per loop turn per pool (one volatile
 * read) and, when it moved, rebuilds its own placement from the shared deadlines ({@link ServerPool#resync}).
 * Re-admission needs no publication: each worker's {@link ServerPool#update} compares the loop clock with the
 * same shared deadlines (the loop clocks are one {@code System.nanoTime()}).
 *
 * <p>No lock: failures are counted with compare-and-set, on the failure path only (a closed or timed-out server
 * connection, an error reply); the request path reads plain worker-local arrays.
 *
 * <p>A pool definition's health is created once ({@link Registry#of}) and handed to each worker's
 * {@link ServerPool} for that definition; a reload that changes a pool starts it afresh (its ejection state
 * reset, as a fresh nutcracker would start). Thread-safe.
 */
final class PoolHealth {
    private final AtomicIntegerArray failures;   // consecutive failures per server (failure_count)
    private final AtomicLongArray nextRetry;     // when an ejected server may come back (ms, loop clock; 0 none)
    private final AtomicInteger version = new AtomicInteger(); // bumped at every ejection
    final AtomicInteger clients;                 // client connections of the pool over all workers
    private volatile Runnable onChange = () -> { };
    // sentinel pools only (null otherwise): each server's current master address, published by the worker that
    // runs the pool's Sentinel watcher, and how many times it changed; a move bumps the version as an ejection does
    final AtomicReferenceArray<InetSocketAddress> addrs;
    final AtomicLongArray addrChanges;

    PoolHealth(int nservers, AtomicInteger clients) {
        this(nservers, clients, false);
    }

    PoolHealth(int nservers, AtomicInteger clients, boolean sentinels) {
        this.failures = new AtomicIntegerArray(nservers);
        this.nextRetry = new AtomicLongArray(nservers);
        this.clients = clients;
        this.addrs = sentinels ? new AtomicReferenceArray<>(nservers) : null;
        this.addrChanges = sentinels ? new AtomicLongArray(nservers) : null;
    }

    /**
     * Sentinel: {@code server}'s master is now at {@code a}. Publishes the address, counts the change, resets the
     * server's ejection state, bumps the version and wakes every worker, which moves its connections
     * ({@link ServerPool#resync}). Returns false when {@code a} is already the address.
     */
    boolean move(int server, InetSocketAddress a, boolean count) {
        InetSocketAddress old = addrs.get(server);
        if (a.equals(old)) {
            return false;
        }
        addrs.set(server, a);
        if (count) {
            addrChanges.incrementAndGet(server);
        }
        failures.set(server, 0);
        nextRetry.set(server, 0);
        version.incrementAndGet();
        onChange.run();
        return true;
    }

    /** Sentinel: {@code server}'s current master address, or null (not yet known; not a sentinel pool). */
    InetSocketAddress address(int server) {
        return addrs == null ? null : addrs.get(server);
    }

    /** A health of its own (one worker, tests). */
    static PoolHealth single(int nservers) {
        return new PoolHealth(nservers, new AtomicInteger());
    }

    /** One volatile read: changes when a server was ejected. */
    int version() {
        return version.get();
    }

    int failures(int server) {
        return failures.get(server);
    }

    long nextRetry(int server) {
        return nextRetry.get(server);
    }

    /**
     * Mirrors the counting half of server_failure(): one more consecutive failure of {@code server}; true when it
     * reaches {@code limit}, in which case the count restarts at 0 and the caller ejects the server with
     * {@link #eject}. Exactly one of several concurrent callers sees true for one crossing of the limit.
     */
    boolean failure(int server, int limit) {
        for (;;) {
            int c = failures.get(server);
            int n = c + 1;
            if (n < limit) {
                if (failures.compareAndSet(server, c, n)) {
                    return false;
                }
            } else if (failures.compareAndSet(server, c, 0)) {
                return true;
            }
        }
    }

    /** Ejects {@code server} until {@code retryAt}; returns the new version. */
    int eject(int server, long retryAt) {
        nextRetry.set(server, retryAt);
        int v = version.incrementAndGet();
        onChange.run();
        return v;
    }

    /** Mirrors server_ok(): a good response resets the failure count (and the retry time, as nutcracker). */
    void ok(int server) {
        if (failures.get(server) != 0) {
            failures.set(server, 0);
            nextRetry.set(server, 0);
        }
    }

    /** What to run after an ejection (the workers' wakeup); set once by the owner of the workers. */
    void onChange(Runnable r) {
        onChange = r;
    }

    /**
     * The healths of one process, one per pool definition, shared by its workers, and the per-pool-name client
     * counts that enforce {@code client_connections} over all workers (by name, so a client keeps counting
     * against its pool whatever definition a reload gives it). Thread-safe; used at start and reload only.
     */
    static final class Registry {
        private final Map<String, PoolHealth> byName = new HashMap<>();
        private final Map<String, ConfPool> definition = new HashMap<>();
        private final Map<String, AtomicInteger> clients = new HashMap<>();
        private volatile Runnable onChange = () -> { };

        /**
         * The health of definition {@code cp}: the one already created for this very definition (the same
         * {@link ConfPool} object, handed to every worker by one start or one reload), else a fresh one.
         */
        synchronized PoolHealth of(ConfPool cp) {
            PoolHealth h = byName.get(cp.name());
            if (h != null && definition.get(cp.name()) == cp) {
                return h;
            }
            AtomicInteger n = clients.computeIfAbsent(cp.name(), k -> new AtomicInteger());
            h = new PoolHealth(cp.servers().size(), n, !cp.sentinels().isEmpty());
            h.onChange(() -> onChange.run());
            byName.put(cp.name(), h);
            definition.put(cp.name(), cp);
            return h;
        }

        /**
         * Sentinel pools (stats, any thread): server {@code server} of pool {@code pool}'s current address as
         * {@code host:port} and its number of changes, or null for a pool without sentinels.
         */
        synchronized org.twemproxy4j.stats.StatsAddresses.Entry address(String pool, String server) {
            PoolHealth h = byName.get(pool);
            ConfPool cp = definition.get(pool);
            if (h == null || h.addrs == null) {
                return null;
            }
            for (int i = 0; i < cp.servers().size(); i++) {
                if (cp.servers().get(i).name().equals(server)) {
                    InetSocketAddress a = h.addrs.get(i);
                    String hp = a != null ? a.getHostString() + ":" + a.getPort()
                            : cp.servers().get(i).host() + ":" + cp.servers().get(i).port();
                    return new org.twemproxy4j.stats.StatsAddresses.Entry(hp, h.addrChanges.get(i));
                }
            }
            return null;
        }

        /** What every pool's ejection runs (waking every worker). */
        void onChange(Runnable r) {
            onChange = r;
        }
    }
}
