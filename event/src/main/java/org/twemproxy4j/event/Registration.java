package org.twemproxy4j.event;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * One channel registered with an {@link EventBase}: what {@code event_add_conn} ties together in
 * nc_epoll.c (the descriptor and its callback). The core keeps this handle instead of touching NIO keys.
 *
 * <p>Event-loop confined.
 */
public final class Registration {
    final SelectableChannel channel;
    final EventHandler handler;
    SelectionKey key;
    boolean wantIn;            // read (or accept) interest
    boolean wantOut;           // write (or connect) interest
    boolean connecting;        // a non-blocking connect is pending: out interest means OP_CONNECT
    boolean accepting;         // a listener: in interest means OP_ACCEPT
    int ops;                   // interest ops last set on the key
    boolean pendingOut;        // queued for a write attempt at the end of this turn

    Registration(SelectableChannel channel, EventHandler handler) {
        this.channel = channel;
        this.handler = handler;
    }

    public SelectableChannel channel() {
        return channel;
    }

    public EventHandler handler() {
        return handler;
    }

    public boolean wantIn() {
        return wantIn;
    }

    public boolean wantOut() {
        return wantOut;
    }

    public boolean registered() {
        return key != null && key.isValid();
    }
}
