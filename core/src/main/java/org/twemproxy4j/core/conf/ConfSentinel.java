package org.twemproxy4j.core.conf;

/**
 * One entry of a redis pool's {@code sentinels:} list (twemproxy4j): a redis sentinel to ask where each
 * server's master is, {@code host:port:weight} (the weight unused) or {@code host:port}. The host is not
 * resolved here; the sentinel watcher resolves it when it connects. Immutable; thread-safe.
 */
public final class ConfSentinel {
    private final String pname; // the entry as written
    private final String host;
    private final int port;

    ConfSentinel(String pname, String host, int port) {
        this.pname = pname;
        this.host = host;
        this.port = port;
    }

    /** The entry exactly as written. */
    public String pname() {
        return pname;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    @Override
    public String toString() {
        return pname;
    }
}
