package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The codec against nc_stats.h's STATS_POOL_CODEC / STATS_SERVER_CODEC: order, names, types. */
class StatsFieldTest {

    @Test
    void poolFieldsInNutcrackerOrderWithTheirTypes() {
        List<String> got = new ArrayList<>();
        for (StatsPoolField f : StatsPoolField.values()) {
            got.add(f.statName() + ":" + f.type());
        }
        assertEquals(List.of("client_eof:COUNTER", "client_err:COUNTER", "client_connections:GAUGE",
                "server_ejects:COUNTER", "forward_error:COUNTER", "fragments:COUNTER"), got);
        assertEquals(6, StatsPoolField.COUNT);
    }

    @Test
    void serverFieldsInNutcrackerOrderWithTheirTypes() {
        List<String> got = new ArrayList<>();
        for (StatsServerField f : StatsServerField.values()) {
            got.add(f.statName() + ":" + f.type());
        }
        assertEquals(List.of("server_eof:COUNTER", "server_err:COUNTER", "server_timedout:COUNTER",
                "server_connections:GAUGE", "server_ejected_at:TIMESTAMP", "requests:COUNTER",
                "request_bytes:COUNTER", "responses:COUNTER", "response_bytes:COUNTER", "in_queue:GAUGE",
                "in_queue_bytes:GAUGE", "out_queue:GAUGE", "out_queue_bytes:GAUGE"), got);
        assertEquals(13, StatsServerField.COUNT);
    }

    @Test
    void constantNamesAreTheStatNamesUpperCased() {
        for (StatsPoolField f : StatsPoolField.values()) {
            assertEquals(f.statName().toUpperCase(java.util.Locale.ROOT), f.name());
        }
        for (StatsServerField f : StatsServerField.values()) {
            assertEquals(f.statName().toUpperCase(java.util.Locale.ROOT), f.name());
        }
    }

    @Test
    void lookUpByStatName() {
        assertSame(StatsPoolField.FRAGMENTS, StatsPoolField.fromStatName("fragments"));
        assertSame(StatsServerField.SERVER_EJECTED_AT, StatsServerField.fromStatName("server_ejected_at"));
        assertNull(StatsPoolField.fromStatName("requests"));
        assertNull(StatsServerField.fromStatName("client_eof"));
        assertNull(StatsServerField.fromStatName(""));
    }

    @Test
    void descriptionsOfSomeFields() {
        assertEquals("# times we encountered a forwarding error", StatsPoolField.FORWARD_ERROR.description());
        assertEquals("timestamp when server was ejected in usec since epoch",
                StatsServerField.SERVER_EJECTED_AT.description());
        assertEquals("current request bytes in incoming queue", StatsServerField.IN_QUEUE_BYTES.description());
    }
}
