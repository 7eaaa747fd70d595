package org.twemproxy4j.core;

import org.twemproxy4j.stats.StatsPoolField;
import org.twemproxy4j.stats.StatsServerField;

/**
 * Indexes of nutcracker's pool and server counters in the plain {@code long[]} each {@link ServerPool} and
 * {@link Server} keeps (the ordinals of {@link StatsPoolField} / {@link StatsServerField}, nc_stats.h's codec order).
 */
final class CoreStats {
    // pool
    static final int CLIENT_EOF = StatsPoolField.CLIENT_EOF.ordinal();
    static final int CLIENT_ERR = StatsPoolField.CLIENT_ERR.ordinal();
    static final int CLIENT_CONNECTIONS = StatsPoolField.CLIENT_CONNECTIONS.ordinal();
    static final int SERVER_EJECTS = StatsPoolField.SERVER_EJECTS.ordinal();
    static final int FORWARD_ERROR = StatsPoolField.FORWARD_ERROR.ordinal();
    static final int FRAGMENTS = StatsPoolField.FRAGMENTS.ordinal();
    static final int NPOOL = StatsPoolField.values().length;

    // server
    static final int SERVER_EOF = StatsServerField.SERVER_EOF.ordinal();
    static final int SERVER_ERR = StatsServerField.SERVER_ERR.ordinal();
    static final int SERVER_TIMEDOUT = StatsServerField.SERVER_TIMEDOUT.ordinal();
    static final int SERVER_CONNECTIONS = StatsServerField.SERVER_CONNECTIONS.ordinal();
    static final int SERVER_EJECTED_AT = StatsServerField.SERVER_EJECTED_AT.ordinal();
    static final int REQUESTS = StatsServerField.REQUESTS.ordinal();
    static final int REQUEST_BYTES = StatsServerField.REQUEST_BYTES.ordinal();
    static final int RESPONSES = StatsServerField.RESPONSES.ordinal();
    static final int RESPONSE_BYTES = StatsServerField.RESPONSE_BYTES.ordinal();
    static final int IN_QUEUE = StatsServerField.IN_QUEUE.ordinal();
    static final int IN_QUEUE_BYTES = StatsServerField.IN_QUEUE_BYTES.ordinal();
    static final int OUT_QUEUE = StatsServerField.OUT_QUEUE.ordinal();
    static final int OUT_QUEUE_BYTES = StatsServerField.OUT_QUEUE_BYTES.ordinal();
    static final int NSERVER = StatsServerField.values().length;
    /** After nutcracker's server fields: open session connections (twemproxy4j's gauge). */
    static final int SESSION_CONNECTIONS = org.twemproxy4j.stats.StatsSnapshot.SESSION_CONNECTIONS;
    static final int NSERVER_SLOTS = org.twemproxy4j.stats.StatsSnapshot.SERVER_SLOTS;

    private CoreStats() {
    }
}
