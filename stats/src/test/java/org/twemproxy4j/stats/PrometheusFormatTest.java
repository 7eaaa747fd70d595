package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusFormatTest {
    static final StatsLayout LAYOUT = new StatsLayout(List.of("alpha", "we\"ird"),
            List.of(List.of("bbbb", "127.0.0.1:6379"), List.of("back\\slash")));

    static StatsView view() {
        StatsSnapshot s = new StatsSnapshot(LAYOUT);
        s.totalConnections = 12;
        s.currConnections = 4;
        s.pool[0][StatsPoolField.CLIENT_EOF.ordinal()] = 3;
        s.pool[0][StatsPoolField.CLIENT_CONNECTIONS.ordinal()] = 2;
        s.pool[1][StatsPoolField.FRAGMENTS.ordinal()] = 7;
        s.server[0][1][StatsServerField.REQUESTS.ordinal()] = 100;
        s.server[0][1][StatsServerField.REQUEST_BYTES.ordinal()] = 4567;
        s.server[0][1][StatsServerField.OUT_QUEUE_BYTES.ordinal()] = 33;
        s.server[0][0][StatsServerField.SERVER_EJECTED_AT.ordinal()] = 1795626379426083L;
        for (int v = 1; v <= 100; v++) {
            LatencyHistogram.record(s.serverLatency[0][1], v * 100L);
            LatencyHistogram.record(s.poolLatency[0], v * 100L);
        }
        LatencyHistogram.record(s.poolLatency[0], 5);
        return new StatsView(LAYOUT, s, 1);
    }

    @Test
    void parsesStrictlyWithConventionalNamesAndValues() {
        Stats stats = new Stats(LAYOUT, "h");
        String text = PrometheusFormat.render(stats, view(), stats.startMillis() + 3_500);
        Map<String, PromText.Family> fs = PromText.parse(text);
        for (PromText.Family f : fs.values()) {
            assertNotNull(f.help, f.name + " has HELP");
            assertTrue(f.typed, f.name + " has TYPE");
            assertTrue(f.name.startsWith("twemproxy4j_"), f.name);
            assertEquals(f.type.equals("counter"), f.name.endsWith("_total"), f.name);
        }
        assertEquals("counter", fs.get("twemproxy4j_requests_total").type);
        assertEquals(100, fs.get("twemproxy4j_requests_total").value("twemproxy4j_requests_total",
                Map.of("pool", "alpha", "server", "127.0.0.1:6379")));
        assertEquals(4567, fs.get("twemproxy4j_request_bytes_total").value("twemproxy4j_request_bytes_total",
                Map.of("pool", "alpha", "server", "127.0.0.1:6379")));
        assertEquals("gauge", fs.get("twemproxy4j_out_queue_bytes").type);
        assertEquals(33, fs.get("twemproxy4j_out_queue_bytes").value("twemproxy4j_out_queue_bytes",
                Map.of("pool", "alpha", "server", "127.0.0.1:6379")));
        assertEquals(2, fs.get("twemproxy4j_client_connections").value("twemproxy4j_client_connections",
                Map.of("pool", "alpha")));
        assertEquals(7, fs.get("twemproxy4j_fragments_total").value("twemproxy4j_fragments_total",
                Map.of("pool", "we\"ird")));
        assertEquals(0, fs.get("twemproxy4j_requests_total").value("twemproxy4j_requests_total",
                Map.of("pool", "we\"ird", "server", "back\\slash")));
        assertEquals(1795626379.426083, fs.get("twemproxy4j_server_ejected_timestamp_seconds")
                .value("twemproxy4j_server_ejected_timestamp_seconds", Map.of("pool", "alpha", "server", "bbbb")));
        assertEquals(12, fs.get("twemproxy4j_connections_total").value("twemproxy4j_connections_total", Map.of()));
        assertEquals(4, fs.get("twemproxy4j_connections").value("twemproxy4j_connections", Map.of()));
        assertEquals(3, fs.get("twemproxy4j_uptime_seconds").value("twemproxy4j_uptime_seconds", Map.of()), 1);

        PromText.Family lat = fs.get("twemproxy4j_request_latency_seconds");
        assertEquals("summary", lat.type);
        Map<String, String> s01 = Map.of("pool", "alpha", "server", "127.0.0.1:6379");
        assertEquals(100, lat.value("twemproxy4j_request_latency_seconds_count", s01));
        assertEquals(0.505, lat.value("twemproxy4j_request_latency_seconds_sum", s01), 1e-9);
        assertEquals(0.005119, lat.value("twemproxy4j_request_latency_seconds",
                Map.of("pool", "alpha", "server", "127.0.0.1:6379", "quantile", "0.5")), 1e-9); // 5000 in [4864, 5119]
        assertEquals(0.01, lat.value("twemproxy4j_request_latency_seconds",
                Map.of("pool", "alpha", "server", "127.0.0.1:6379", "quantile", "0.999")), 1e-9);
        assertEquals(0.01, fs.get("twemproxy4j_request_latency_max_seconds")
                .value("twemproxy4j_request_latency_max_seconds", s01), 1e-9);
        PromText.Family pl = fs.get("twemproxy4j_pool_request_latency_seconds");
        assertEquals("summary", pl.type);
        assertEquals(101, pl.value("twemproxy4j_pool_request_latency_seconds_count", Map.of("pool", "alpha")));
        // one summary sample per quantile per server and pool
        assertEquals(3 * 6, lat.samples.size());
        assertEquals(2 * 6, pl.samples.size());
    }

    @Test
    void everyNutcrackerFieldHasAFamily() {
        Stats stats = new Stats(LAYOUT, "h");
        Map<String, PromText.Family> fs = PromText.parse(PrometheusFormat.render(stats, view(), 0));
        for (StatsPoolField f : StatsPoolField.values()) {
            assertEquals(2, fs.get(PrometheusFormat.name(f)).samples.size(), f.statName());
        }
        for (StatsServerField f : StatsServerField.values()) {
            assertEquals(3, fs.get(PrometheusFormat.name(f)).samples.size(), f.statName());
        }
    }

    @Test
    void secondsAreExact() {
        assertEquals("0", PrometheusFormat.seconds(0));
        assertEquals("0.000001", PrometheusFormat.seconds(1));
        assertEquals("1.5", PrometheusFormat.seconds(1_500_000));
        assertEquals("12", PrometheusFormat.seconds(12_000_000));
        assertEquals("-0.25", PrometheusFormat.seconds(-250_000));
    }

    @Test
    void theParserIsStrict() {
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("x 1\n"), "no TYPE");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("# TYPE x gauge\nx 1"), "no newline");
        assertThrows(IllegalArgumentException.class,
                () -> PromText.parse("# TYPE x gauge\nx{a=\"b\\t\"} 1\n"), "bad escape");
        assertThrows(IllegalArgumentException.class,
                () -> PromText.parse("# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n"), "duplicate");
        assertThrows(IllegalArgumentException.class,
                () -> PromText.parse("# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx{a=\"2\"} 1\n"), "interleaved");
        assertThrows(IllegalArgumentException.class,
                () -> PromText.parse("# TYPE x summary\nx 1\n"), "summary without quantile");
        assertThrows(IllegalArgumentException.class,
                () -> PromText.parse("# TYPE x_total counter\nx_total -1\n"), "negative counter");
    }

    @Test
    void sentinelAddressesOnlyForServersThatHaveOne() {
        Stats stats = new Stats(LAYOUT, "h");
        String plain = PrometheusFormat.render(stats, view(), stats.startMillis() + 3_500);
        assertTrue(!plain.contains("address"), "no sentinel pool: no address family");
        stats.addresses((pool, server) -> pool.equals("alpha") && server.equals("bbbb")
                ? new StatsAddresses.Entry("127.0.0.1:6380", 2) : null);
        String text = PrometheusFormat.render(stats, view(), stats.startMillis() + 3_500);
        Map<String, PromText.Family> fs = PromText.parse(text);
        assertEquals("counter", fs.get("twemproxy4j_server_address_changes_total").type);
        assertEquals(2, fs.get("twemproxy4j_server_address_changes_total").value(
                "twemproxy4j_server_address_changes_total", Map.of("pool", "alpha", "server", "bbbb")));
        assertEquals(1, fs.get("twemproxy4j_server_address_info").value("twemproxy4j_server_address_info",
                Map.of("pool", "alpha", "server", "bbbb", "address", "127.0.0.1:6380")));
        assertTrue(!text.contains("server=\"127.0.0.1:6379\",address"), text);
        // everything else is as without sentinels
        assertEquals(plain, text.replaceAll("(?m)^(# (HELP|TYPE) )?twemproxy4j_server_address_.*\n", ""));
    }
}
