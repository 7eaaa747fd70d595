package org.twemproxy4j.core;

/**
 * The core's own settings beyond nutcracker's command line (twemproxy4j options), handed to every core
 * (worker) of the process: the per-client memory limit of {@code --client-max-pending} and the number of workers
 * of {@code --workers}.
 *
 * <p>A client's pending bytes are the mbufs held by its requests still owed a reply and by the replies not yet
 * written to it. Over {@link #clientMaxPending} bytes, or with {@link #clientMaxOutstanding} requests owed a
 * reply, it is not read (backpressure) until both fall to half. Over {@link #clientHardPending} bytes while owed
 * more than one reply, it is closed. A limit of 0 turns both off.
 *
 * <p>Immutable; thread-safe.
 */
public final class CoreSettings {
    /** Default soft limit of one client's pending bytes: 64 MiB. */
    public static final long CLIENT_MAX_PENDING = 64L << 20;
    /** The hard limit is this many times the soft one. */
    static final int CLIENT_HARD_FACTOR = 4;
    /** One outstanding request is allowed per this many bytes of the soft limit (a request and its reply). */
    static final int CLIENT_BYTES_PER_REQUEST = 32768;
    /** Outstanding requests allowed whatever the soft limit. */
    static final int CLIENT_MIN_OUTSTANDING = 64;

    final long clientMaxPending;   // soft limit of one client's pending bytes (0 none)
    final long clientHardPending;  // hard limit: over it (with more than one reply owed) the client is closed
    final int clientMaxOutstanding; // requests owed a reply beyond which a client is not read
    final int workers;             // event loops of the process (>= 1)

    private CoreSettings(long clientMaxPending) {
        this(clientMaxPending, 1);
    }

    private CoreSettings(long clientMaxPending, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, not " + workers);
        }
        this.workers = workers;
        if (clientMaxPending <= 0) {
            this.clientMaxPending = 0;
            this.clientHardPending = 0;
            this.clientMaxOutstanding = 0;
            return;
        }
        this.clientMaxPending = clientMaxPending;
        this.clientHardPending = clientMaxPending > Long.MAX_VALUE / CLIENT_HARD_FACTOR ? Long.MAX_VALUE
                : clientMaxPending * CLIENT_HARD_FACTOR;
        this.clientMaxOutstanding = (int) Math.max(CLIENT_MIN_OUTSTANDING,
                Math.min(Integer.MAX_VALUE, clientMaxPending / CLIENT_BYTES_PER_REQUEST));
    }

    /** The defaults: a 64 MiB per-client limit. */
    public static CoreSettings defaults() {
        return new CoreSettings(CLIENT_MAX_PENDING);
    }

    /** Settings with a per-client soft limit of {@code bytes} ({@code <= 0}: no limit). */
    public static CoreSettings clientMaxPending(long bytes) {
        return new CoreSettings(bytes);
    }

    public long clientMaxPending() {
        return clientMaxPending;
    }

    /** These settings with {@code n} workers (event loops, each a complete core; {@code n >= 1}). */
    public CoreSettings workers(int n) {
        return new CoreSettings(clientMaxPending, n);
    }

    /** The number of workers (event loops); 1 is nutcracker's single loop. */
    public int workers() {
        return workers;
    }

    @Override
    public String toString() {
        return "CoreSettings{clientMaxPending=" + clientMaxPending + ", workers=" + workers + "}";
    }
}
