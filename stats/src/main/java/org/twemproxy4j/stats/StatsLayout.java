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
    private final boolean[] cluster;   // pools in front of a Redis Cluster: cluster counters, servers that grow

    /** {@code servers.get(i)} are the server names of pool {@code pools.get(i)}. */
    public StatsLayout(List<String> pools, List<List<String>> servers) {
        this(pools, servers, null);
    }

    /**
     * As {@link #StatsLayout(List, List)}; {@code cluster} (null: none) flags the pools in front of a Redis
     * Cluster: they carry {@link StatsClusterField}s, and their servers are the nodes found so far.
     */
    public StatsLayout(List<String> pools, List<List<String>> servers, List<Boolean> cluster) {
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
        this.cluster = new boolean[this.pools.length];
        for (int i = 0; cluster != null && i < this.pools.length; i++) {
            this.cluster[i] = cluster.get(i);
        }
    }

    /** True when pool {@code p} is in front of a Redis Cluster. */
    public boolean cluster(int p) {
        return cluster[p];
    }

    /**
     * This layout with every server of {@code other}'s cluster pools that this one lacks appended (the nodes an
     * event loop found), or this layout itself when nothing is missing.
     */
    public StatsLayout withNodesOf(StatsLayout other) {
        List<List<String>> grown = null;
        for (int op = 0; op < other.npool(); op++) {
            if (!other.cluster[op]) {
                continue;
            }
            int p = poolIndex(other.pool(op));
            if (p < 0 || !cluster[p]) {
                continue;
            }
            for (int s = 0; s < other.nserver(op); s++) {
                String name = other.server(op, s);
                if (serverIndex(p, name) >= 0 || (grown != null && grown.get(p).contains(name))) {
                    continue;
                }
                if (grown == null) {
                    grown = new java.util.ArrayList<>();
                    for (String[] ss : servers) {
                        grown.add(new java.util.ArrayList<>(List.of(ss)));
                    }
                }
                grown.get(p).add(name);
            }
        }
        if (grown == null) {
            return this;
        }
        List<Boolean> cl = new java.util.ArrayList<>();
        for (boolean c : cluster) {
            cl.add(c);
        }
        return new StatsLayout(List.of(pools), grown, cl);
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
        return java.util.Arrays.equals(pools, l.pools) && java.util.Arrays.deepEquals(servers, l.servers)
                && java.util.Arrays.equals(cluster, l.cluster);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(pools) * 31 + java.util.Arrays.deepHashCode(servers);
    }
}
