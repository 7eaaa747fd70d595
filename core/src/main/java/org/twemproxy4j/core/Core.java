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
    private volatile Conf conf;             // the configuration being served (a reload replaces it)
    private volatile boolean stopped;
    private boolean started;
    private boolean closed;

    @Inject
    public Core(Instance instance, Conf conf, Map<String, Proto> protos, Stats stats) throws IOException {
        this.instance = instance;
        this.protos = Map.copyOf(protos);
        this.conf = conf;
        this.maxTimeout = instance.statsInterval > 0 ? instance.statsInterval : -1;
        ServerPool[] pools = pools(conf, protos);
        EventBase evb = new SelectorEventBase();
        int mbufSize = instance.mbufChunkSize;
        int maxFree = (int) Math.max(64, Math.min(65536, (64L << 20) / mbufSize)); // keep <= ~64 MiB idle
        MbufPool mbufPool = new MbufPool(mbufSize, maxFree);
        this.statsBridge = new StatsBridge(pools, stats, this::currConnections, this::totalConnections, evb::wakeup);
        this.ctx = new Context(evb, mbufPool, instance.settings, statsBridge);
        ctx.pools = pools;
        ctx.proxies = new ProxyConn[pools.length];
    }

    /** Without an injector (tests, harnesses): stats of its own, fed by the loop but served by nobody. */
    public Core(Instance instance, Conf conf, Map<String, Proto> protos) throws IOException {
        this(instance, conf, protos, new Stats(StatsBridge.layout(conf), instance.hostname));
    }

    /** The pools of {@code conf}, in order, each with its protocol. */
    private static ServerPool[] pools(Conf conf, Map<String, Proto> protos) throws IOException {
        List<ConfPool> cps = conf.pools();
        ServerPool[] pools = new ServerPool[cps.size()];
        for (int i = 0; i < pools.length; i++) {
            ConfPool cp = cps.get(i);
            String pname = cp.redis() ? "redis" : "memcache";
            Proto proto = protos.get(pname);
            if (proto == null) {
                throw new IOException("pool '" + cp.name() + "': no " + pname + " protocol available");
            }
            pools[i] = new ServerPool(i, cp, proto);
        }
        return pools;
    }

    private long currConnections() {
        return ctx.conns.ncurrConn + ctx.nlisteners();
    }

    private long totalConnections() {
        return ctx.conns.ntotalConn + ctx.nlisteners();
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
     * why nothing changed. Reloads must not overlap (the caller serializes them).
     */
    public String reload(Conf next, long timeoutMs) {
        ConfDiff diff = ConfDiff.of(conf, next);
        if (diff.empty()) {
            conf = next;
            return null;
        }
        java.util.concurrent.CompletableFuture<Reload.Result> done = new java.util.concurrent.CompletableFuture<>();
        execute(() -> {
            try {
                done.complete(Reload.apply(ctx, statsBridge, diff, protos));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        Reload.Result r;
        try {
            r = done.get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return "the event loop did not apply it within " + timeoutMs + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (java.util.concurrent.ExecutionException e) {
            return "failed to apply: " + e.getCause();
        }
        if (!r.ok) {
            return r.reason;
        }
        conf = next;
        return null;
    }

    /** Runs the event loop on the calling thread until {@link #stop()}. */
    public void loop() {
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
