package org.twemproxy4j.stats;

/**
 * One event loop's side of the stats hand-over: each core (worker) of the process owns one slot, and
 * {@link Stats} merges the slots by pool and server name. The hand-over is nutcracker's current/shadow swap,
 * reduced to one {@code volatile int} per slot:
 * <pre>
 *   aggregator                         event loop (once per turn)
 *   IDLE -> REQUESTED  (request())
 *                                      sees REQUESTED: fills shadow() with its cumulative counters,
 *                                      then REQUESTED -> READY (snapshotTaken(), the releasing write)
 *   READY -> IDLE      (after copying the shadow out)
 * </pre>
 * Each side writes the state only in the states it owns, so no compare-and-set is needed, and the shadow
 * belongs to exactly one side at a time.
 *
 * <p>A slot's layout is its core's current pools and servers. When the core's pools change (configuration
 * reload), the loop calls {@link #layout(StatsLayout)}; the next {@link #shadow()} has that layout.
 *
 * <p>Thread-safe as described: loop-side methods are for the owning event loop only.
 */
public final class StatsSlot {
    static final int IDLE = 0;
    static final int REQUESTED = 1;
    static final int READY = 2;

    private volatile int state = IDLE;            // the hand-over flag
    private volatile StatsSnapshot shadow;        // filled by the loop, read by the aggregator once READY
    private volatile Runnable loopWaker;          // wakes the event loop (selector.wakeup), or null
    private StatsLayout layout;                   // loop side: the core's current layout
    StatsSnapshot last;                           // aggregator side: the latest copy taken from this slot

    StatsSlot(StatsLayout layout) {
        this.layout = layout;
        this.shadow = new StatsSnapshot(layout);
        this.last = new StatsSnapshot(layout);
    }

    // event-loop side

    /** Event loop: true when the aggregator waits for a snapshot (one volatile read). */
    public boolean snapshotRequested() {
        return state == REQUESTED;
    }

    /**
     * Event loop, only while {@link #snapshotRequested()}: the buffers to copy the counters into, laid out as
     * the core's current layout (allocated anew only after a layout change).
     */
    public StatsSnapshot shadow() {
        StatsSnapshot s = shadow;
        if (s.layout != layout) {
            s = new StatsSnapshot(layout);
            shadow = s;
        }
        return s;
    }

    /** Event loop: the core's pools changed; later snapshots have {@code l}'s layout. */
    public void layout(StatsLayout l) {
        if (!l.equals(layout)) {
            this.layout = l;
        }
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

    // aggregator side (called under the Stats lock)

    boolean request() {
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

    boolean pending() {
        return state == REQUESTED;
    }

    /** Copies a handed-over shadow into {@link #last} and lets the loop have the slot again. */
    boolean collect() {
        if (state != READY) {
            return false;
        }
        StatsSnapshot s = shadow;
        if (last.layout != s.layout) {
            last = new StatsSnapshot(s.layout);
        }
        last.copyFrom(s);
        state = IDLE;
        return true;
    }
}
