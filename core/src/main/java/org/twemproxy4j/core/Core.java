package org.twemproxy4j.core;

import jakarta.inject.Inject;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.Map;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
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
    private volatile boolean stopped;
    private boolean started;
    private boolean closed;

    @Inject
    public Core(Instance instance, Conf conf, Map<String, Proto> protos, Stats stats) throws IOException {
        this.instance = instance;
        this.ctx = new Context(conf, protos, instance.mbufChunkSize);
        this.maxTimeout = instance.statsInterval > 0 ? instance.statsInterval : -1;
        this.statsBridge = StatsBridge.create(ctx, stats);
        ctx.statsBridge = statsBridge;
    }

    /** Without an injector (tests, harnesses): stats of its own, fed by the loop but served by nobody. */
    public Core(Instance instance, Conf conf, Map<String, Proto> protos) throws IOException {
        this(instance, conf, protos, new Stats(StatsBridge.layout(conf), instance.hostname));
    }

    /**
     * Sets the per-client limit (twemproxy4j's {@code --client-max-pending}; default 64 MiB, or the system
     * property {@code twemproxy4j.clientMaxPending}). A client's pending bytes are the mbufs held by its
     * requests still owed a reply and by the replies not yet written to it. Over {@code bytes}, or with more
     * than {@code max(64, bytes / 32768)} requests owed a reply, the client is not read (backpressure) until
     * both fall to half. Over four times {@code bytes} while owed more than one reply, it is closed (a warning
     * is logged, client_err counts it). {@code bytes <= 0} turns both limits off. Call before {@link #start()}.
     */
    public void clientMaxPending(long bytes) {
        ctx.clientMaxPending(bytes);
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
            preconnect(ctx.pools[i]);
        }
    }

    /** Mirrors server_pool_preconnect(): one connection per server; failures are logged and ignored. */
    private void preconnect(ServerPool p) {
        if (!p.conf.preconnect()) {
            return;
        }
        for (int i = 0; i < p.servers.length; i++) {
            Server s = p.servers[i];
            ServerConn c = s.conn(ctx);
            int e = c.connect();
            if (e != 0) {
                c.err = e;
                ctx.close(c);
            }
        }
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
        return ctx.ncurrConn;
    }

    /** Messages handed out and not yet freed; loop thread only (leak checks in tests). */
    public int nusedMsg() {
        return ctx.nusedMsg();
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
