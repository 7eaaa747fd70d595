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
}
