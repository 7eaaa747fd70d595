package org.twemproxy4j.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.twemproxy4j.core.conf.ConfSentinel;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.event.EventHandler;
import org.twemproxy4j.event.Events;
import org.twemproxy4j.event.Registration;
import org.twemproxy4j.event.Timer;

/**
 * One connection of a pool's {@link Sentinel} watcher to one redis sentinel, driven by the event loop like every
 * other connection, never blocking it. On each (re)connection it pipelines
 * {@code SENTINEL GET-MASTER-ADDR-BY-NAME} for every master of the pool, then {@code SUBSCRIBE +switch-master};
 * the answers and the announcements go to the watcher. Once subscribed it sends a {@code PING} every
 * {@link #PING_MS} and closes the connection when the sentinel has said nothing for {@link #DEAD_MS}. A closed or
 * refused connection is retried after a backoff that doubles from {@link #RETRY_MIN_MS} to {@link #RETRY_MAX_MS}.
 *
 * <p>Not on the request path: sentinel traffic is a few small messages, so it is read with its own small buffer
 * and a plain RESP reader rather than with mbufs and messages. Event-loop confined.
 */
final class SentinelConn implements EventHandler {
    static final long RETRY_MIN_MS = 100;
    static final long RETRY_MAX_MS = 1000;
    static final long PING_MS = 1000;
    static final long DEAD_MS = 3500;
    private static final int SUBSCRIBE = -1;        // a pending reply: the subscription's confirmation

    private final Context ctx;
    private final Sentinel owner;
    final int idx;                                   // index among the pool's sentinels
    final ConfSentinel conf;
    private final Timer timer = new Timer(t -> onTimer());
    private SocketChannel channel;
    private Registration reg;
    private boolean connecting;
    boolean subscribed;
    private boolean stopped;
    private long retryMs = RETRY_MIN_MS;
    private long lastRecv;
    private ByteBuffer in = ByteBuffer.allocate(4096);
    private ByteBuffer out = ByteBuffer.allocate(0);
    private final ArrayDeque<Integer> pending = new ArrayDeque<>(); // master index, or SUBSCRIBE

    SentinelConn(Context ctx, Sentinel owner, int idx, ConfSentinel conf) {
        this.ctx = ctx;
        this.owner = owner;
        this.idx = idx;
        this.conf = conf;
    }

    boolean open() {
        return channel != null;
    }

    /** Opens a non-blocking connection and queues the queries and the subscription. */
    void connect() {
        if (stopped || channel != null) {
            return;
        }
        try {
            SocketChannel ch = SocketChannel.open();
            channel = ch;
            ch.configureBlocking(false);
            boolean now = ch.connect(new InetSocketAddress(conf.host(), conf.port()));
            reg = ctx.evb.addConn(ch, this);
            ctx.evb.addIn(reg);
            pending.clear();
            in.clear();
            out = ByteBuffer.wrap(commands());
            ctx.evb.addOut(reg);
            connecting = !now;
            lastRecv = ctx.now();
            ctx.evb.addTimer(timer, ctx.now() + PING_MS); // pings, and bounds a connect that never completes
        } catch (IOException | RuntimeException e) {
            failed("connect failed: " + e.getMessage());
        }
    }

    /** The queries for every master, then the subscription, as one pipeline. */
    private byte[] commands() {
        StringBuilder b = new StringBuilder();
        String[] masters = owner.masters;
        for (int m = 0; m < masters.length; m++) {
            command(b, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", masters[m]);
            pending.add(m);
        }
        command(b, "SUBSCRIBE", "+switch-master");
        pending.add(SUBSCRIBE);
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void command(StringBuilder b, String... args) {
        b.append('*').append(args.length).append("\r\n");
        for (String a : args) {
            b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
    }

    @Override
    public void onEvent(int ev) {
        if (channel == null) {
            return;
        }
        try {
            if (connecting) {
                if (!channel.finishConnect()) {
                    return;
                }
                connecting = false;
                ctx.evb.connected(reg);
                if (Log.enabled(Log.LOG_INFO)) {
                    Log.info("sentinel " + conf.pname() + " of pool '" + owner.poolName() + "' connected");
                }
            }
            if ((ev & Events.READ) != 0 && !read()) {
                return;
            }
            if (channel != null && ((ev & Events.WRITE) != 0 || out.hasRemaining())) {
                write();
            }
        } catch (IOException | RuntimeException e) {
            failed(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private void write() throws IOException {
        if (out.hasRemaining()) {
            channel.write(out);
        }
        if (!out.hasRemaining()) {
            ctx.evb.delOut(reg);
        } else {
            ctx.evb.addOut(reg);
        }
    }

    private void send(byte[] b) throws IOException {
        if (out.hasRemaining()) {
            ByteBuffer n = ByteBuffer.allocate(out.remaining() + b.length);
            n.put(out).put(b).flip();
            out = n;
        } else {
            out = ByteBuffer.wrap(b);
        }
        write();
    }

    /** Reads what came and hands every complete reply over; false when the connection was closed. */
    private boolean read() throws IOException {
        for (;;) {
            if (!in.hasRemaining()) {
                ByteBuffer n = ByteBuffer.allocate(in.capacity() * 2);
                in.flip();
                n.put(in);
                in = n;
            }
            int n = channel.read(in);
            if (n < 0) {
                failed("closed by the sentinel");
                return false;
            }
            if (n == 0) {
                break;
            }
            lastRecv = ctx.now();
        }
        in.flip();
        byte[] buf = in.array();
        int pos = 0;
        int lim = in.limit();
        for (;;) {
            int[] at = {pos};
            Object r = Resp.parse(buf, at, lim);
            if (r == Resp.INCOMPLETE) {
                break;
            }
            pos = at[0];
            reply(r);
            if (channel == null) {
                return false; // the watcher stopped us
            }
        }
        in.position(pos);
        in.compact();
        return true;
    }

    private void reply(Object r) {
        Integer what = pending.poll();
        if (what != null && what >= 0) {
            owner.onAnswer(this, what, address(r));
            return;
        }
        if (what != null) {
            subscribed = true;
            retryMs = RETRY_MIN_MS;
            owner.onSubscribed(this);
            return;
        }
        if (r instanceof List) {
            List<?> l = (List<?>) r;
            if (l.size() == 3 && "message".equals(l.get(0)) && "+switch-master".equals(l.get(1))
                    && l.get(2) instanceof String) {
                // "<master name> <old ip> <old port> <new ip> <new port>"
                String[] w = ((String) l.get(2)).split(" ");
                if (w.length == 5) {
                    InetSocketAddress a = inet(w[3], w[4]);
                    if (a != null) {
                        owner.onSwitch(this, w[0], a);
                    }
                }
            }
        }
    }

    /** A GET-MASTER-ADDR-BY-NAME reply: [ip, port], or null (unknown master, error). */
    private InetSocketAddress address(Object r) {
        if (r instanceof List && ((List<?>) r).size() == 2) {
            List<?> l = (List<?>) r;
            if (l.get(0) instanceof String && l.get(1) instanceof String) {
                return inet((String) l.get(0), (String) l.get(1));
            }
        }
        if (Log.enabled(Log.LOG_WARN)) {
            Log.warn("sentinel " + conf.pname() + " of pool '" + owner.poolName() + "' gave no master address: "
                    + r);
        }
        return null;
    }

    /** An address as sentinel writes it (an IP literal, so no name lookup), or null. */
    static InetSocketAddress inet(String host, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p <= 0 || p > 65535) {
                return null;
            }
            return new InetSocketAddress(host, p);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void onTimer() {
        if (stopped) {
            return;
        }
        if (channel == null) {
            connect();
            return;
        }
        long now = ctx.now();
        if (now - lastRecv >= DEAD_MS) {
            failed("no answer for " + (now - lastRecv) + " ms");
            return;
        }
        if (subscribed) {
            try {
                send("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                failed(e.getMessage());
                return;
            }
        }
        ctx.evb.addTimer(timer, now + PING_MS);
    }

    /** Closes the connection and retries after the backoff. */
    private void failed(String why) {
        boolean was = subscribed;
        close();
        if (stopped) {
            return;
        }
        if (Log.enabled(was ? Log.LOG_WARN : Log.LOG_INFO)) {
            Log.log(was ? Log.LOG_WARN : Log.LOG_INFO, "sentinel " + conf.pname() + " of pool '" + owner.poolName()
                    + "': " + why + "; retrying in " + retryMs + " ms");
        }
        ctx.evb.addTimer(timer, ctx.now() + retryMs);
        retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
        owner.onClosed(this);
    }

    private void close() {
        subscribed = false;
        connecting = false;
        pending.clear();
        ctx.evb.delTimer(timer);
        if (reg != null) {
            ctx.evb.delConn(reg);
            reg = null;
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // ignored
            }
            channel = null;
        }
    }

    /** For good (a reload replaced the pool, shutdown). */
    void stop() {
        stopped = true;
        close();
    }

    /** A minimal RESP2 reader for the sentinel's few reply shapes. */
    static final class Resp {
        static final Object INCOMPLETE = new Object();

        private Resp() {
        }

        /** The reply at {@code at[0]}, advancing it; {@link #INCOMPLETE} when more bytes are needed. */
        static Object parse(byte[] b, int[] at, int lim) {
            int p = at[0];
            if (p >= lim) {
                return INCOMPLETE;
            }
            int eol = lineEnd(b, p + 1, lim);
            if (eol < 0) {
                return INCOMPLETE;
            }
            String line = new String(b, p + 1, eol - p - 1, StandardCharsets.UTF_8);
            int next = eol + 2;
            switch (b[p]) {
                case '+':
                    at[0] = next;
                    return line;
                case '-':
                    at[0] = next;
                    return new Error(line);
                case ':':
                    at[0] = next;
                    return Long.parseLong(line);
                case '$': {
                    int n = Integer.parseInt(line);
                    if (n < 0) {
                        at[0] = next;
                        return null;
                    }
                    if (next + n + 2 > lim) {
                        return INCOMPLETE;
                    }
                    at[0] = next + n + 2;
                    return new String(b, next, n, StandardCharsets.UTF_8);
                }
                case '*': {
                    int n = Integer.parseInt(line);
                    if (n < 0) {
                        at[0] = next;
                        return null;
                    }
                    List<Object> l = new ArrayList<>(n);
                    int[] q = {next};
                    for (int i = 0; i < n; i++) {
                        Object o = parse(b, q, lim);
                        if (o == INCOMPLETE) {
                            return INCOMPLETE;
                        }
                        l.add(o);
                    }
                    at[0] = q[0];
                    return l;
                }
                default:
                    throw new IllegalStateException("not a RESP reply: byte " + b[p]);
            }
        }

        private static int lineEnd(byte[] b, int from, int lim) {
            for (int i = from; i + 1 < lim; i++) {
                if (b[i] == '\r' && b[i + 1] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** An error reply. */
        static final class Error {
            final String text;

            Error(String text) {
                this.text = text;
            }

            @Override
            public String toString() {
                return "-" + text;
            }
        }
    }
}
