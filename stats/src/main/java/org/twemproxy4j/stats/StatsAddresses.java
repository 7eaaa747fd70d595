package org.twemproxy4j.stats;

/**
 * Where the servers whose address can change (redis pools with sentinels, twemproxy4j) are reached now, for the
 * stats JSON and the Prometheus endpoint. Servers of other pools have no entry, and their pools keep
 * nutcracker's exact layout. Implementations are thread-safe.
 */
@FunctionalInterface
public interface StatsAddresses {
    /** No server has a changing address. */
    StatsAddresses NONE = (pool, server) -> null;

    /** Server {@code server} of pool {@code pool}: its current address and number of changes, or null. */
    Entry lookup(String pool, String server);

    /** A server's current {@code host:port} and how many times it changed since the pool was defined. */
    record Entry(String address, long changes) {
    }
}
