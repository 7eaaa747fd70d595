package org.twemproxy4j.event;

import java.io.IOException;
import java.nio.channels.SelectableChannel;

/**
 * Mirrors {@code struct event_base} and its functions (event/nc_event.h): one loop thread waits for I/O
 * readiness of many channels and for the earliest timer, then calls back.
 *
 * <ul>
 *   <li>{@link #addConn} / {@link #delConn}: event_add_conn / event_del_conn;</li>
 *   <li>{@link #addIn}, {@link #delIn}, {@link #addOut}, {@link #delOut}: event_add_in ... event_del_out;</li>
 *   <li>{@link #runOnce(long)}: event_wait, which also fires expired {@link Timer}s and runs queued tasks;</li>
 *   <li>{@link #addTimer}, {@link #delTimer}, {@link #minTimer}: the ordered timeout structure (msg_tmo_*).</li>
 * </ul>
 *
 * Readiness is level-triggered (unlike nutcracker's edge-triggered epoll): drop out-interest when there is
 * nothing to write. Everything is event-loop confined except {@link #execute} and {@link #wakeup}, which
 * are thread-safe.
 */
public interface EventBase extends AutoCloseable {

    /** Registers {@code ch} (non-blocking) with no interest yet. A connection still connecting is detected. */
    Registration addConn(SelectableChannel ch, EventHandler handler) throws IOException;

    /** The owner finished a pending non-blocking connect: out-interest now means writability. */
    void connected(Registration r);

    /** Deregisters; does not close the channel. */
    void delConn(Registration r);

    void addIn(Registration r);

    void delIn(Registration r);

    void addOut(Registration r);

    void delOut(Registration r);

    /**
     * Waits up to {@code timeoutMs} (-1 forever, 0 poll) but no longer than the earliest timer, dispatches
     * ready channels, then expired timers, then queued tasks. Returns the number of channel events.
     */
    int runOnce(long timeoutMs) throws IOException;

    /** Monotonic milliseconds, refreshed once per {@link #runOnce}. */
    long now();

    /**
     * The same clock reading as {@link #now()} in nanoseconds ({@code System.nanoTime()}): refreshed once per
     * ready channel, so the requests of one read and the replies of one read share a reading (request latency
     * is measured between two readings, with no clock call per request).
     */
    long nowNanos();

    /** Arms {@code t} to fire at absolute {@code deadline} ({@link #now()} clock); re-arms if armed. */
    void addTimer(Timer t, long deadline);

    void delTimer(Timer t);

    /** The earliest armed timer, or null. */
    Timer minTimer();

    /** Thread-safe: queues {@code task} for the loop thread and wakes the loop. */
    void execute(Runnable task);

    /** Thread-safe: makes a blocked {@link #runOnce} return. */
    void wakeup();

    @Override
    void close();
}
