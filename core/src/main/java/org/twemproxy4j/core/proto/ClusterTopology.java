package org.twemproxy4j.core.proto;

/**
 * What a protocol reads out of a Redis Cluster's replies for the core's slot map: slot ranges with their
 * master (from CLUSTER SLOTS) and the target of a redirection (MOVED, ASK). Implemented by the core's cluster
 * pool; event-loop confined.
 */
public interface ClusterTopology {
    /** Slots {@code from..to} (inclusive) are served by master {@code host:port}. */
    void range(int from, int to, String host, int port);

    /** A redirection's slot and target node. */
    void target(int slot, String host, int port);
}
