package org.twemproxy4j.event;

/** Mirrors {@code event_cb_t} (nc_event.h): called on the loop thread with the ready {@link Events} bits. */
@FunctionalInterface
public interface EventHandler {
    void onEvent(int events);
}
