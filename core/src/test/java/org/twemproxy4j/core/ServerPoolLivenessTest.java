package org.twemproxy4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import org.junit.jupiter.api.Test;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.proto.Proto;

/** server_failure / server_ok / server_pool_update, as nc_server.c counts, ejects and re-admits. */
class ServerPoolLivenessTest {
    /** The loop clock's unit: monotonic milliseconds. */
    private static long clock() {
        return System.nanoTime() / 1_000_000L;
    }

    private ServerPool pool(boolean autoEject, int nserver) throws Exception {
        StringBuilder y = new StringBuilder("p:\n  listen: 127.0.0.1:22121\n  redis: true\n  hash: md5\n"
                + "  auto_eject_hosts: " + autoEject + "\n  server_failure_limit: 2\n"
                + "  server_retry_timeout: 1000\n  servers:\n");
        for (int i = 0; i < nserver; i++) {
            y.append("   - 127.0.0.1:").append(7000 + i).append(":1\n");
        }
        Proto proto = mock(Proto.class);
        when(proto.name()).thenReturn("redis");
        return new ServerPool(0, Conf.parse(y.toString(), "t.yml").pools().get(0), proto);
    }

    private static int liveIndex(ServerPool p, String key) {
        byte[] k = key.getBytes();
        return p.index(k, k.length);
    }

    @Test
    void theFailureLimitEjectsAndTheRetryTimeReadmits() throws Exception {
        ServerPool p = pool(true, 2);
        Server s = p.servers[1];
        p.serverFailure(s, clock());
        assertEquals(2, p.nlive, "one failure is below the limit");
        assertEquals(1, s.failureCount());
        long before = clock();
        p.serverFailure(s, clock());
        assertEquals(1, p.nlive, "ejected at the limit");
        assertEquals(0, s.failureCount(), "the count restarts");
        assertEquals(1, p.stats[CoreStats.SERVER_EJECTS]);
        assertTrue(s.nextRetry() >= before + 1000 && s.nextRetry() <= clock() + 1000);
        long usec = s.stats[CoreStats.SERVER_EJECTED_AT];
        assertTrue(Math.abs(usec / 1000 - System.currentTimeMillis()) < 60_000, "usec since the epoch: " + usec);
        for (int i = 0; i < 50; i++) {
            assertEquals(0, liveIndex(p, "key" + i), "every key on the live server");
        }
        assertTrue(p.update(s.nextRetry()), "not yet: still one live");
        assertEquals(1, p.nlive);
        assertTrue(p.update(s.nextRetry() + 1));
        assertEquals(2, p.nlive, "re-admitted once the retry time has passed");
        boolean some = false;
        for (int i = 0; i < 50; i++) {
            some |= liveIndex(p, "key" + i) == 1;
        }
        assertTrue(some, "keys map to it again");
    }

    @Test
    void aGoodResponseResetsTheCount() throws Exception {
        ServerPool p = pool(true, 2);
        Server s = p.servers[0];
        p.serverFailure(s, clock());
        s.ok();
        p.serverFailure(s, clock());
        assertEquals(2, p.nlive, "failures must be consecutive");
    }

    @Test
    void everyServerEjectedRefusesUntilTheEarliestRetryEvenWithOneServer() throws Exception {
        for (int n = 1; n <= 2; n++) {
            ServerPool p = pool(true, n);
            for (int i = 0; i < n; i++) {
                p.serverFailure(p.servers[i], clock());
                p.serverFailure(p.servers[i], clock());
            }
            assertEquals(0, p.nlive);
            long retry = p.servers[0].nextRetry();
            assertFalse(p.update(clock()), n + " server(s): refused");
            assertFalse(p.update(retry), "refused up to the retry time");
            assertTrue(p.update(retry + 1 + (n == 2 ? 10 : 0)), "then re-admitted");
        }
    }

    @Test
    void withoutAutoEjectNothingMoves() throws Exception {
        ServerPool p = pool(false, 2);
        for (int i = 0; i < 10; i++) {
            p.serverFailure(p.servers[1], clock());
        }
        assertEquals(2, p.nlive);
        assertEquals(0, p.stats[CoreStats.SERVER_EJECTS]);
        assertTrue(p.update(clock()));
    }
}
