package org.twemproxy4j.event;

/** Mirrors the EVENT_* bits of nc_event.h, as passed to {@link EventHandler#onEvent(int)}. */
public final class Events {
    public static final int READ = 0x0000ff;   // readable, or a listener has a connection to accept
    public static final int WRITE = 0x00ff00;  // writable, or a non-blocking connect finished (or failed)
    public static final int ERR = 0xff0000;    // error on the descriptor

    private Events() {
    }
}
