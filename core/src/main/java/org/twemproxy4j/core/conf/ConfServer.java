package org.twemproxy4j.core.conf;

/**
 * Mirrors {@code struct conf_server} (nc_conf.h): one entry of a pool's {@code servers:} list,
 * {@code host:port:weight [name]} or {@code /unix/path:weight [name]}.
 *
 * <p>{@link #name()} is the node name nutcracker uses for ketama points, duplicate detection, stats keys and
 * the server order: the explicit name if one is given, else {@code host} alone when the port is 11211
 * (libmemcached compatibility), else {@code host:port} as written. The weight is never part of it.
 *
 * <p>Server hosts are not resolved here: as in nutcracker, resolution happens at connect time.
 * Immutable; thread-safe.
 */
public final class ConfServer {
    private final String pname; // the entry as written
    private final String name; // node name
    private final String host; // hostname or unix socket path
    private final int port; // 0 for a unix socket
    private final int weight; // > 0
    private final boolean unix; // unix socket?
    private final boolean explicitName; // name given after the weight?

    ConfServer(String pname, String name, String host, int port, int weight, boolean unix, boolean explicitName) {
        this.pname = pname;
        this.name = name;
        this.host = host;
        this.port = port;
        this.weight = weight;
        this.unix = unix;
        this.explicitName = explicitName;
    }

    /**
     * A node found at run time (a Redis Cluster node named by the cluster's slot map or a redirection):
     * {@code host:port:1}, named {@code host:port}.
     */
    public static ConfServer node(String host, int port) {
        String name = host + ":" + port;
        return new ConfServer(name + ":1", name, host, port, 1, false, false);
    }

    /** The node name: the explicit name, else {@code host:port}, else {@code host} for port 11211. */
    public String name() {
        return name;
    }

    /**
     * The entry exactly as written, including the explicit name if any, e.g. {@code 127.0.0.1:6379:1 alpha}.
     * (nutcracker's own {@code pname} stops before the name; only logs use it.)
     */
    public String pname() {
        return pname;
    }

    /** The hostname or address as written (not resolved), or the unix socket path. */
    public String host() {
        return host;
    }

    /** The TCP port, 1..65535; 0 for a unix socket. */
    public int port() {
        return port;
    }

    /** The weight, at least 1. */
    public int weight() {
        return weight;
    }

    /** True for a unix socket path. */
    public boolean unix() {
        return unix;
    }

    /** True when the entry gave a name after the weight. */
    public boolean explicitName() {
        return explicitName;
    }

    @Override
    public String toString() {
        return pname;
    }
}
