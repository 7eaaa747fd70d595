package org.twemproxy4j.core;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.stats.Stats;
import org.twemproxy4j.stats.StatsSlot;

/**
 * The workers of one process ({@code --workers=N}, beyond nutcracker's one loop): N {@link Core}s, each a
 * complete single-threaded event loop with its own selector, context, free lists, mbuf pool, client connections
 * and server connections. Nothing on the request path is shared. What is shared, per process:
 * <ul>
 *   <li>the {@link Stats}: worker 0 feeds its first slot, every other worker a slot of its own, and the stats
 *   merge them by pool and server name (one stats port, one JSON);</li>
 *   <li>one {@link PoolHealth} per pool definition: failures counted over all workers, ejection and re-admission
 *   seen by all together, and the pool's client count that {@code client_connections} limits;</li>
 *   <li>the listening address: each worker binds its own TCP listener with SO_REUSEPORT and the kernel spreads
 *   the connections; a unix socket is bound by worker 0, which hands its clients round-robin to every worker
 *   through the receiving loop's task queue ({@link Core#execute}).</li>
 * </ul>
 * One client connection lives on one worker for its whole life; a backend sees N × {@code server_connections}
 * connections per pool.
 *
 * <p>With one worker, the loop runs on the calling thread ({@link #loop()}), exactly as a single core.
 * Otherwise each worker runs on a thread of its own, {@code twemproxy4j-worker-i}, and {@link #loop()} waits for
 * them. {@link #stop()} is thread-safe; {@link #close()} closes every core once the loops have returned.
 */
public final class Workers implements AutoCloseable {
    private final List<Core> cores;
    private final Stats stats;
    private Thread[] threads = new Thread[0];
    private volatile boolean stopped;

    private Workers(List<Core> cores, Stats stats) {
        this.cores = List.copyOf(cores);
        this.stats = stats;
    }

    /**
     * Builds {@code instance.settings.workers()} cores serving {@code conf}, sharing {@code stats} (one slot each)
     * and one {@link PoolHealth.Registry}.
     */
    public static Workers create(Instance instance, Conf conf, Map<String, Proto> protos, Stats stats)
            throws IOException {
        int n = instance.settings.workers();
        PoolHealth.Registry healths = new PoolHealth.Registry();
        List<Core> cores = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                StatsSlot slot = i == 0 ? stats.slot() : stats.addSlot(StatsBridge.layout(conf));
                cores.add(new Core(instance, conf, protos, stats, slot, i, healths));
            }
        } catch (IOException | RuntimeException e) {
            for (Core c : cores) {
                c.close();
            }
            throw e;
        }
        Workers w = new Workers(cores, stats);
        if (n > 1) {
            healths.onChange(w::wakeAll);
            cores.get(0).handoff(w.new RoundRobin());
        }
        return w;
    }

    /** The cores, worker 0 first. */
    public List<Core> cores() {
        return cores;
    }

    /** The stats every worker feeds. */
    public Stats stats() {
        return stats;
    }

    public int size() {
        return cores.size();
    }

    /** Binds every worker's listeners (worker 0 first); on a failure closes what was bound and throws. */
    public void start() throws IOException {
        for (int i = 0; i < cores.size(); i++) {
            try {
                cores.get(i).start();
            } catch (IOException e) {
                for (int k = 0; k < i; k++) {
                    cores.get(k).close();
                }
                throw e;
            }
        }
        if (cores.size() > 1 && Log.enabled(Log.LOG_NOTICE)) {
            Log.notice("running " + cores.size() + " workers");
        }
    }

    /** Runs the loops until {@link #stop()}: on the calling thread with one worker, else one thread each. */
    public void loop() {
        if (cores.size() == 1) {
            cores.get(0).loop();
            return;
        }
        Thread[] ts = new Thread[cores.size()];
        for (int i = 0; i < ts.length; i++) {
            Core c = cores.get(i);
            ts[i] = new Thread(c::loop, "twemproxy4j-worker-" + i);
        }
        threads = ts;
        for (Thread t : ts) {
            t.start();
        }
        if (stopped) {
            stop();
        }
        for (Thread t : ts) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Thread-safe: asks every loop to finish. */
    public void stop() {
        stopped = true;
        for (Core c : cores) {
            c.stop();
        }
    }

    private void wakeAll() {
        for (Core c : cores) {
            c.wakeup();
        }
    }

    /** Closes every core's connections and listeners; after {@link #loop()} returned. */
    @Override
    public void close() {
        stop();
        for (Core c : cores) {
            c.close();
        }
    }

    /** Worker 0's unix-socket clients, to every worker in turn (worker 0's own loop calls it). */
    private final class RoundRobin implements Context.Handoff {
        private int next;

        @Override
        public void handOff(ServerPool pool, SocketChannel sc) {
            int i = next;
            next = i + 1 == cores.size() ? 0 : i + 1;
            if (i == 0) {
                cores.get(0).adoptOnLoop(pool.name, sc, pool.health.clients);
            } else {
                cores.get(i).adoptClient(pool.name, sc, pool.health.clients);
            }
        }
    }
}
