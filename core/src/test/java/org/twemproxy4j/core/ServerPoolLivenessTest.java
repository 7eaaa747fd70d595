package org.twemproxy4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.proto.Proto;

/** server_failure / server_ok / server_pool_update, as nc_server.c counts, ejects and re-admits. */
class ServerPoolLivenessTest {
    private Context ctx;

    private ServerPool pool(boolean autoEject, int nserver) throws Exception {
        StringBuilder y = new StringBuilder("p:\n  listen: 127.0.0.1:22121\n  redis: true\n  hash: md5\n"
                + "  auto_eject_hosts: " + autoEject + "\n  server_failure_limit: 2\n"
                + "  server_retry_timeout: 1000\n  servers:\n");
        for (int i = 0; i < nserver; i++) {
            y.append("   - 127.0.0.1:").append(7000 + i).append(":1\n");
        }
        Proto proto = mock(Proto.class);
        when(proto.name()).thenReturn("redis");
        ctx = new Context(Conf.parse(y.toString(), "t.yml"), Map.of("redis", proto), 16384);
        return ctx.pools[0];
    }

    @AfterEach
    void close() {
        if (ctx != null) {
            ctx.evb.close();
            ctx.mbufPool.close();
        }
    }

    private static int liveIndex(ServerPool p, String key) {
        byte[] k = key.getBytes();
        return p.index(k, k.length);
    }

    @Test
    void theFailureLimitEjectsAndTheRetryTimeReadmits() throws Exception {
        ServerPool p = pool(true, 2);
        Server s = p.servers[1];
        p.serverFailure(ctx, s);
        assertEquals(2, p.nlive, "one failure is below the limit");
        assertEquals(1, s.failureCount);
        long before = Context.clock();
        p.serverFailure(ctx, s);
        assertEquals(1, p.nlive, "ejected at the limit");
        assertEquals(0, s.failureCount, "the count restarts");
        assertEquals(1, p.stats[CoreStats.SERVER_EJECTS]);
        assertTrue(s.nextRetry >= before + 1000 && s.nextRetry <= Context.clock() + 1000);
        long usec = s.stats[CoreStats.SERVER_EJECTED_AT];
        assertTrue(Math.abs(usec / 1000 - System.currentTimeMillis()) < 60_000, "usec since the epoch: " + usec);
        for (int i = 0; i < 50; i++) {
            assertEquals(0, liveIndex(p, "key" + i), "every key on the live server");
        }
        assertTrue(p.update(s.nextRetry), "not yet: still one live");
        assertEquals(1, p.nlive);
        assertTrue(p.update(s.nextRetry + 1));
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
        p.serverFailure(ctx, s);
        s.ok();
        p.serverFailure(ctx, s);
        assertEquals(2, p.nlive, "failures must be consecutive");
    }

    @Test
    void everyServerEjectedRefusesUntilTheEarliestRetryEvenWithOneServer() throws Exception {
        for (int n = 1; n <= 2; n++) {
            ServerPool p = pool(true, n);
            for (int i = 0; i < n; i++) {
                p.serverFailure(ctx, p.servers[i]);
                p.serverFailure(ctx, p.servers[i]);
            }
            assertEquals(0, p.nlive);
            long retry = p.servers[0].nextRetry;
            assertFalse(p.update(Context.clock()), n + " server(s): refused");
            assertFalse(p.update(retry), "refused up to the retry time");
            assertTrue(p.update(retry + 1 + (n == 2 ? 10 : 0)), "then re-admitted");
            close();
        }
    }

    @Test
    void withoutAutoEjectNothingMoves() throws Exception {
        ServerPool p = pool(false, 2);
        for (int i = 0; i < 10; i++) {
            p.serverFailure(ctx, p.servers[1]);
        }
        assertEquals(2, p.nlive);
        assertEquals(0, p.stats[CoreStats.SERVER_EJECTS]);
        assertTrue(p.update(Context.clock()));
    }
}
