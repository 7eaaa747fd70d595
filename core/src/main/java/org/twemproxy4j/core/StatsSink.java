package org.twemproxy4j.core;

/**
 * What the connections tell the stats beyond the plain counters they increment in their pool's and server's
 * arrays: the narrow interface through which the request path reaches {@link StatsBridge} without knowing it.
 * Event-loop confined.
 */
interface StatsSink {
    /** Does nothing: a core whose stats nobody reads (unit tests). */
    StatsSink NONE = (pool, server, nanos) -> { };

    /**
     * One request of pool {@code pool} was answered {@code nanos} after it arrived; {@code server} is the one
     * server that answered it, or -1 (fragmented, or an error no server produced).
     */
    void recordLatency(int pool, int server, long nanos);

    /** A redis_cluster pool added a node to its servers (the stats layout grows). Loop thread. */
    default void nodesChanged() {
    }
}
