package org.twemproxy4j.core.conf;

/**
 * Mirrors {@code struct conf_listen} (nc_conf.h): a pool's {@code listen:} directive, either
 * {@code host:port} (split at the last ':', so {@code ::1:22121} is host {@code ::1}) or a unix socket
 * {@code /path [perm]} with an optional octal permission.
 *
 * <p>The host was resolved when the file was read (nutcracker rejects an unresolvable one), but the address
 * is not kept: whoever binds resolves it again. Immutable; thread-safe.
 */
public final class ConfListen {
    private final String pname; // listen: as written
    private final String host; // hostname or unix socket path
    private final int port; // 0 for a unix socket
    private final int perm; // unix socket permissions, 0 if none
    private final boolean unix; // unix socket?

    ConfListen(String pname, String host, int port, int perm, boolean unix) {
        this.pname = pname;
        this.host = host;
        this.port = port;
        this.perm = perm;
        this.unix = unix;
    }

    /** The directive's value exactly as written, e.g. {@code 127.0.0.1:22121} or {@code /tmp/n.sock 0600}. */
    public String pname() {
        return pname;
    }

    /** The hostname or address to bind, or the unix socket path. */
    public String host() {
        return host;
    }

    /** The TCP port, 1..65535; 0 for a unix socket. */
    public int port() {
        return port;
    }

    /** The unix socket's permission bits (at most 0777); 0 when none was given, or for TCP. */
    public int perm() {
        return perm;
    }

    /** True for a unix socket path. */
    public boolean unix() {
        return unix;
    }

    @Override
    public String toString() {
        return pname;
    }
}
