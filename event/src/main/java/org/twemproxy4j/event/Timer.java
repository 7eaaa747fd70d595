package org.twemproxy4j.event;

/**
 * A node of the event base's timer heap, the counterpart of the {@code rbnode} embedded in twemproxy's
 * {@code struct msg} for request timeouts. The owner (a message, a connection) keeps one Timer for its
 * lifetime and re-arms it, so timers allocate nothing per request.
 *
 * <p>Event-loop confined.
 */
public final class Timer {
    final TimerHandler handler;
    long deadline;             // absolute, in EventBase.now() milliseconds
    long seq;                  // insertion order, breaks deadline ties
    int index = -1;            // slot in the heap, -1 when not armed
    /** Free for the owner's use (twemproxy's {@code rbnode.data}: e.g. the server connection). */
    public Object data;

    public Timer(TimerHandler handler) {
        this.handler = handler;
    }

    public boolean armed() {
        return index >= 0;
    }

    public long deadline() {
        return deadline;
    }
}
