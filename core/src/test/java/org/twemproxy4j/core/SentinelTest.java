package org.twemproxy4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfPool;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.event.SelectorEventBase;
import org.twemproxy4j.mbuf.MbufPool;

/**
 * The sentinel watcher's rules without processes (SentinelIT runs real sentinels): how answers and announcements
 * of disagreeing sentinels decide a master's address, what is published for the workers, and the RESP reader.
 */
class SentinelTest {
    private static final String YAML = "p:\n  listen: 127.0.0.1:22121\n  redis: true\n  sentinels:\n"
            + "   - 127.0.0.1:26379:1\n   - 127.0.0.1:26380:1\n   - 127.0.0.1:26381\n  servers:\n"
            + "   - 127.0.0.1:7000:1 m1\n   - 127.0.0.1:7001:1 m2\n";

    private final SelectorEventBase evb;
    private final MbufPool mbufs = new MbufPool(16384, 64);
    private final Context ctx;
    private final ServerPool pool;
    private final Sentinel s;
    private final AtomicInteger wakeups = new AtomicInteger();

    SentinelTest() throws Exception {
        evb = new SelectorEventBase();
        ctx = new Context(evb, mbufs, CoreSettings.defaults(), (p, sv, n) -> { });
        ConfPool cp = Conf.parse(YAML, "t.yml").pools().get(0);
        PoolHealth h = new PoolHealth(2, new AtomicInteger(), true);
        h.onChange(wakeups::incrementAndGet);
        pool = new ServerPool(0, cp, org.mockito.Mockito.mock(Proto.class), h);
        s = new Sentinel(ctx, pool);
    }

    @AfterEach
    void close() {
        evb.close();
        mbufs.close();
    }

    private static InetSocketAddress at(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Test
    void theMajorityOfAnswersWins() {
        assertNull(pool.health.address(0), "nothing published before sentinel answers");
        s.onAnswer(s.conns[0], 0, at(7000));
        assertNull(pool.health.address(0), "the configured address confirmed: nothing to publish");
        s.onAnswer(s.conns[1], 0, at(7100));
        assertNull(pool.health.address(0), "a tie keeps the address in use");
        s.onAnswer(s.conns[2], 0, at(7100));
        assertEquals(at(7100), pool.health.address(0), "two of three");
        assertEquals(1, pool.health.addrChanges.get(0));
        assertNull(pool.health.address(1), "the other master is untouched");
    }

    @Test
    void theLatestSwitchWinsAndOlderAnswersAreForgotten() {
        s.onAnswer(s.conns[0], 0, at(7000));
        s.onAnswer(s.conns[1], 0, at(7000));
        s.onAnswer(s.conns[2], 0, at(7000));
        int w = wakeups.get();
        s.onSwitch(s.conns[2], "m1", at(7100));
        assertEquals(at(7100), pool.health.address(0), "+switch-master from one sentinel is followed at once");
        assertEquals(1, pool.health.addrChanges.get(0));
        assertEquals(w + 1, wakeups.get(), "the workers are woken");
        // a sentinel that reconnects and still reports the old master does not outvote the switch
        s.onAnswer(s.conns[0], 0, at(7000));
        assertEquals(at(7100), pool.health.address(0), "a tie keeps the switched address");
        s.onSwitch(s.conns[1], "m1", at(7100)); // the others announce the same switch: no change
        assertEquals(1, pool.health.addrChanges.get(0));
        s.onSwitch(s.conns[1], "other-pools-master", at(9999));
        assertNull(pool.health.address(1));
    }

    @Test
    void aSentinelThatClosedNoLongerVotes() {
        s.onAnswer(s.conns[0], 1, at(7101));
        assertEquals(at(7101), pool.health.address(1), "the only answer so far moves the master");
        s.onAnswer(s.conns[1], 1, at(7101));
        assertEquals(at(7101), pool.health.address(1));
        s.onClosed(s.conns[0]);
        s.onClosed(s.conns[1]);
        s.onClosed(s.conns[2]);
        assertEquals(at(7101), pool.health.address(1), "all sentinels down: the last address stays");
        s.onAnswer(s.conns[2], 1, at(7001));
        assertEquals(at(7001), pool.health.address(1), "the one sentinel heard now decides");
    }

    @Test
    void movingAServerReachesEveryWorkersPool() throws Exception {
        ConfPool cp = pool.conf;
        ServerPool other = new ServerPool(0, cp, org.mockito.Mockito.mock(Proto.class), pool.health);
        s.onSwitch(s.conns[0], "m2", at(7201));
        other.resync(0);
        assertEquals(at(7201), other.servers[1].address(), "another worker's server goes to the new address");
        assertEquals(at(7000), other.servers[0].address(), "the other server keeps its address");
    }

    @Test
    void respReader() {
        byte[] b = ("*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n*-1\r\n-ERR x\r\n:3\r\n*3\r\n$7\r\nmessage\r\n"
                + "$14\r\n+switch-master\r\n$3\r\nm 1\r\n*2\r\n$4\r\npo").getBytes(StandardCharsets.UTF_8);
        int[] at = {0};
        assertEquals(List.of("127.0.0.1", "6380"), SentinelConn.Resp.parse(b, at, b.length));
        assertNull(SentinelConn.Resp.parse(b, at, b.length));
        assertEquals("-ERR x", SentinelConn.Resp.parse(b, at, b.length).toString());
        assertEquals(3L, SentinelConn.Resp.parse(b, at, b.length));
        assertEquals(List.of("message", "+switch-master", "m 1"), SentinelConn.Resp.parse(b, at, b.length));
        int before = at[0];
        assertEquals(SentinelConn.Resp.INCOMPLETE, SentinelConn.Resp.parse(b, at, b.length));
        assertEquals(before, at[0], "an incomplete reply consumes nothing");
    }

    private boolean readonly(String reply) {
        org.twemproxy4j.core.msg.Msg m = ctx.msgPool.get(null, false, 0);
        byte[] b = reply.getBytes(StandardCharsets.UTF_8);
        ctx.msgPool.append(m, b, 0, b.length);
        try {
            return Sentinel.readonly(m);
        } finally {
            ctx.msgPool.put(m);
        }
    }

    @Test
    void aReadonlyReplyIsRecognised() {
        assertEquals(true, readonly("-READONLY You can't write against a read only replica.\r\n"));
        assertEquals(false, readonly("-ERR READONLY\r\n"));
        assertEquals(false, readonly("+OK\r\n"));
        assertEquals(false, readonly("$9\r\n-READONLY\r\n"));
    }
}
