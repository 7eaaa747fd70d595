package org.twemproxy4j.stats;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Mirrors {@code struct stats} (nc_stats.h): the hand-over of the event loop's counters to the aggregator and the
 * figures published from them.
 *
 * <p>The event loop keeps nutcracker's counters as cumulative plain {@code long[]} (gauges as current values,
 * {@code server_ejected_at} as the last ejection) and never shares them. The hand-over is nutcracker's
 * current/shadow swap, reduced to one {@code volatile int}:
 * <pre>
 *   aggregator                         event loop (StatsBridge.onLoop, once per turn)
 *   IDLE -> REQUESTED  (request())
 *                                      sees REQUESTED: copies every counter array into the shadow,
 *                                      then REQUESTED -> READY (snapshotTaken(), the releasing write)
 *   READY -> IDLE      (collect(): builds and publishes a {@link StatsView} from the shadow)
 * </pre>
 * Each side writes the state only in the states it owns, so no compare-and-set is needed, and the shadow
 * belongs to exactly one side at a time. The loop pays one volatile read per turn and, once per interval, one
 * copy. Because the loop's counters are cumulative, "aggregating" a snapshot is taking it: nothing is lost
 * if a hand-over is skipped (nutcracker's {@code stats_aggregate} sums deltas instead).
 *
 * <p>The published view feeds the stats port ({@link StatsListener}, {@link #json}), the Prometheus endpoint
 * ({@link PrometheusEndpoint}) and dropwizard {@link Gauge}s registered in a {@link MetricRegistry} as
 * {@code twemproxy4j.<pool>.<field>} and {@code twemproxy4j.<pool>.<server>.<field>} (plus
 * {@code twemproxy4j.uptime}, {@code twemproxy4j.total_connections}, {@code twemproxy4j.curr_connections}),
 * so that any dropwizard reporter can publish them.
 *
 * <p>Thread-safe: {@link #snapshotRequested()}, {@link #shadow()} and {@link #snapshotTaken()} are for the
 * event loop only; everything else may be called from any thread (the aggregator's methods serialize on this
 * object, a lock the loop never takes).
 */
public final class Stats {
    /** nutcracker's service name in the JSON. */
    public static final String SERVICE = "nutcracker";
    /** nutcracker's version in the JSON (twemproxy4j is a drop-in replacement for 0.5.0). */
    public static final String VERSION = "0.5.0";
    /** Prefix of the dropwizard metric names. */
    public static final String METRIC_PREFIX = "twemproxy4j";

    /** How often {@link #refresh} looks for the loop's hand-over. */
    static final long REFRESH_POLL_NANOS = 200_000L;

    static final int IDLE = 0;
    static final int REQUESTED = 1;
    static final int READY = 2;

    private final StatsLayout layout;
    private final String source;
    private final long startMillis;
    private final MetricRegistry registry;
    private final List<String> metricNames = new ArrayList<>();
    private final StatsSnapshot shadow;

    private volatile int state = IDLE;            // the hand-over flag
    private volatile StatsView view;              // the latest published figures
    private volatile Runnable loopWaker;          // wakes the event loop (selector.wakeup), or null

    public Stats(StatsLayout layout, String source) {
        this(layout, source, new MetricRegistry());
    }

    /** Registers the gauges in {@code registry}. */
    public Stats(StatsLayout layout, String source, MetricRegistry registry) {
        this.layout = Objects.requireNonNull(layout);
        this.source = Objects.requireNonNull(source);
        this.registry = Objects.requireNonNull(registry);
        this.startMillis = System.currentTimeMillis();
        this.shadow = new StatsSnapshot(layout);
        this.view = StatsView.empty(layout);
        registerGauges();
    }

    public StatsLayout layout() {
        return layout;
    }

    /** The host name published as {@code source}. */
    public String source() {
        return source;
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** When these stats were created (ms since the epoch); {@code uptime} counts from it. */
    public long startMillis() {
        return startMillis;
    }

    // event-loop side

    /** Event loop: true when the aggregator waits for a snapshot (one volatile read). */
    public boolean snapshotRequested() {
        return state == REQUESTED;
    }

    /** Event loop, only while {@link #snapshotRequested()}: the buffers to copy the counters into. */
    public StatsSnapshot shadow() {
        return shadow;
    }

    /** Event loop: the shadow is filled; hands it to the aggregator (the releasing volatile write). */
    public void snapshotTaken() {
        assert state == REQUESTED : "snapshot taken without a request";
        state = READY;
    }

    /** Sets what wakes the event loop when a snapshot is requested (its selector's wakeup), or null. */
    public void setLoopWaker(Runnable waker) {
        this.loopWaker = waker;
    }

    // aggregator side

    /**
     * Asks the loop for a snapshot unless one is already asked for or waiting to be collected, and wakes the
     * loop. Returns true when a new request was made.
     */
    public synchronized boolean request() {
        if (state != IDLE) {
            return false;
        }
        state = REQUESTED;
        Runnable w = loopWaker;
        if (w != null) {
            w.run();
        }
        return true;
    }

    /**
     * Mirrors stats_aggregate(): publishes the snapshot the loop handed over, if there is one. Returns true
     * when a new view was published.
     */
    public synchronized boolean collect() {
        if (state != READY) {
            return false;
        }
        view = new StatsView(layout, shadow, System.currentTimeMillis());
        state = IDLE;
        return true;
    }

    /**
     * Asks the loop for a fresh snapshot and waits up to {@code timeoutMillis} for it (polling; the loop is
     * never made to signal anyone), then publishes what has arrived. Returns the latest view: the fresh one,
     * or, when the loop did not answer in time (busy, or not running), the previous one.
     */
    public StatsView refresh(long timeoutMillis) {
        request();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (pending() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(REFRESH_POLL_NANOS);
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
        }
        collect();
        return view;
    }

    /** True when a requested snapshot has not been handed over yet. */
    public boolean pending() {
        return state == REQUESTED;
    }

    /** The latest published figures. */
    public StatsView view() {
        return view;
    }

    /** The stats JSON of the latest view, with uptime and timestamp of now (nutcracker's stats_make_rsp). */
    public byte[] json() {
        return StatsJson.render(this, view, System.currentTimeMillis(), true).getBytes(StandardCharsets.UTF_8);
    }

    /** Seconds since start at {@code nowMillis}, as nutcracker counts {@code uptime} (whole seconds). */
    public long uptime(long nowMillis) {
        return nowMillis / 1000 - startMillis / 1000;
    }

    /** Removes the gauges from the registry. */
    public void unregister() {
        synchronized (metricNames) {
            for (String n : metricNames) {
                registry.remove(n);
            }
            metricNames.clear();
        }
    }

    private void registerGauges() {
        gauge(MetricRegistry.name(METRIC_PREFIX, "uptime"), () -> uptime(System.currentTimeMillis()));
        gauge(MetricRegistry.name(METRIC_PREFIX, "total_connections"), () -> view.totalConnections());
        gauge(MetricRegistry.name(METRIC_PREFIX, "curr_connections"), () -> view.currConnections());
        for (int p = 0; p < layout.npool(); p++) {
            final int pi = p;
            String pool = layout.pool(p);
            for (StatsPoolField f : StatsPoolField.values()) {
                gauge(MetricRegistry.name(METRIC_PREFIX, pool, f.statName()), () -> view.pool(pi, f));
            }
            latencyGauges(MetricRegistry.name(METRIC_PREFIX, pool), () -> view.poolLatency(pi));
            for (int s = 0; s < layout.nserver(p); s++) {
                final int si = s;
                String server = layout.server(p, s);
                for (StatsServerField f : StatsServerField.values()) {
                    gauge(MetricRegistry.name(METRIC_PREFIX, pool, server, f.statName()),
                            () -> view.server(pi, si, f));
                }
                latencyGauges(MetricRegistry.name(METRIC_PREFIX, pool, server), () -> view.serverLatency(pi, si));
            }
        }
    }

    private void latencyGauges(String prefix, java.util.function.Supplier<LatencySummary> l) {
        gauge(prefix + "." + StatsJson.LATENCY_COUNT, () -> l.get().count());
        for (int i = 0; i < LatencySummary.QUANTILES.length; i++) {
            final int qi = i;
            gauge(prefix + "." + StatsJson.latencyKey(i), () -> l.get().quantile(qi));
        }
        gauge(prefix + "." + StatsJson.LATENCY_MAX, () -> l.get().maxMicros());
    }

    private void gauge(String name, Gauge<Long> g) {
        synchronized (metricNames) {
            registry.remove(name); // a stale gauge of an earlier Stats on the same registry
            registry.register(name, g);
            metricNames.add(name);
        }
    }
}
