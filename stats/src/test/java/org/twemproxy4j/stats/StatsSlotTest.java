package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Several event loops' slots merged by name, and a layout that changes while the process runs (reload). */
class StatsSlotTest {
    private static final int REQUESTS = StatsServerField.REQUESTS.ordinal();
    private static final int EJECTED_AT = StatsServerField.SERVER_EJECTED_AT.ordinal();
    private static final int CLIENTS = StatsPoolField.CLIENT_CONNECTIONS.ordinal();

    private static StatsLayout layout(String pool, String... servers) {
        return new StatsLayout(List.of(pool), List.of(List.of(servers)));
    }

    /** What a loop does once per turn: fill the shadow when asked. */
    private static void loopTurn(StatsSlot slot, int clients, long requestsOfB, long ejectedAt) {
        if (!slot.snapshotRequested()) {
            return;
        }
        StatsSnapshot sh = slot.shadow();
        sh.pool[0][CLIENTS] = clients;
        int b = sh.layout.serverIndex(0, "b");
        sh.server[0][b][REQUESTS] = requestsOfB;
        sh.server[0][b][EJECTED_AT] = ejectedAt;
        LatencyHistogram.record(sh.poolLatency[0], 100 * clients);
        sh.currConnections = clients + 1;
        slot.snapshotTaken();
    }

    @Test
    void slotsAreSummedByNameAndTheLatestEjectionIsKept() {
        Stats stats = new Stats(layout("p", "a", "b"), "h");
        StatsSlot w0 = stats.slot();
        StatsSlot w1 = stats.addSlot(layout("p", "b", "a")); // the same servers in another order
        assertEquals(2, stats.nslots());
        assertTrue(stats.request());
        assertTrue(stats.pending());
        loopTurn(w0, 3, 10, 500);
        assertTrue(stats.pending(), "one worker has not answered");
        loopTurn(w1, 4, 32, 900);
        assertFalse(stats.pending());
        assertTrue(stats.collect());
        StatsView v = stats.view();
        assertEquals(7, v.pool(0, StatsPoolField.CLIENT_CONNECTIONS));
        assertEquals(42, v.server(0, 1, StatsServerField.REQUESTS), "b's requests of both workers");
        assertEquals(0, v.server(0, 0, StatsServerField.REQUESTS));
        assertEquals(900, v.server(0, 1, StatsServerField.SERVER_EJECTED_AT), "the latest ejection");
        assertEquals(2, v.poolLatency(0).count(), "histograms merged, not averaged");
        assertEquals(400, v.poolLatency(0).maxMicros());
        assertEquals(9, v.currConnections());
    }

    @Test
    void aNewLayoutPublishesTheNewPoolSetAndKeepsCountersByName() {
        Stats stats = new Stats(layout("p", "a", "b"), "h");
        StatsSlot w0 = stats.slot();
        stats.request();
        loopTurn(w0, 1, 5, 0);
        stats.collect();
        assertEquals(5, stats.view().server(0, 1, StatsServerField.REQUESTS));

        StatsLayout next = layout("p", "b", "c");           // a removed, c added
        stats.layout(next);
        w0.layout(next);                                     // the loop applies the reload
        assertEquals(next, stats.view().layout(), "the new pool set on the next read");
        stats.request();
        loopTurn(w0, 1, 6, 0);
        stats.collect();
        StatsView v = stats.view();
        assertEquals("b", v.layout().server(0, 0));
        assertEquals(6, v.server(0, 0, StatsServerField.REQUESTS), "b's counter carries on");
        String json = new String(stats.json(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"c\": {"), json);
        assertFalse(json.contains("\"a\": {"), json);
    }

    @Test
    void extrasArePlainTopLevelNumbers() {
        Stats stats = new Stats(layout("p", "a"), "h");
        stats.extra("reloads", 3);
        String json = new String(stats.json(), StandardCharsets.UTF_8);
        int at = json.indexOf("\"reloads\":3");
        assertTrue(at > json.indexOf("\"curr_connections\"") && at < json.indexOf("\"p\": {"), json);
    }
}
