package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsJsonTest {

    /** The documents nutcracker 0.5.0 wrote (two pools, servers in its sorted order), recorded from its stats port. */
    static String recorded(int n) throws IOException {
        try (InputStream in = StatsJsonTest.class.getResourceAsStream("nutcracker-0.5.0-stats-" + n + ".json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Layout and counters as read from a nutcracker document; pool and server order kept. */
    @SuppressWarnings("unchecked")
    static StatsSnapshot fill(Map<String, Object> doc, List<String> pools, List<List<String>> servers) {
        for (Map.Entry<String, Object> e : doc.entrySet()) {
            if (e.getValue() instanceof Map) {
                pools.add(e.getKey());
                List<String> ss = new ArrayList<>();
                for (Map.Entry<String, Object> f : ((Map<String, Object>) e.getValue()).entrySet()) {
                    if (f.getValue() instanceof Map) {
                        ss.add(f.getKey());
                    }
                }
                servers.add(ss);
            }
        }
        StatsSnapshot snap = new StatsSnapshot(new StatsLayout(pools, servers));
        snap.totalConnections = (Long) doc.get("total_connections");
        snap.currConnections = (Long) doc.get("curr_connections");
        for (int p = 0; p < pools.size(); p++) {
            Map<String, Object> pm = (Map<String, Object>) doc.get(pools.get(p));
            for (StatsPoolField f : StatsPoolField.values()) {
                snap.pool[p][f.ordinal()] = (Long) pm.get(f.statName());
            }
            for (int s = 0; s < servers.get(p).size(); s++) {
                Map<String, Object> sm = (Map<String, Object>) pm.get(servers.get(p).get(s));
                for (StatsServerField f : StatsServerField.values()) {
                    snap.server[p][s][f.ordinal()] = (Long) sm.get(f.statName());
                }
            }
        }
        return snap;
    }

    @Test
    void byteForByteAsNutcracker() throws IOException {
        for (int n = 1; n <= 2; n++) {
            String want = recorded(n);
            Map<String, Object> doc = MiniJson.object(want);
            List<String> pools = new ArrayList<>();
            List<List<String>> servers = new ArrayList<>();
            StatsSnapshot snap = fill(doc, pools, servers);
            StatsLayout layout = new StatsLayout(pools, servers);
            StatsView view = new StatsView(layout, snap, 1);
            String got = StatsJson.render(layout, view, (String) doc.get("source"), (Long) doc.get("uptime"),
                    (Long) doc.get("timestamp"), false);
            assertEquals(want, got, "document " + n);
        }
    }

    @Test
    void layoutDetails() throws IOException {
        String doc = recorded(2);
        assertTrue(doc.startsWith("{\"service\":\"nutcracker\", \"source\":\"vm\", \"version\":\"0.5.0\", \"uptime\":"));
        assertTrue(doc.contains("\"out_queue_bytes\":0},\"127.0.0.1:41379\": {\"server_eof\":0, "));
        assertTrue(doc.contains("\"out_queue_bytes\":0}},\"alpha\": {\"client_eof\":0, "));
        assertTrue(doc.endsWith("\"out_queue_bytes\":0}}}\n"));
    }

    @SuppressWarnings("unchecked")
    @Test
    void latencyKeysAreExtraNumbersAfterNutcrackersFields() throws IOException {
        Map<String, Object> ref = MiniJson.object(recorded(2));
        List<String> pools = new ArrayList<>();
        List<List<String>> servers = new ArrayList<>();
        StatsSnapshot snap = fill(ref, pools, servers);
        for (long v = 1; v <= 100; v++) {
            LatencyHistogram.record(snap.poolLatency[0], v);
            LatencyHistogram.record(snap.serverLatency[0][1], v * 10);
        }
        StatsLayout layout = new StatsLayout(pools, servers);
        String text = StatsJson.render(layout, new StatsView(layout, snap, 1), "vm", 7, 1795632108, true);
        assertTrue(text.endsWith("}}}\n") && text.indexOf('\n') == text.length() - 1, text);
        Map<String, Object> doc = MiniJson.object(text);

        // same top-level keys in the same order
        assertEquals(new ArrayList<>(ref.keySet()), new ArrayList<>(doc.keySet()));
        for (String pool : pools) {
            Map<String, Object> rp = (Map<String, Object>) ref.get(pool);
            Map<String, Object> gp = (Map<String, Object>) doc.get(pool);
            List<String> want = new ArrayList<>();
            for (StatsPoolField f : StatsPoolField.values()) {
                want.add(f.statName());
            }
            want.addAll(latencyKeys());
            for (Map.Entry<String, Object> e : rp.entrySet()) {
                if (e.getValue() instanceof Map) {
                    want.add(e.getKey());
                }
            }
            assertEquals(want, new ArrayList<>(gp.keySet()), pool);
            for (Map.Entry<String, Object> e : rp.entrySet()) {
                if (!(e.getValue() instanceof Map)) {
                    assertEquals(e.getValue(), gp.get(e.getKey()), pool + "." + e.getKey());
                    continue;
                }
                Map<String, Object> rs = (Map<String, Object>) e.getValue();
                Map<String, Object> gs = (Map<String, Object>) gp.get(e.getKey());
                List<String> ws = new ArrayList<>(rs.keySet());
                ws.addAll(latencyKeys());
                ws.add(StatsJson.SESSION_CONNECTIONS);
                assertEquals(ws, new ArrayList<>(gs.keySet()), pool + "." + e.getKey());
                for (String k : rs.keySet()) {
                    assertEquals(rs.get(k), gs.get(k), pool + "." + e.getKey() + "." + k);
                }
            }
        }
        Map<String, Object> zeta = (Map<String, Object>) doc.get("zeta");
        assertEquals(100L, zeta.get("latency_count"));
        assertEquals(51L, zeta.get("latency_p50_us")); // 50 lies in bucket [50, 51]
        assertEquals(100L, zeta.get("latency_max_us"));
        Map<String, Object> s1 = (Map<String, Object>) zeta.get(servers.get(0).get(1));
        assertEquals(100L, s1.get("latency_count"));
        assertEquals(1000L, s1.get("latency_max_us"));
        assertEquals(0L, ((Map<String, Object>) zeta.get(servers.get(0).get(0))).get("latency_count"));
    }

    /**
     * The way nutcracker's agents read the document: every top-level object is a pool, every object inside a
     * pool is a server, every number in a server is a metric. With the latency keys they must find the same
     * pools and servers, and each of nutcracker's metrics where it was.
     */
    @SuppressWarnings("unchecked")
    @Test
    void agentsSeeTheSamePoolsAndServers() throws IOException {
        Map<String, Object> ref = MiniJson.object(recorded(2));
        List<String> pools = new ArrayList<>();
        List<List<String>> servers = new ArrayList<>();
        StatsSnapshot snap = fill(ref, pools, servers);
        StatsLayout layout = new StatsLayout(pools, servers);
        Map<String, Object> doc = MiniJson.object(
                StatsJson.render(layout, new StatsView(layout, snap, 1), "vm", 7, 1795632108, true));
        List<String> seenPools = new ArrayList<>();
        List<List<String>> seenServers = new ArrayList<>();
        for (Map.Entry<String, Object> e : doc.entrySet()) {
            if (e.getValue() instanceof Map) {
                seenPools.add(e.getKey());
                List<String> ss = new ArrayList<>();
                for (Map.Entry<String, Object> f : ((Map<String, Object>) e.getValue()).entrySet()) {
                    if (f.getValue() instanceof Map) {
                        ss.add(f.getKey());
                        for (Object v : ((Map<String, Object>) f.getValue()).values()) {
                            assertTrue(v instanceof Long, "a server holds numbers only: " + v);
                        }
                    } else {
                        assertTrue(f.getValue() instanceof Long, "a pool holds numbers and servers: " + f);
                    }
                }
                seenServers.add(ss);
            }
        }
        assertEquals(pools, seenPools);
        assertEquals(servers, seenServers);
    }

    @Test
    void namesAreEscapedOnlyWhereNutcrackerWouldWriteInvalidJson() {
        StatsLayout layout = new StatsLayout(List.of("p\"q"), List.of(List.of("a\\b", "127.0.0.1:6379")));
        String text = StatsJson.render(layout, StatsView.empty(layout), "host", 0, 0, false);
        assertTrue(text.contains("\"p\\\"q\": {"), text);
        assertTrue(text.contains("\"a\\\\b\": {"), text);
        assertTrue(text.contains("\"127.0.0.1:6379\": {"), text);
        Map<String, Object> doc = MiniJson.object(text);
        assertTrue(doc.containsKey("p\"q"));
    }

    static List<String> latencyKeys() {
        List<String> l = new ArrayList<>();
        l.add(StatsJson.LATENCY_COUNT);
        for (int i = 0; i < LatencySummary.QUANTILES.length; i++) {
            l.add(StatsJson.latencyKey(i));
        }
        l.add(StatsJson.LATENCY_MAX);
        return l;
    }

    @SuppressWarnings("unchecked")
    @Test
    void sentinelServersShowTheirAddressOtherServersDoNot() throws IOException {
        Map<String, Object> ref = MiniJson.object(recorded(2));
        List<String> pools = new ArrayList<>();
        List<List<String>> servers = new ArrayList<>();
        StatsSnapshot snap = fill(ref, pools, servers);
        StatsLayout layout = new StatsLayout(pools, servers);
        StatsView view = new StatsView(layout, snap, 1);
        String plain = StatsJson.render(layout, view, "vm", 7, 1795632108, false, Map.of(), StatsAddresses.NONE);
        assertEquals(StatsJson.render(layout, view, "vm", 7, 1795632108, false), plain);
        String pool = pools.get(0);
        String server = servers.get(0).get(0);
        String text = StatsJson.render(layout, view, "vm", 7, 1795632108, false, Map.of(),
                (p, sv) -> p.equals(pool) && sv.equals(server) ? new StatsAddresses.Entry("127.0.0.1:7000", 3) : null);
        Map<String, Object> doc = MiniJson.object(text);
        Map<String, Object> sm = (Map<String, Object>) ((Map<String, Object>) doc.get(pool)).get(server);
        assertEquals("127.0.0.1:7000", sm.get("address"));
        assertEquals(3L, sm.get("address_changes"));
        assertTrue(text.contains("\"out_queue_bytes\":" + sm.get("out_queue_bytes")
                + ", \"address\":\"127.0.0.1:7000\", \"address_changes\":3},"), text);
        // every other server and pool exactly as before
        assertEquals(plain, text.replace(", \"address\":\"127.0.0.1:7000\", \"address_changes\":3", ""));
    }
}
