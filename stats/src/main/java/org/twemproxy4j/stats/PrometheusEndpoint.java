package org.twemproxy4j.stats;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The optional Prometheus endpoint (twemproxy4j only; {@code --prometheus-port}): HTTP {@code GET /metrics}
 * answers {@link PrometheusFormat}'s text. Served by the JDK's {@code com.sun.net.httpserver} on one daemon
 * thread of its own, never on the event loop; each scrape asks the loop for a fresh snapshot as a stats-port
 * request does ({@link Stats#refresh}).
 *
 * <p>Thread-safe: {@link #start()} and {@link #close()} from any thread.
 */
public final class PrometheusEndpoint implements Closeable {
    /** The path scraped. */
    public static final String PATH = "/metrics";

    private final Stats stats;
    private final String addr;
    private final int port;
    private HttpServer server;
    private ExecutorService executor;

    public PrometheusEndpoint(Stats stats, String addr, int port) {
        this.stats = stats;
        this.addr = addr;
        this.port = port;
    }

    /** Binds and starts serving; throws with a one-line reason when the address cannot be used. */
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        InetSocketAddress sa = new InetSocketAddress(addr, port);
        if (sa.isUnresolved()) {
            throw new IOException("failed to resolve prometheus addr '" + addr + ":" + port + "'");
        }
        HttpServer s;
        try {
            s = HttpServer.create(sa, 64);
        } catch (IOException e) {
            throw new IOException("bind on prometheus addr '" + addr + ":" + port + "' failed: " + e.getMessage(), e);
        }
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nc-prometheus");
            t.setDaemon(true);
            return t;
        });
        s.setExecutor(ex);
        s.createContext("/", this::handle);
        s.start();
        server = s;
        executor = ex;
    }

    /** The bound address (port 0 resolved), or null before start. */
    public synchronized InetSocketAddress localAddress() {
        return server == null ? null : server.getAddress();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String method = x.getRequestMethod();
            if (!PATH.equals(x.getRequestURI().getPath())) {
                reply(x, 404, "text/plain; charset=utf-8", "not found: try " + PATH + "\n", true);
                return;
            }
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                x.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(x, 405, "text/plain; charset=utf-8", "method not allowed\n", true);
                return;
            }
            StatsView v = stats.refresh(StatsListener.FRESH_WAIT_MS);
            reply(x, 200, PrometheusFormat.CONTENT_TYPE,
                    PrometheusFormat.render(stats, v, System.currentTimeMillis()), !head);
        }
    }

    private static void reply(HttpExchange x, int status, String type, String body, boolean withBody)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, withBody ? bytes.length : -1);
        if (withBody) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor = null;
        }
    }
}
