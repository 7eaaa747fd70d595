package org.twemproxy4j.stats;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * Mirrors the aggregator thread of nc_stats.c ({@code stats_listen}, {@code stats_loop},
 * {@code stats_send_rsp}): one thread that listens on the stats address ({@code -a}:{@code -s}, SO_REUSEADDR,
 * backlog SOMAXCONN), aggregates every {@code -i} milliseconds, and for every accepted connection writes the
 * stats JSON once and closes it, without reading anything.
 *
 * <p>Every interval it asks the event loop for a snapshot and publishes it ({@link Stats#refresh}), so the
 * dropwizard gauges are at most one interval old, as nutcracker's figures are. A stats client gets fresher
 * figures: on accept the thread asks the loop for a snapshot and waits for it up to {@link #FRESH_WAIT_MS}
 * (falling back to the last published one when the loop does not answer in time).
 *
 * <p>Thread-safe: {@link #start()} and {@link #close()} from any thread.
 */
public final class StatsListener implements Closeable {
    /** nutcracker's listen(2) backlog, SOMAXCONN. */
    static final int SOMAXCONN = 4096;
    /** The shortest aggregation interval, ms. */
    static final int MIN_INTERVAL_MS = 10;
    /** How long a stats request waits for the loop's fresh snapshot. */
    public static final long FRESH_WAIT_MS = 100;

    private final Stats stats;
    private final String addr;
    private final int port;
    private final int interval;
    private ServerSocket socket;
    private Thread thread;
    private volatile boolean closed;

    /**
     * {@code intervalMs}: the aggregation interval ({@code -i}). Below {@link #MIN_INTERVAL_MS} it counts as that
     * (nutcracker spins with {@code -i 0}; here each aggregation also wakes the event loop, and a stats request
     * is answered with fresh figures whatever the interval).
     */
    public StatsListener(Stats stats, String addr, int port, int intervalMs) {
        this.stats = stats;
        this.addr = addr;
        this.port = port;
        this.interval = Math.max(MIN_INTERVAL_MS, intervalMs);
    }

    /**
     * Binds the stats address and starts the thread. Throws with a one-line reason (nutcracker's words) when
     * the address cannot be resolved or bound.
     */
    public synchronized void start() throws IOException {
        if (socket != null) {
            return;
        }
        InetSocketAddress sa = new InetSocketAddress(addr, port);
        if (sa.isUnresolved()) {
            throw new IOException("failed to resolve stats server addr '" + addr + ":" + port + "'");
        }
        ServerSocket ss = new ServerSocket();
        try {
            ss.setReuseAddress(true);
            ss.bind(sa, SOMAXCONN);
        } catch (IOException e) {
            ss.close();
            throw new IOException("bind on stats server addr '" + addr + ":" + port + "' failed: "
                    + e.getMessage(), e);
        }
        socket = ss;
        Thread t = new Thread(this::run, "nc-stats");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** The bound address (port 0 resolved), or null before start. */
    public synchronized InetSocketAddress localAddress() {
        return socket == null ? null : (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void run() {
        ServerSocket ss;
        synchronized (this) {
            ss = socket;
        }
        long next = System.nanoTime();
        while (!closed) {
            long wait = (next - System.nanoTime()) / 1_000_000L;
            if (wait <= 0) {
                stats.refresh(FRESH_WAIT_MS); // stats_aggregate()
                next = System.nanoTime() + interval * 1_000_000L;
                continue;
            }
            try {
                ss.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, wait)));
                try (Socket c = ss.accept()) {
                    send(c);
                }
            } catch (SocketTimeoutException e) {
                // the interval is over
            } catch (IOException e) {
                if (closed || ss.isClosed()) {
                    return;
                }
                // a failed accept or send (the client went away): as nutcracker, go on
            }
        }
    }

    // stats_send_rsp()
    private void send(Socket c) throws IOException {
        stats.refresh(FRESH_WAIT_MS);
        c.setSoTimeout(5000);
        OutputStream out = c.getOutputStream();
        out.write(stats.json());
        out.flush();
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
