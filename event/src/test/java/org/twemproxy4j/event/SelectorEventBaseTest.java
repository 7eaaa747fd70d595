package org.twemproxy4j.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SelectorEventBaseTest {

    @Test
    void acceptReadWriteOverLoopback() throws Exception {
        try (SelectorEventBase evb = new SelectorEventBase();
                ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            List<SocketChannel> accepted = new ArrayList<>();
            Registration lr = evb.addConn(listener, ev -> {
                assertEquals(Events.READ, ev & Events.READ);
                try {
                    SocketChannel c = listener.accept();
                    if (c != null) {
                        accepted.add(c);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            evb.addIn(lr);

            SocketChannel client = SocketChannel.open();
            client.configureBlocking(false);
            boolean done = client.connect(listener.getLocalAddress());
            AtomicInteger writable = new AtomicInteger();
            Registration cr = evb.addConn(client, ev -> {
                if ((ev & Events.WRITE) != 0) {
                    writable.incrementAndGet();
                }
            });
            if (!done) {
                evb.addOut(cr); // OP_CONNECT while pending
            }
            for (int i = 0; i < 50 && (accepted.isEmpty() || client.isConnectionPending()); i++) {
                evb.runOnce(100);
                if (client.isConnectionPending() && client.finishConnect()) {
                    evb.connected(cr);
                }
            }
            assertEquals(1, accepted.size());
            assertTrue(client.isConnected());

            // writable is level-triggered: with out interest, every wait reports it
            evb.addOut(cr);
            writable.set(0);
            evb.runOnce(100);
            assertTrue(writable.get() >= 1);
            evb.delOut(cr);
            writable.set(0);
            evb.runOnce(10);
            assertEquals(0, writable.get());

            // read readiness on the accepted side
            SocketChannel server = accepted.get(0);
            ByteBuffer got = ByteBuffer.allocate(16);
            Registration sr = evb.addConn(server, ev -> {
                try {
                    server.read(got);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            evb.addIn(sr);
            client.write(ByteBuffer.wrap("PING\r\n".getBytes()));
            for (int i = 0; i < 50 && got.position() < 6; i++) {
                evb.runOnce(100);
            }
            assertEquals("PING\r\n", new String(got.array(), 0, got.position()));
            evb.delConn(sr);
            assertFalse(sr.registered());
            client.close();
            server.close();
        }
    }

    @Test
    void timersFireInDeadlineOrderAndCanBeCancelled() throws Exception {
        try (SelectorEventBase evb = new SelectorEventBase()) {
            List<Object> fired = new ArrayList<>();
            TimerHandler h = t -> fired.add(t.data);
            long now = evb.now();
            Timer[] ts = new Timer[20];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = new Timer(h);
                ts[i].data = i;
                evb.addTimer(ts[i], now + ((i * 7) % 20)); // a permutation of 0..19
            }
            evb.delTimer(ts[3]);
            assertFalse(ts[3].armed());
            assertEquals(19, evb.ntimers());
            evb.addTimer(ts[5], now - 1); // re-arm earlier
            assertSame(ts[5], evb.minTimer());
            while (evb.minTimer() != null) {
                evb.runOnce(50);
            }
            assertEquals(19, fired.size());
            assertEquals(5, fired.get(0));
            long prev = Long.MIN_VALUE;
            for (Object o : fired) {
                long d = ts[(Integer) o].deadline();
                assertTrue(d >= prev, "deadline order");
                prev = d;
            }
            assertFalse(fired.contains(3));
            assertNull(evb.minTimer());
        }
    }

    @Test
    void waitIsBoundedByEarliestTimer() throws Exception {
        try (SelectorEventBase evb = new SelectorEventBase()) {
            AtomicInteger n = new AtomicInteger();
            Timer t = new Timer(x -> n.incrementAndGet());
            evb.addTimer(t, evb.now() + 20);
            long start = System.nanoTime();
            for (int i = 0; i < 10 && n.get() == 0; i++) {
                evb.runOnce(-1);
            }
            assertEquals(1, n.get());
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
        }
    }

    /**
     * Runs {@code runOnce(-1)} (no timer: an unbounded wait) on a thread, waits until that thread is parked in the
     * selector's native wait, keeps it there for a measured 150 ms, then calls {@code wake} from this thread.
     * Asserts the wait did not end before {@code wake} and ended after it.
     */
    private static void blockThenWake(SelectorEventBase evb, Runnable wake) throws Exception {
        AtomicLong returnedAt = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            try {
                evb.runOnce(-1);
            } catch (Throwable e) {
                failed.set(e);
            }
            returnedAt.set(System.nanoTime());
        }, "evb-loop");
        loop.setDaemon(true);
        loop.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!inSelect(loop)) {
            assertTrue(System.nanoTime() < deadline, "the loop thread never reached the selector's wait");
            assertEquals(0, returnedAt.get(), "runOnce(-1) returned with nothing to wake it");
            Thread.sleep(1);
        }
        long blockedAt = System.nanoTime();
        Thread.sleep(150); // the scenario: the loop stays blocked for a measured while before anything wakes it
        assertEquals(0, returnedAt.get(), "runOnce(-1) returned with nothing to wake it");
        assertEquals(Thread.State.RUNNABLE, loop.getState(), "a thread in a native wait reads as RUNNABLE");
        assertTrue(inSelect(loop), "still in the selector's wait after 150 ms");
        long wokeAt = System.nanoTime();
        assertTrue(wokeAt - blockedAt >= TimeUnit.MILLISECONDS.toNanos(100), "blocked at least 100 ms");
        wake.run();
        loop.join(10_000);
        assertFalse(loop.isAlive(), "the wake-up ended the wait");
        assertNull(failed.get());
        assertTrue(returnedAt.get() >= wokeAt, "runOnce returned only after the wake-up");
    }

    /** True when {@code t} is inside the selector's wait: a native frame on top, under a doSelect. */
    private static boolean inSelect(Thread t) {
        StackTraceElement[] st = t.getStackTrace();
        if (st.length == 0 || !st[0].isNativeMethod()) {
            return false;
        }
        for (StackTraceElement e : st) {
            if (e.getMethodName().equals("doSelect")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void wakeupEndsAWaitBlockedInSelect() throws Exception {
        try (SelectorEventBase evb = new SelectorEventBase()) {
            blockThenWake(evb, evb::wakeup);
        }
    }

    @Test
    void executeFromAnotherThreadWakesALoopBlockedInSelect() throws Exception {
        try (SelectorEventBase evb = new SelectorEventBase()) {
            AtomicInteger ran = new AtomicInteger();
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            blockThenWake(evb, () -> evb.execute(() -> {
                ran.incrementAndGet();
                ranOn.set(Thread.currentThread());
            }));
            assertEquals(1, ran.get(), "the task ran in the turn it woke");
            assertEquals("evb-loop", ranOn.get().getName(), "on the loop thread");
        }
    }

    @Test
    @Timeout(10)
    void readyChannelsAreServedByTheNonBlockingPollAlone() throws Exception {
        try (SelectorEventBase evb = new SelectorEventBase();
                ServerSocketChannel listener = ServerSocketChannel.open();
                SocketChannel client = SocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            client.connect(listener.getLocalAddress());
            try (SocketChannel server = listener.accept()) {
                client.write(ByteBuffer.wrap(new byte[] {'x'}));
                AtomicInteger reads = new AtomicInteger();
                ByteBuffer dst = ByteBuffer.allocate(16);
                Registration r = evb.addConn(server, ev -> {
                    if ((ev & Events.READ) != 0) {
                        try {
                            server.read(dst);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        reads.incrementAndGet();
                    }
                });
                evb.addIn(r);
                // the byte may still be in flight on loopback: poll until it is served, each turn with a long timeout
                long polls = 0;
                while (reads.get() == 0) {
                    long blockingBefore = evb.nselect();
                    evb.runOnce(5000);
                    polls++;
                    if (reads.get() > 0) {
                        assertEquals(blockingBefore, evb.nselect(), "served without a blocking select");
                    }
                }
                assertEquals(1, dst.position());
                assertEquals(polls, evb.nselectNow(), "one non-blocking poll per turn");
            }
        }
    }

    @Test
    @Timeout(10)
    void anIdleLoopPollsThenBlocksForTheTimeout() throws Exception {
        try (SelectorEventBase evb = new SelectorEventBase()) {
            long start = System.nanoTime();
            evb.runOnce(50);
            long ms = (System.nanoTime() - start) / 1_000_000L;
            assertEquals(1, evb.nselectNow());
            assertEquals(1, evb.nselect());
            assertTrue(ms >= 40, "waited " + ms + " ms");
            evb.runOnce(0); // no timeout: the poll only
            assertEquals(2, evb.nselectNow());
            assertEquals(1, evb.nselect());
        }
    }

    @Test
    @Timeout(10)
    void aTaskQueuedBeforeThePollIsRunWithoutWaitingForTheTimeout() throws Exception {
        try (SelectorEventBase evb = new SelectorEventBase()) {
            AtomicInteger ran = new AtomicInteger();
            evb.execute(ran::incrementAndGet); // queued and the selector woken before the turn starts
            long start = System.nanoTime();
            evb.runOnce(5000);
            assertEquals(1, ran.get());
            assertEquals(0, evb.nselect(), "no blocking select with a task queued");
            assertTrue(System.nanoTime() - start < 2_000_000_000L);
        }
    }

    @Test
    @Timeout(10)
    void aWakeupFromAnotherThreadBeforeThePollIsNotLost() throws Exception {
        try (SelectorEventBase evb = new SelectorEventBase()) {
            // what a stop request does: a flag, then wakeup(), here before the turn starts; the poll consumes the
            // selector's wakeup, and the turn must not then block for its whole timeout (here: forever)
            Thread t = new Thread(evb::wakeup);
            t.start();
            t.join();
            long start = System.nanoTime();
            evb.runOnce(-1);
            assertEquals(0, evb.nselect(), "no blocking select after a wakeup");
            assertTrue(System.nanoTime() - start < 2_000_000_000L);
            // the wakeup is used up: the next idle turn blocks for its timeout
            evb.runOnce(20);
            assertEquals(1, evb.nselect());
        }
    }
}

