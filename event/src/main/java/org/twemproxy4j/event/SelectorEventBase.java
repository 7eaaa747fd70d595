package org.twemproxy4j.event;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The one {@link EventBase} implementation: a {@link Selector} (the JDK picks epoll or kqueue, as
 * nc_epoll.c/nc_kqueue.c are picked at build time), a binary min-heap of {@link Timer}s in place of
 * nutcracker's timeout rbtree, and an MPSC task queue for other threads.
 *
 * <p>Event-loop confined, except {@link #execute} and {@link #wakeup}. No allocation per event: the
 * {@code Consumer<SelectionKey>} handed to {@link Selector#select(Consumer, long)} is a final field.
 */
public final class SelectorEventBase implements EventBase {
    private final Selector selector;
    private final Consumer<SelectionKey> dispatcher = this::dispatch;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private Timer[] heap = new Timer[64];
    private int nheap;
    private long seq;
    private long now;
    private long nanos; // the same reading as now, in nanoseconds
    private int nevents;
    private final boolean eagerWrites;
    private Registration[] pending = new Registration[64];
    private Registration[] spare = new Registration[64];
    private int npending;
    private volatile boolean woken; // wakeup() or execute() called since the last select
    private long nselectNow;   // non-blocking polls, ever
    private long nselect;      // blocking selects, ever (after a poll found nothing)

    public SelectorEventBase() throws IOException {
        this(true);
    }

    /**
     * @param eagerWrites serve out-interest at the end of the turn before asking the selector (see
     *     {@link #addOut}); false makes every out-interest an OP_WRITE registration, as nutcracker's epoll.
     */
    public SelectorEventBase(boolean eagerWrites) throws IOException {
        this.selector = Selector.open();
        this.now = clock();
        this.eagerWrites = eagerWrites;
    }

    /** Reads the clock: {@link #nowNanos()} and, returned, its milliseconds. */
    private long clock() {
        nanos = System.nanoTime();
        return nanos / 1_000_000L;
    }

    @Override
    public Registration addConn(SelectableChannel ch, EventHandler handler) throws IOException {
        if (ch.isBlocking()) {
            ch.configureBlocking(false);
        }
        Registration r = new Registration(ch, handler);
        r.accepting = ch instanceof ServerSocketChannel;
        r.connecting = ch instanceof SocketChannel && ((SocketChannel) ch).isConnectionPending();
        try {
            r.key = ch.register(selector, 0, r);
        } catch (ClosedChannelException e) {
            throw e;
        }
        return r;
    }

    @Override
    public void delConn(Registration r) {
        SelectionKey k = r.key;
        if (k != null) {
            k.cancel();
            k.attach(null);
        }
        r.wantIn = false;
        r.wantOut = false;
    }

    @Override
    public void addIn(Registration r) {
        if (!r.wantIn) {
            r.wantIn = true;
            update(r);
        }
    }

    @Override
    public void delIn(Registration r) {
        if (r.wantIn) {
            r.wantIn = false;
            update(r);
        }
    }

    /**
     * Out-interest is first served without the selector: the registration is queued and its handler called
     * with {@link Events#WRITE} once the ready channels of this turn are dispatched (so the writes of one turn
     * are batched, as with nutcracker's epoll). Only a handler that could not write everything (it did not
     * call {@link #delOut}) gets OP_WRITE registered. This saves two epoll_ctl calls and a wait per message
     * when sockets have room, which is almost always.
     */
    @Override
    public void addOut(Registration r) {
        if (!r.wantOut) {
            r.wantOut = true;
            if (r.connecting || !eagerWrites) {
                update(r);
            } else if (!r.pendingOut) {
                r.pendingOut = true;
                if (npending == pending.length) {
                    pending = java.util.Arrays.copyOf(pending, npending << 1);
                }
                pending[npending++] = r;
            }
        }
    }

    /** Calls the handlers of registrations that asked for out-interest this turn (see {@link #addOut}). */
    private void flushPending() {
        int rounds = 0;
        while (npending > 0 && rounds++ < 16) {
            int n = npending;
            Registration[] batch = pending;
            pending = spare;
            spare = batch;
            npending = 0;
            for (int i = 0; i < n; i++) {
                Registration r = batch[i];
                batch[i] = null;
                r.pendingOut = false;
                if (!r.wantOut || r.key == null || !r.key.isValid()) {
                    continue;
                }
                r.handler.onEvent(Events.WRITE);
                if (r.wantOut && r.key != null && r.key.isValid()) {
                    update(r); // could not finish: wait for writability
                }
            }
        }
        // whatever is still queued (a handler re-queued it 16 times) waits for the selector
        for (int i = 0; i < npending; i++) {
            Registration r = pending[i];
            pending[i] = null;
            r.pendingOut = false;
            if (r.wantOut && r.key != null && r.key.isValid()) {
                update(r);
            }
        }
        npending = 0;
    }

    @Override
    public void delOut(Registration r) {
        if (r.wantOut) {
            r.wantOut = false;
            update(r);
        }
    }

    private void update(Registration r) {
        int ops = 0;
        if (r.wantIn) {
            ops |= r.accepting ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
        }
        if (r.wantOut) {
            ops |= r.connecting ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
        }
        if (ops != r.ops) {
            SelectionKey k = r.key;
            if (k != null && k.isValid()) {
                k.interestOps(ops);
                r.ops = ops;
            }
        }
    }

    @Override
    public int runOnce(long timeoutMs) throws IOException {
        now = clock();
        long t = timeoutMs;
        if (nheap > 0) {
            long d = heap[0].deadline - now;
            if (d < 0) {
                d = 0;
            }
            if (t < 0 || d < t) {
                t = d;
            }
        }
        if (!tasks.isEmpty() || npending > 0) {
            t = 0;
        }
        nevents = 0;
        // Under load something is nearly always ready: a non-blocking poll first serves it without the blocking
        // select's set-up (interruptible section, timed epoll_wait). Only when nothing is ready does the loop
        // block, and not when another thread woke it meanwhile: selectNow consumes a pending wakeup, which the
        // blocking select would then miss (a stop request would wait for the timeout, or forever).
        nselectNow++;
        if (selector.selectNow(dispatcher) == 0 && t != 0 && !woken && tasks.isEmpty()) {
            nselect++;
            selector.select(dispatcher, t < 0 ? 0 : t);
        }
        if (woken) {
            woken = false; // after the select: a wakeup from now on is seen by the next turn's check or select
        }
        now = clock();
        flushPending();
        fireTimers();
        runTasks();
        flushPending();
        return nevents;
    }

    private void dispatch(SelectionKey k) {
        Registration r = (Registration) k.attachment();
        if (r == null) {
            return;
        }
        int ready;
        try {
            ready = k.readyOps();
        } catch (CancelledKeyException e) {
            return;
        }
        // handlers run inside select(consumer, timeout): the time read before the wait may be a whole idle
        // period old, and a slow handler (a cold JIT, a large copy) ages it for the next one, so refresh it
        // before each ready channel's handler: one clock read per event, not per request
        now = clock();
        int events = 0;
        if ((ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            events |= Events.READ;
        }
        if ((ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            events |= Events.WRITE;
        }
        nevents++;
        r.handler.onEvent(events);
        if (r.connecting && (ready & SelectionKey.OP_CONNECT) != 0 && k.isValid()
                && !((SocketChannel) r.channel).isConnectionPending()) {
            r.connecting = false;
            update(r);
        }
    }

    @Override
    public void connected(Registration r) {
        if (r.connecting) {
            r.connecting = false;
            update(r);
        }
    }

    private void fireTimers() {
        while (nheap > 0) {
            Timer t = heap[0];
            if (t.deadline > now) {
                return;
            }
            removeAt(0);
            t.handler.onTimer(t);
        }
    }

    private void runTasks() {
        Runnable task;
        int n = 0;
        while (n++ < 1024 && (task = tasks.poll()) != null) {
            task.run();
        }
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public long nowNanos() {
        return nanos;
    }

    @Override
    public void addTimer(Timer t, long deadline) {
        if (t.index >= 0) {
            removeAt(t.index);
        }
        t.deadline = deadline;
        t.seq = seq++;
        if (nheap == heap.length) {
            heap = java.util.Arrays.copyOf(heap, nheap << 1);
        }
        heap[nheap] = t;
        t.index = nheap;
        nheap++;
        siftUp(t.index);
    }

    @Override
    public void delTimer(Timer t) {
        if (t.index >= 0) {
            removeAt(t.index);
        }
    }

    @Override
    public Timer minTimer() {
        return nheap == 0 ? null : heap[0];
    }

    /** Non-blocking polls of the selector so far (one per {@link #runOnce}). */
    public long nselectNow() {
        return nselectNow;
    }

    /** Blocking selects so far: the polls that found nothing ready and had a timeout to wait. */
    public long nselect() {
        return nselect;
    }

    /** Number of armed timers. */
    public int ntimers() {
        return nheap;
    }

    private static boolean less(Timer a, Timer b) {
        return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
    }

    private void removeAt(int i) {
        Timer t = heap[i];
        int lastIdx = --nheap;
        Timer moved = heap[lastIdx];
        heap[lastIdx] = null;
        t.index = -1;
        if (i != lastIdx) {
            heap[i] = moved;
            moved.index = i;
            siftDown(i);
            if (heap[i] == moved) {
                siftUp(i);
            }
        }
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            Timer pt = heap[p];
            if (!less(t, pt)) {
                break;
            }
            heap[i] = pt;
            pt.index = i;
            i = p;
        }
        heap[i] = t;
        t.index = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        int half = nheap >>> 1;
        while (i < half) {
            int c = (i << 1) + 1;
            Timer ct = heap[c];
            int r = c + 1;
            if (r < nheap && less(heap[r], ct)) {
                c = r;
                ct = heap[c];
            }
            if (!less(ct, t)) {
                break;
            }
            heap[i] = ct;
            ct.index = i;
            i = c;
        }
        heap[i] = t;
        t.index = i;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        woken = true;
        selector.wakeup();
    }

    @Override
    public void wakeup() {
        woken = true;
        selector.wakeup();
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            // nothing useful to do at shutdown
        }
    }
}
