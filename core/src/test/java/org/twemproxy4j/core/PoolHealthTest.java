package org.twemproxy4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfPool;

/** The liveness shared by the workers: failures counted over threads, one ejection per crossing of the limit. */
class PoolHealthTest {
    @Test
    void failuresCountAndRestartAtTheLimit() {
        PoolHealth h = PoolHealth.single(2);
        assertFalse(h.failure(1, 3));
        assertFalse(h.failure(1, 3));
        assertEquals(2, h.failures(1));
        assertTrue(h.failure(1, 3), "the third failure reaches the limit");
        assertEquals(0, h.failures(1), "the count restarts");
        assertEquals(0, h.version());
        assertEquals(1, h.eject(1, 1234));
        assertEquals(1234, h.nextRetry(1));
        assertEquals(0, h.nextRetry(0));
        assertFalse(h.failure(1, 3));
        h.ok(1);
        assertEquals(0, h.failures(1));
        assertEquals(0, h.nextRetry(1), "a good reply clears the retry time, as server_ok()");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentWorkersEjectExactlyOncePerLimitCrossing() throws Exception {
        PoolHealth h = PoolHealth.single(1);
        AtomicInteger changes = new AtomicInteger();
        h.onChange(changes::incrementAndGet);
        AtomicInteger ejections = new AtomicInteger();
        int threads = 4;
        int each = 30_000;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    if (h.failure(0, 3)) {
                        ejections.incrementAndGet();
                        h.eject(0, i);
                    }
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        assertEquals(threads * each / 3, ejections.get(), "one ejection per three failures, over every thread");
        assertEquals(threads * each % 3, h.failures(0));
        assertEquals(ejections.get(), h.version());
        assertEquals(ejections.get(), changes.get(), "every ejection wakes the workers");
    }

    @Test
    void oneHealthPerDefinitionAndOneClientCountPerName() throws Exception {
        String y = "p:\n  listen: 127.0.0.1:22121\n  servers:\n   - 127.0.0.1:11211:1\n";
        ConfPool a = Conf.parse(y, "a.yml").pools().get(0);
        ConfPool b = Conf.parse(y, "b.yml").pools().get(0);
        PoolHealth.Registry r = new PoolHealth.Registry();
        PoolHealth ha = r.of(a);
        assertSame(ha, r.of(a), "every worker of one start or reload shares it");
        PoolHealth hb = r.of(b);
        assertNotSame(ha, hb, "a new definition starts with every server live");
        assertSame(ha.clients, hb.clients, "clients count against their pool's name whatever its definition");
    }
}
