package org.twemproxy4j.stats;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Mirrors {@code struct stats} (nc_stats.h): the hand-over of the event loops' counters to the aggregator and the
 * figures published from them.
 *
 * <p>Every event loop (core, worker) keeps nutcracker's counters as cumulative plain {@code long[]} (gauges as
 * current values, {@code server_ejected_at} as the last ejection) and never shares them. Each loop owns one
 * {@link StatsSlot}, whose hand-over is nutcracker's current/shadow swap reduced to one {@code volatile int}
 * (see there). The aggregator asks every slot for a snapshot, copies out those handed over, and merges them by
 * pool and server name into one {@link StatsView} laid out as the configuration is now ({@link #layout}):
 * counters and gauges summed over the loops, latency histograms merged, the latest ejection kept. Because the
 * loops' counters are cumulative, nothing is lost if a hand-over is skipped (nutcracker's
 * {@code stats_aggregate} sums deltas instead).
 *
 * <p>The layout can change while the process runs (configuration reload, {@link #layout(StatsLayout)}): a slot
 * may still report the old one for a turn, and only pools and servers of the new layout are published.
 *
 * <p>The published view feeds the stats port ({@link StatsListener}, {@link #json}), the Prometheus endpoint
 * ({@link PrometheusEndpoint}) and dropwizard {@link Gauge}s registered in a {@link MetricRegistry} as
 * {@code twemproxy4j.<pool>.<field>} and {@code twemproxy4j.<pool>.<server>.<field>} (plus
 * {@code twemproxy4j.uptime}, {@code twemproxy4j.total_connections}, {@code twemproxy4j.curr_connections}),
 * so that any dropwizard reporter can publish them.
 *
 * <p>Thread-safe: {@link #snapshotRequested()}, {@link #shadow()} and {@link #snapshotTaken()} are the first
 * slot's loop-side methods, for its event loop only; everything else may be called from any thread (the
 * aggregator's methods serialize on this object, a lock no loop takes).
 */
public final class Stats {
    /** nutcracker's service name in the JSON. */
    public static final String SERVICE = "nutcracker";
    /** nutcracker's version in the JSON (twemproxy4j is a drop-in replacement for 0.5.0). */
    public static final String VERSION = "0.5.0";
    /** Prefix of the dropwizard metric names. */
    public static final String METRIC_PREFIX = "twemproxy4j";

    /** How often {@link #refresh} looks for the loops' hand-over. */
    static final long REFRESH_POLL_NANOS = 200_000L;

    private final String source;
    private final long startMillis;
    private final MetricRegistry registry;
    private final List<String> metricNames = new ArrayList<>();
    private final StatsSlot first;                // the first loop's slot
    private volatile StatsSlot[] slots;           // one per event loop
    private volatile StatsLayout layout;          // the configuration's pools and servers, now
    private volatile StatsLayout base;            // the same as configured (cluster pools: their seeds only)
    private volatile StatsView view;              // the latest published figures
    private final java.util.Map<String, Long> extra = new java.util.LinkedHashMap<>(); // plain top-level figures

    public Stats(StatsLayout layout, String source) {
        this(layout, source, new MetricRegistry());
    }

    /** Registers the gauges in {@code registry}. */
    public Stats(StatsLayout layout, String source, MetricRegistry registry) {
        this.layout = Objects.requireNonNull(layout);
        this.base = layout;
        this.source = Objects.requireNonNull(source);
        this.registry = Objects.requireNonNull(registry);
        this.startMillis = System.currentTimeMillis();
        this.first = new StatsSlot(layout);
        this.slots = new StatsSlot[] {first};
        this.view = StatsView.empty(layout);
        registerGauges();
    }

    /** The first event loop's slot (created with these stats). */
    public StatsSlot slot() {
        return first;
    }

    /** A slot for one more event loop (a worker), laid out as {@code l}. */
    public synchronized StatsSlot addSlot(StatsLayout l) {
        StatsSlot s = new StatsSlot(l);
        StatsSlot[] cur = slots;
        StatsSlot[] next = java.util.Arrays.copyOf(cur, cur.length + 1);
        next[cur.length] = s;
        slots = next;
        return s;
    }

    /** The number of event loops reporting. */
    public int nslots() {
        return slots.length;
    }

    /**
     * The configuration's pools and servers changed (reload): views from now on have layout {@code l}, and the
     * dropwizard gauges are registered anew for it. Counters of pools and servers that persist carry on.
     */
    public void layout(StatsLayout l) {
        synchronized (this) {
            base = Objects.requireNonNull(l); // what the pools are now, even when the listing does not change
            if (l.equals(layout)) {
                return;
            }
            layout = l;
            view = merged(System.currentTimeMillis());
        }
        unregister();
        registerGauges();
    }

    /**
     * Sets a plain top-level figure of the JSON (after nutcracker's fields, before the pools; nutcracker's stats
     * agents skip top-level numbers), e.g. {@code reloads}. Thread-safe.
     */
    public void extra(String name, long value) {
        synchronized (extra) {
            extra.put(name, value);
        }
    }

    private volatile StatsAddresses addresses = StatsAddresses.NONE;

    /** Sets where the servers of sentinel pools are reached now (twemproxy4j). Thread-safe. */
    public void addresses(StatsAddresses a) {
        addresses = a != null ? a : StatsAddresses.NONE;
    }

    /** Where the servers of sentinel pools are reached now; {@link StatsAddresses#NONE} by default. */
    public StatsAddresses addresses() {
        return addresses;
    }

    /** The plain top-level figures set with {@link #extra}, in insertion order. */
    public java.util.Map<String, Long> extras() {
        synchronized (extra) {
            return new java.util.LinkedHashMap<>(extra);
        }
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

    // event-loop side (the first slot's)

    /** Event loop: true when the aggregator waits for a snapshot (one volatile read). */
    public boolean snapshotRequested() {
        return first.snapshotRequested();
    }

    /** Event loop, only while {@link #snapshotRequested()}: the buffers to copy the counters into. */
    public StatsSnapshot shadow() {
        return first.shadow();
    }

    /** Event loop: the shadow is filled; hands it to the aggregator (the releasing volatile write). */
    public void snapshotTaken() {
        first.snapshotTaken();
    }

    /** Sets what wakes the first event loop when a snapshot is requested (its selector's wakeup), or null. */
    public void setLoopWaker(Runnable waker) {
        first.setLoopWaker(waker);
    }

    // aggregator side

    /**
     * Asks every loop for a snapshot (those not already asked or waiting to be collected) and wakes them.
     * Returns true when a new request was made.
     */
    public synchronized boolean request() {
        boolean any = false;
        StatsSlot[] ss = slots;
        for (int i = 0; i < ss.length; i++) {
            any |= ss[i].request();
        }
        return any;
    }

    /**
     * Mirrors stats_aggregate(): takes the snapshots the loops handed over, if any, and publishes their merge.
     * Returns true when a new view was published.
     */
    public synchronized boolean collect() {
        boolean any = false;
        StatsSlot[] ss = slots;
        for (int i = 0; i < ss.length; i++) {
            any |= ss[i].collect();
        }
        // a cluster pool lists its seeds and the nodes some event loop lists now: one found since is added, one
        // that left the slot map on every loop is dropped
        StatsLayout l = base;
        for (int i = 0; i < ss.length; i++) {
            l = l.withNodesOf(ss[i].last.layout);
        }
        if (!l.equals(layout)) {
            layout = l;
            unregister();
            registerGauges();
        }
        if (any) {
            view = merged(System.currentTimeMillis());
        }
        return any;
    }

    /** The latest copy of every slot, merged by name into the current layout. */
    private StatsView merged(long now) {
        StatsLayout l = layout;
        StatsSnapshot sum = new StatsSnapshot(l);
        StatsSlot[] ss = slots;
        for (int i = 0; i < ss.length; i++) {
            sum.addByName(ss[i].last);
        }
        return new StatsView(l, sum, now);
    }

    /**
     * Asks the loops for a fresh snapshot and waits up to {@code timeoutMillis} for them (polling; no loop is
     * ever made to signal anyone), then publishes what has arrived. Returns the latest view: the fresh one, or,
     * for a loop that did not answer in time (busy, or not running), its previous figures.
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

    /** True when a requested snapshot has not been handed over yet by some loop. */
    public boolean pending() {
        StatsSlot[] ss = slots;
        for (int i = 0; i < ss.length; i++) {
            if (ss[i].pending()) {
                return true;
            }
        }
        return false;
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
        StatsLayout layout = this.layout;
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
