package org.twemproxy4j.core.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code session_connections}: its default, its value, the errors nutcracker's rules give, and a reload's diff. */
class ConfSessionsTest {
    private static final String BASE = "alpha:\n  listen: 127.0.0.1:22121\n  redis: true\n";
    private static final String SERVERS = "  servers:\n    - 127.0.0.1:6379:1\n";

    private static ConfPool pool(String extra) throws ConfException {
        List<ConfPool> pools = Conf.parse(BASE + extra + SERVERS, "test.yml").pools();
        return pools.get(0);
    }

    @Test
    void defaultIs64PerServer() throws ConfException {
        assertEquals(64, pool("").sessionConnections());
        assertEquals(ConfPool.CONF_DEFAULT_SESSION_CONNECTIONS, pool("").sessionConnections());
    }

    @Test
    void valueAndZero() throws ConfException {
        assertEquals(5, pool("  session_connections: 5\n").sessionConnections());
        assertEquals(0, pool("  session_connections: 0\n").sessionConnections());
    }

    @Test
    void badValuesAreRejected() {
        ConfException e = assertThrows(ConfException.class, () -> pool("  session_connections: many\n"));
        assertTrue(e.getMessage().contains("session_connections") && e.getMessage().contains("is not a number"),
                e.getMessage());
        e = assertThrows(ConfException.class,
                () -> pool("  session_connections: 1\n  session_connections: 2\n"));
        assertTrue(e.getMessage().contains("is a duplicate"), e.getMessage());
    }

    @Test
    void aReloadSeesTheChange() throws ConfException {
        ConfPool a = pool("");
        ConfPool b = pool("  session_connections: 8\n");
        assertEquals(List.of("session_connections"), ConfDiff.differingKeys(a, b));
        assertEquals(List.of(), ConfDiff.differingKeys(a, pool("")));
    }
}
