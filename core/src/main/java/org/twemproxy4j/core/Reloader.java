package org.twemproxy4j.core;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfDiff;
import org.twemproxy4j.core.conf.ConfException;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.stats.Stats;

/**
 * Configuration reload (SIGUSR1; beyond nutcracker): rereads the {@code -c} file on a thread of its own, validates
 * it exactly as {@code -t} does, and hands the result to every core (worker), whose event loop applies it in one
 * turn ({@link Reload}): first every worker prepares, then all commit, or all abort when one could not prepare. A file that fails validation, or a listener that cannot be bound, changes nothing: one error
 * line says why (the file:line: pool: key reason of {@code -t}) and the running configuration keeps serving.
 *
 * <p>Reloads run one at a time, in the order asked; one may be asked while a previous one's removed pools are
 * still draining. The counts of successful and failed reloads are top-level figures of the stats
 * ({@code reloads}, {@code reload_failures}) and Prometheus counters.
 *
 * <p>Deviation: nutcracker has no reload; upstream's reload design re-executes the process (a new pid), this one
 * keeps the process, its pid and its clients.
 *
 * <p>Thread-safe.
 */
public final class Reloader implements AutoCloseable {
    /** How long one core's event loop may take to apply a reload before it counts as failed. */
    static final long APPLY_TIMEOUT_MS = 10_000;
    public static final String STAT_RELOADS = "reloads";
    public static final String STAT_FAILURES = "reload_failures";

    private final String file;
    private final List<Core> cores;
    private final Stats stats;
    private final ExecutorService thread;
    private long nok;              // on the reload thread only
    private long nfailed;

    /** Reloads {@code file} into {@code cores} (all serving the same configuration), reporting to {@code stats}. */
    public Reloader(String file, List<Core> cores, Stats stats) {
        this.file = Objects.requireNonNull(file);
        this.cores = List.copyOf(cores);
        this.stats = Objects.requireNonNull(stats);
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "twemproxy4j-reload");
            t.setDaemon(true);
            return t;
        });
        stats.extra(STAT_RELOADS, 0);
        stats.extra(STAT_FAILURES, 0);
    }

    /** Queues a reload and returns at once (for the signal handler). */
    public Future<String> request() {
        return thread.submit(this::reloadNow);
    }

    /** Reloads now, on the reload thread; waits for it. Returns null on success, else why nothing changed. */
    public String reload() throws Exception {
        return request().get(APPLY_TIMEOUT_MS * (cores.size() + 1), TimeUnit.MILLISECONDS);
    }

    private String reloadNow() {
        long t0 = System.nanoTime();
        Conf next;
        try {
            next = Conf.load(Path.of(file));
        } catch (ConfException e) {
            return failed(e.getMessage());
        } catch (InvalidPathException e) {
            return failed(file + ": not a valid file name");
        }
        Conf running = cores.get(0).conf();
        ConfDiff diff = ConfDiff.of(running, next);
        // every worker prepares (builds its pools, binds its new listeners; nothing visible), then all commit;
        // if one cannot prepare, those that did undo it and nothing changes anywhere
        for (int i = 0; i < cores.size(); i++) {
            String why = cores.get(i).prepareReload(next, APPLY_TIMEOUT_MS);
            if (why != null) {
                for (int k = 0; k < i; k++) {
                    cores.get(k).abortReload(APPLY_TIMEOUT_MS);
                }
                return failed(cores.size() > 1 ? "worker " + i + ": " + why : why);
            }
        }
        for (int i = 0; i < cores.size(); i++) {
            String why = cores.get(i).commitReload(APPLY_TIMEOUT_MS);
            if (why != null) {
                Log.error("reload: worker " + i + " did not commit: " + why);
            }
        }
        stats.layout(StatsBridge.layout(next));
        nok++;
        stats.extra(STAT_RELOADS, nok);
        if (Log.enabled(Log.LOG_NOTICE)) {
            Log.notice("reloaded configuration file '" + file + "' in " + (System.nanoTime() - t0) / 1_000_000
                    + " ms: " + diff.summary());
        }
        return null;
    }

    private String failed(String why) {
        nfailed++;
        stats.extra(STAT_FAILURES, nfailed);
        Log.error("reload of configuration file '" + file + "' failed, the running configuration is kept: " + why);
        return why;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
