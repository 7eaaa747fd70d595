package org.twemproxy4j.core;

import jakarta.inject.Inject;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.Map;
import java.util.List;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfDiff;
import org.twemproxy4j.core.conf.ConfPool;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.event.EventBase;
import org.twemproxy4j.event.SelectorEventBase;
import org.twemproxy4j.mbuf.MbufPool;
import org.twemproxy4j.stats.Stats;
import org.twemproxy4j.stats.StatsSlot;

/**
 * Mirrors nc_core.c: the one event-loop thread that owns every pool, connection, message and buffer of
 * one {@link Context}.
 *
 * <p>Contract used by the launcher: {@link #start()} binds every pool's listener (and preconnects),
 * {@link #loop()} runs the event loop on the calling thread until {@link #stop()} is called from any thread.
 * Tests may instead step the loop with {@link #runOnce(long)}. Several cores may live in one process: a Core
 * holds no static state.
 *
 * <p>{@link #stop()} is thread-safe; everything else must be called from the loop thread (the one that
 * calls {@link #loop()}), or before the loop starts.
 */
public class Core implements AutoCloseable {
    private final Instance instance;
    private final Context ctx;
    private final long maxTimeout;
    private final StatsBridge statsBridge;
    private final Map<String, Proto> protos;
    private final PoolHealth.Registry healths; // the pools' shared liveness and client counts (one per process)
    private Reload.Prepared prepared;       // a reload prepared and not yet committed or aborted (loop thread)
    private volatile Conf conf;             // the configuration being served (a reload replaces it)
    private volatile boolean stopped;
    private volatile Thread loopThread;     // the thread running loop(), once it runs
    private boolean started;
    private boolean closed;

    @Inject
    public Core(Instance instance, Conf conf, Map<String, Proto> protos, Stats stats) throws IOException {
        this(instance, conf, protos, stats, stats.slot(), 0, new PoolHealth.Registry());
    }

    /**
     * Worker {@code worker} of a process (see {@link Workers}): feeds {@code slot} of {@code stats} and shares the
     * pools' liveness and client counts through {@code healths} with the other workers.
     */
    Core(Instance instance, Conf conf, Map<String, Proto> protos, Stats stats, StatsSlot slot, int worker,
            PoolHealth.Registry healths) throws IOException {
        this.instance = instance;
        this.protos = Map.copyOf(protos);
        this.conf = conf;
        this.healths = healths;
        this.maxTimeout = instance.statsInterval > 0 ? instance.statsInterval : -1;
        ServerPool[] pools = pools(conf, protos, healths);
        EventBase evb = new SelectorEventBase();
        int mbufSize = instance.mbufChunkSize;
        int maxFree = (int) Math.max(64, Math.min(65536, (64L << 20) / mbufSize)); // keep <= ~64 MiB idle
        MbufPool mbufPool = new MbufPool(mbufSize, maxFree);
        this.statsBridge = new StatsBridge(pools, stats, slot, this::currConnections, this::totalConnections,
                evb::wakeup);
        this.ctx = new Context(evb, mbufPool, instance.settings, statsBridge);
        stats.addresses(healths::address); // sentinel pools' current addresses (no effect on other pools)
        ctx.worker = worker;
        ctx.reusePort = instance.settings.workers() > 1;
        ctx.pools = pools;
        ctx.proxies = new ProxyConn[pools.length];
    }

    /** Without an injector (tests, harnesses): stats of its own, fed by the loop but served by nobody. */
    public Core(Instance instance, Conf conf, Map<String, Proto> protos) throws IOException {
        this(instance, conf, protos, new Stats(StatsBridge.layout(conf), instance.hostname));
    }

    /** The pools of {@code conf}, in order, each with its protocol. */
    private static ServerPool[] pools(Conf conf, Map<String, Proto> protos, PoolHealth.Registry healths)
            throws IOException {
        List<ConfPool> cps = conf.pools();
        ServerPool[] pools = new ServerPool[cps.size()];
        for (int i = 0; i < pools.length; i++) {
            ConfPool cp = cps.get(i);
            String pname = cp.redis() ? "redis" : "memcache";
            Proto proto = protos.get(pname);
            if (proto == null) {
                throw new IOException("pool '" + cp.name() + "': no " + pname + " protocol available");
            }
            pools[i] = new ServerPool(i, cp, proto, healths.of(cp));
        }
        return pools;
    }

    /*
     * As nutcracker counts them: clients, server connections and the pools' listeners. With several workers each
     * pool's listener is counted once (by worker 0, which listens on every pool), whatever the number of
     * SO_REUSEPORT sockets behind it.
     */
    private long currConnections() {
        return ctx.conns.ncurrConn + (ctx.worker == 0 ? ctx.nlisteners() : 0);
    }

    private long totalConnections() {
        return ctx.conns.ntotalConn + (ctx.worker == 0 ? ctx.nlisteners() : 0);
    }

    /** This core's index among the process's workers (0 in a single-loop process). */
    public int worker() {
        return ctx.worker;
    }

    /** The settings this core runs with. */
    public CoreSettings settings() {
        return ctx.settings;
    }

    /** The stats this core's loop feeds (thread-safe). */
    public Stats stats() {
        return statsBridge.stats();
    }

    /** Binds listeners; throws with a one-line reason when a pool cannot listen. Mirrors core_start(). */
    public void start() throws IOException {
        if (started) {
            return;
        }
        started = true;
        try {
            for (int i = 0; i < ctx.pools.length; i++) {
                ServerPool p = ctx.pools[i];
                if (!ctx.binds(p.conf)) {
                    continue; // a unix socket: worker 0 listens and hands the clients over
                }
                ProxyConn pc = new ProxyConn(ctx, p);
                ctx.proxies[i] = pc;
                p.proxy = pc;
                pc.listen();
            }
        } catch (IOException e) {
            ctx.closeAll();
            throw e;
        }
        for (int i = 0; i < ctx.pools.length; i++) {
            Sentinel.start(ctx, ctx.pools[i]);
            preconnect(ctx, ctx.pools[i]);
        }
    }

    /** Mirrors server_pool_preconnect(): one connection per server; failures are logged and ignored. */
    static void preconnect(Context ctx, ServerPool p) {
        if (!p.conf.preconnect()) {
            return;
        }
        for (int i = 0; i < p.servers.length; i++) {
            Server s = p.servers[i];
            if (s.nconn > 0) {
                continue; // kept across a reload
            }
            ServerConn c = s.conn(ctx.conns);
            int e = c.connect();
            if (e != 0) {
                c.err = e;
                ctx.close(c);
            }
        }
    }

    /** The configuration this core serves now (thread-safe). */
    public Conf conf() {
        return conf;
    }

    /**
     * Thread-safe: applies {@code next}, an already validated configuration, on the loop thread (see
     * {@link Reload}) and waits up to {@code timeoutMs} for it. Returns null on success, else the one-line reason
     * why nothing changed. Reloads must not overlap (the caller serializes them). One core alone: prepare, then
     * commit; several workers go through {@link #prepareReload}, {@link #commitReload} and {@link #abortReload}.
     */
    public String reload(Conf next, long timeoutMs) {
        String why = prepareReload(next, timeoutMs);
        if (why != null) {
            return why;
        }
        return commitReload(timeoutMs);
    }

    /**
     * Thread-safe, step 1 of a reload: builds the new pools and binds the new listeners on the loop thread,
     * nothing visible yet. Returns null when prepared (then {@link #commitReload} or {@link #abortReload} must
     * follow), else why it failed (nothing is left to undo).
     */
    public String prepareReload(Conf next, long timeoutMs) {
        ConfDiff diff = ConfDiff.of(conf, next);
        Object r = onLoop(() -> {
            if (diff.empty()) {
                prepared = new Reload.Prepared(diff, null, null, List.of());
                return null;
            }
            Object p = Reload.prepare(ctx, diff, protos, healths);
            if (p instanceof Reload.Result) {
                return ((Reload.Result) p).reason;
            }
            prepared = (Reload.Prepared) p;
            return null;
        }, timeoutMs);
        if (r != null) {
            // the loop may still prepare after a time-out: undo it whenever that happens
            execute(this::abortOnLoop);
        }
        return (String) r;
    }

    /** Thread-safe, step 2: makes the prepared reload visible; null on success, else why. */
    public String commitReload(long timeoutMs) {
        Object r = onLoop(() -> {
            Reload.Prepared p = prepared;
            prepared = null;
            if (p == null) {
                return "nothing prepared";
            }
            if (p.next != null) {
                Reload.commit(ctx, statsBridge, p);
            }
            conf = p.diff.to();
            return null;
        }, timeoutMs);
        return (String) r;
    }

    /** Thread-safe: undoes a prepared reload (another worker failed to prepare); waits up to {@code timeoutMs}. */
    public void abortReload(long timeoutMs) {
        onLoop(() -> {
            abortOnLoop();
            return null;
        }, timeoutMs);
    }

    private void abortOnLoop() {
        Reload.Prepared p = prepared;
        prepared = null;
        if (p != null) {
            Reload.abort(p);
        }
    }

    /** Runs {@code task} on the loop thread and waits for its result (a String reason on failure). */
    private Object onLoop(java.util.function.Supplier<Object> task, long timeoutMs) {
        if (Thread.currentThread() == loopThread) {
            return task.get();
        }
        java.util.concurrent.CompletableFuture<Object> done = new java.util.concurrent.CompletableFuture<>();
        execute(() -> {
            try {
                done.complete(task.get());
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            return done.get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return "the event loop did not apply it within " + timeoutMs + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (java.util.concurrent.ExecutionException e) {
            return "failed to apply: " + e.getCause();
        }
    }

    /**
     * Thread-safe: registers {@code sc}, a client accepted on pool {@code pool}'s unix socket by worker 0 and
     * counted in {@code clients}, on this worker's loop. When the pool is gone (a reload), the client is closed.
     */
    void adoptClient(String pool, java.nio.channels.SocketChannel sc, java.util.concurrent.atomic.AtomicInteger clients) {
        execute(() -> adoptOnLoop(pool, sc, clients));
    }

    void adoptOnLoop(String pool, java.nio.channels.SocketChannel sc,
            java.util.concurrent.atomic.AtomicInteger clients) {
        ServerPool[] ps = ctx.pools;
        for (int i = 0; i < ps.length; i++) {
            if (ps[i].name.equals(pool) && ps[i].health.clients == clients) {
                ProxyConn.adopt(ctx, ps[i], sc, true);
                return;
            }
        }
        clients.decrementAndGet();
        try {
            sc.close();
        } catch (IOException e) {
            // ignored
        }
    }

    /** Sets where this worker hands the clients of its unix sockets (several workers); before {@link #start}. */
    void handoff(Context.Handoff h) {
        ctx.handoff = h;
    }

    /** Thread-safe: wakes the loop (another worker ejected a server). */
    void wakeup() {
        ctx.evb.wakeup();
    }

    /** The pools' shared liveness (for {@link Workers}). */
    PoolHealth.Registry healths() {
        return healths;
    }

    /** Runs the event loop on the calling thread until {@link #stop()}. */
    public void loop() {
        loopThread = Thread.currentThread();
        while (!stopped) {
            try {
                runOnce(maxTimeout);
            } catch (RuntimeException e) {
                Log.error("event loop: unexpected " + e);
            }
        }
    }

    /**
     * One turn of the loop (core_loop): waits up to {@code timeoutMs} (-1 forever, 0 poll; never past the
     * earliest request timeout), then handles ready connections and expired timeouts. Returns the number of
     * connection events handled.
     */
    public int runOnce(long timeoutMs) {
        ctx.resyncHealth(); // ejections by other workers: one volatile read per pool
        try {
            return ctx.evb.runOnce(timeoutMs);
        } catch (IOException e) {
            Log.error("event wait failed: " + e.getMessage());
            return 0;
        } finally {
            statsBridge.onLoop(); // stats_swap(): hands a snapshot over when the aggregator asked for one
        }
    }

    /** Thread-safe: asks the loop to finish. */
    public void stop() {
        stopped = true;
        ctx.evb.wakeup();
    }

    /**
     * Thread-safe: runs {@code task} on the loop thread at its next turn (the MPSC task queue), e.g. to read
     * loop-confined state from another thread.
     */
    public void execute(Runnable task) {
        ctx.evb.execute(task);
    }

    /** The address pool {@code i} (in configuration order) listens on; for tests that listen on port 0. */
    public SocketAddress listenAddress(int pool) throws IOException {
        return ctx.proxies[pool].localAddress();
    }

    /** Pool counters (StatsPoolField order) of pool {@code i}; loop thread only. */
    public long[] poolStats(int pool) {
        return ctx.pools[pool].stats;
    }

    /** Server counters (StatsServerField order); loop thread only. */
    public long[] serverStats(int pool, int server) {
        return ctx.pools[pool].servers[server].stats;
    }

    /** Open client and server connections; loop thread only. */
    public int ncurrConn() {
        return ctx.conns.ncurrConn;
    }

    /** Messages handed out and not yet freed; loop thread only (leak checks in tests). */
    public int nusedMsg() {
        return ctx.msgPool.nused();
    }

    /** Mbufs handed out and not yet freed; loop thread only (leak checks in tests). */
    public int nusedMbuf() {
        return ctx.mbufPool.nused();
    }

    /** Reads whose bytes reached a spare chunk (see Conn.bigReads); loop thread only (tests). */
    public long nspillReads() {
        return ctx.nspillReads;
    }

    public Instance instance() {
        return instance;
    }

    /** Closes every connection and listener and releases the buffers; call after the loop has returned. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopped = true;
        ctx.closeAll();
        ctx.evb.close();
        ctx.mbufPool.close();
    }
}
