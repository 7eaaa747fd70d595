package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code nutcracker -D}'s description text. */
class StatsDescribeTest {
    /**
     * The output of Debian's nutcracker 0.5.0, {@code nutcracker -D 2>&1 | tail -n +4}: everything after the
     * version lines and the blank line.
     */
    static final String NUTCRACKER_D =
            "pool stats:\n"
            + "  client_eof          \"# eof on client connections\"\n"
            + "  client_err          \"# errors on client connections\"\n"
            + "  client_connections  \"# active client connections\"\n"
            + "  server_ejects       \"# times backend server was ejected\"\n"
            + "  forward_error       \"# times we encountered a forwarding error\"\n"
            + "  fragments           \"# fragments created from a multi-vector request\"\n"
            + "\n"
            + "server stats:\n"
            + "  server_eof          \"# eof on server connections\"\n"
            + "  server_err          \"# errors on server connections\"\n"
            + "  server_timedout     \"# timeouts on server connections\"\n"
            + "  server_connections  \"# active server connections\"\n"
            + "  server_ejected_at   \"timestamp when server was ejected in usec since epoch\"\n"
            + "  requests            \"# requests\"\n"
            + "  request_bytes       \"total request bytes\"\n"
            + "  responses           \"# responses\"\n"
            + "  response_bytes      \"total response bytes\"\n"
            + "  in_queue            \"# requests in incoming queue\"\n"
            + "  in_queue_bytes      \"current request bytes in incoming queue\"\n"
            + "  out_queue           \"# requests in outgoing queue\"\n"
            + "  out_queue_bytes     \"current request bytes in outgoing queue\"\n";

    @Test
    void byteForByteAsNutcracker() {
        assertEquals(NUTCRACKER_D, StatsDescribe.render());
    }

    @Test
    void layout() {
        String[] lines = StatsDescribe.render().split("\n", -1);
        assertEquals("pool stats:", lines[0]);
        assertEquals("  client_eof          \"# eof on client connections\"", lines[1]);
        assertEquals("", lines[7]);
        assertEquals("server stats:", lines[8]);
        assertEquals("  out_queue_bytes     \"current request bytes in outgoing queue\"", lines[21]);
        assertEquals("", lines[22]); // ends with a newline
        assertEquals(23, lines.length);
        assertTrue(StatsDescribe.render().endsWith("\"\n"));
    }
}
