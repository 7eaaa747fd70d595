package org.twemproxy4j.stats;

import java.util.List;
import java.util.Objects;

/**
 * The names the stats are published under: the pools and, per pool, the servers, in nutcracker's sorted order
 * (pool {@code i} here is the core's pool index {@code i}, server {@code j} its server index {@code j}). A
 * server's name is its node name ({@code ConfServer.name()}), as nutcracker keys its stats.
 *
 * <p>Immutable; thread-safe.
 */
public final class StatsLayout {
    private final String[] pools;
    private final String[][] servers;

    /** {@code servers.get(i)} are the server names of pool {@code pools.get(i)}. */
    public StatsLayout(List<String> pools, List<List<String>> servers) {
        if (pools.size() != servers.size()) {
            throw new IllegalArgumentException(pools.size() + " pools but " + servers.size() + " server lists");
        }
        this.pools = pools.toArray(new String[0]);
        this.servers = new String[pools.size()][];
        for (int i = 0; i < this.pools.length; i++) {
            Objects.requireNonNull(this.pools[i], "pool name");
            this.servers[i] = servers.get(i).toArray(new String[0]);
            for (String s : this.servers[i]) {
                Objects.requireNonNull(s, "server name");
            }
        }
    }

    public int npool() {
        return pools.length;
    }

    public String pool(int p) {
        return pools[p];
    }

    public int nserver(int p) {
        return servers[p].length;
    }

    public String server(int p, int s) {
        return servers[p][s];
    }

    /** The index of pool {@code name}, or -1. */
    public int poolIndex(String name) {
        for (int p = 0; p < pools.length; p++) {
            if (pools[p].equals(name)) {
                return p;
            }
        }
        return -1;
    }

    /** The index of server {@code name} in pool {@code p}, or -1. */
    public int serverIndex(int p, String name) {
        String[] ss = servers[p];
        for (int s = 0; s < ss.length; s++) {
            if (ss[s].equals(name)) {
                return s;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof StatsLayout)) {
            return false;
        }
        StatsLayout l = (StatsLayout) o;
        return java.util.Arrays.equals(pools, l.pools) && java.util.Arrays.deepEquals(servers, l.servers);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(pools) * 31 + java.util.Arrays.deepHashCode(servers);
    }
}
