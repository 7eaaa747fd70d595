package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stats port and the Prometheus endpoint on loopback, fed by a fake event loop thread. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatsListenerTest {
    static final StatsLayout LAYOUT = new StatsLayout(List.of("alpha"), List.of(List.of("127.0.0.1:6379", "b")));

    Stats stats;
    volatile long requests;
    AtomicBoolean stop = new AtomicBoolean();
    Thread loop;

    @BeforeEach
    void loop() {
        stats = new Stats(LAYOUT, "testhost");
        loop = new Thread(() -> {
            while (!stop.get()) {
                if (stats.snapshotRequested()) {
                    stats.shadow().server[0][0][StatsServerField.REQUESTS.ordinal()] = requests;
                    stats.shadow().currConnections = 2;
                    stats.snapshotTaken();
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fake-loop");
        loop.setDaemon(true);
        loop.start();
    }

    @AfterEach
    void stopLoop() throws InterruptedException {
        stop.set(true);
        loop.join(2000);
    }

    static String read(InetSocketAddress a) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", a.getPort()), 2000);
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("unchecked")
    @Test
    void writesTheDocumentOncePerConnectionAndCloses() throws Exception {
        try (StatsListener l = new StatsListener(stats, "127.0.0.1", 0, 60_000)) {
            l.start();
            requests = 41;
            String doc = read(l.localAddress());
            assertTrue(doc.startsWith("{\"service\":\"nutcracker\", \"source\":\"testhost\", \"version\":\"0.5.0\", "
                    + "\"uptime\":"), doc);
            assertTrue(doc.endsWith("}}}\n"), doc);
            Map<String, Object> m = MiniJson.object(doc);
            assertEquals(2L, m.get("curr_connections"));
            // fresh although the interval (60 s) has not passed
            assertEquals(41L, ((Map<String, Object>) ((Map<String, Object>) m.get("alpha")).get("127.0.0.1:6379"))
                    .get("requests"));
            requests = 42;
            Map<String, Object> m2 = MiniJson.object(read(l.localAddress()));
            assertEquals(42L, ((Map<String, Object>) ((Map<String, Object>) m2.get("alpha")).get("127.0.0.1:6379"))
                    .get("requests"));
            long now = System.currentTimeMillis() / 1000;
            assertTrue(Math.abs((Long) m2.get("timestamp") - now) <= 2);
        }
    }

    @Test
    void aggregatesEveryIntervalWithoutClients() throws Exception {
        try (StatsListener l = new StatsListener(stats, "127.0.0.1", 0, 20)) {
            l.start();
            requests = 7;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (stats.view().server(0, 0, StatsServerField.REQUESTS) != 7 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(7, stats.view().server(0, 0, StatsServerField.REQUESTS));
        }
    }

    @Test
    void aBusyPortIsAOneLineError() throws Exception {
        try (StatsListener a = new StatsListener(stats, "127.0.0.1", 0, 1000)) {
            a.start();
            int port = a.localAddress().getPort();
            // the listener holds the port: a second one cannot bind it
            IOException e = assertThrows(IOException.class,
                    () -> new StatsListener(stats, "127.0.0.1", port, 1000).start());
            assertTrue(e.getMessage().startsWith("bind on stats server addr '127.0.0.1:" + port + "' failed: "),
                    e.getMessage());
            assertTrue(!e.getMessage().contains("\n"));
        }
    }

    @Test
    void closeFreesThePort() throws Exception {
        StatsListener a = new StatsListener(stats, "127.0.0.1", 0, 1000);
        a.start();
        int port = a.localAddress().getPort();
        a.close();
        try (StatsListener b = new StatsListener(stats, "127.0.0.1", port, 1000)) {
            b.start(); // SO_REUSEADDR: no TIME_WAIT trouble either
            assertEquals(port, b.localAddress().getPort());
        }
    }

    @Test
    void prometheusEndpoint() throws Exception {
        try (PrometheusEndpoint p = new PrometheusEndpoint(stats, "127.0.0.1", 0)) {
            p.start();
            requests = 5;
            int port = p.localAddress().getPort();
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
            assertEquals(200, c.getResponseCode());
            assertEquals(PrometheusFormat.CONTENT_TYPE, c.getContentType());
            String body = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, PromText.Family> fs = PromText.parse(body);
            assertEquals(5, fs.get("twemproxy4j_requests_total").value("twemproxy4j_requests_total",
                    Map.of("pool", "alpha", "server", "127.0.0.1:6379")));
            HttpURLConnection nf = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/other").openConnection();
            assertEquals(404, nf.getResponseCode());
            HttpURLConnection post = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics")
                    .openConnection();
            post.setRequestMethod("POST");
            post.setDoOutput(true);
            post.getOutputStream().write('x');
            assertEquals(405, post.getResponseCode());
        }
    }
}
