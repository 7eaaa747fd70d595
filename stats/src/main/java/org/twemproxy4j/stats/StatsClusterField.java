package org.twemproxy4j.stats;

/**
 * Counters of a pool in front of a Redis Cluster ({@code redis_cluster: true}), beyond nutcracker: published
 * only for such pools ({@link StatsLayout#cluster(int)}), after the pool's other numbers; other pools keep
 * nutcracker's exact layout.
 */
public enum StatsClusterField {
    CLUSTER_MOVED("cluster_moved", "# -MOVED replies followed (the request sent again to the named node)"),
    CLUSTER_ASK("cluster_ask", "# -ASK replies followed (ASKING and the request sent to the named node)"),
    CLUSTER_RETRY("cluster_retry", "# -TRYAGAIN and -CLUSTERDOWN replies retried after a backoff"),
    CLUSTER_MAP_REFRESHES("cluster_map_refreshes", "# slot map loads (CLUSTER SLOTS) started"),
    CLUSTER_NODES("cluster_nodes", "# cluster nodes known (seeds and nodes named by the slot map)");

    public static final int COUNT = values().length;

    private final String statName;
    private final String description;

    StatsClusterField(String statName, String description) {
        this.statName = statName;
        this.description = description;
    }

    public String statName() {
        return statName;
    }

    public String description() {
        return description;
    }
}
