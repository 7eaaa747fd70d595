package org.twemproxy4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ParseResult;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.proto.ProtoClient;
import org.twemproxy4j.core.util.NcErrno;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.mbuf.MbufPool;

/**
 * The loop itself, stepped one {@link Core#runOnce} at a time on the test thread over loopback sockets: a raw
 * {@link ServerSocket} is the backend, so the test writes and reads every byte on both sides, and a tiny line
 * protocol ({@link LineProto}) stands at the protocol seam. After each scenario no message or mbuf is left in
 * use and the connections are the ones expected.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopStepTest {
    private static final long DEADLINE_MS = 10_000;

    private ServerSocket backend;
    private Core core;
    private int proxyPort;
    private int idleMsg;
    private int idleMbuf;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void backend() throws IOException {
        backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        backend.setSoTimeout(1);
    }

    @AfterEach
    void close() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (core != null) {
            core.close();
        }
        backend.close();
    }

    /** A core with one pool of one server (the raw backend); {@code timeoutMs} 0 means no request timeout. */
    private void startCore(int mbufSize, int timeoutMs) throws Exception {
        startCore(mbufSize, timeoutMs, false);
    }

    private void startCore(int mbufSize, int timeoutMs, boolean preconnect) throws Exception {
        String yaml = "p:\n  listen: 127.0.0.1:" + freePort() + "\n  redis: true\n"
                + (timeoutMs > 0 ? "  timeout: " + timeoutMs + "\n" : "")
                + (preconnect ? "  preconnect: true\n" : "")
                + "  servers:\n   - 127.0.0.1:" + backend.getLocalPort() + ":1\n";
        Instance inst = new Instance("loop.yml", 5, null, 22222, "127.0.0.1", 30000, null, mbufSize);
        core = new Core(inst, Conf.parse(yaml, "loop.yml"), Map.of("redis", new LineProto()));
        core.start();
        proxyPort = ((InetSocketAddress) core.listenAddress(0)).getPort();
        idleMsg = core.nusedMsg();
        idleMbuf = core.nusedMbuf();
        assertEquals(preconnect ? 1 : 0, core.ncurrConn());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ---- stepping helpers (all on the test thread: nothing here blocks for long)

    /** Steps the loop until {@code cond} holds; fails after the deadline. */
    private void stepUntil(BooleanSupplier cond, String what) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting for: " + what + " (msgs " + core.nusedMsg() + ", mbufs "
                        + core.nusedMbuf() + ", conns " + core.ncurrConn() + ")");
            }
            core.runOnce(5);
        }
    }

    /** Steps the loop until one turn handles at least one connection event. */
    private void stepUntilAnEvent(String what) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (core.runOnce(5) == 0) {
            if (System.nanoTime() > end) {
                fail("no event: " + what);
            }
        }
    }

    private void assertNoLeak(int conns) {
        stepUntil(() -> core.nusedMsg() == idleMsg && core.nusedMbuf() == idleMbuf,
                "every message and mbuf back in the pools");
        assertEquals(idleMsg, core.nusedMsg(), "messages in use");
        assertEquals(idleMbuf, core.nusedMbuf(), "mbufs in use");
        assertEquals(conns, core.ncurrConn(), "open connections");
    }

    /** A client of the proxy, accepted by the loop. */
    private Socket client(int rcvBuf) throws IOException {
        int before = core.ncurrConn();
        Socket s = new Socket();
        sockets.add(s);
        if (rcvBuf > 0) {
            s.setReceiveBufferSize(rcvBuf);
        }
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxyPort), 2000);
        s.setTcpNoDelay(true);
        stepUntil(() -> core.ncurrConn() == before + 1, "the client accepted");
        return s;
    }

    /** The backend's side of the proxy's server connection, once the loop has opened it. */
    private Socket acceptBackend() throws IOException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        for (;;) {
            try {
                Socket s = backend.accept();
                sockets.add(s);
                s.setTcpNoDelay(true);
                return s;
            } catch (SocketTimeoutException e) {
                if (System.nanoTime() > end) {
                    fail("the proxy never connected to the backend");
                }
                core.runOnce(5);
            }
        }
    }

    /** Steps the loop while reading {@code s} until {@code n} bytes arrived; fails on EOF or the deadline. */
    private byte[] receive(Socket s, int n) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (got.size() < n) {
            int a = in.available();
            if (a > 0) {
                int r = in.read(buf, 0, Math.min(buf.length, Math.min(a, n - got.size())));
                if (r < 0) {
                    fail("EOF after " + got.size() + " of " + n + " bytes");
                }
                got.write(buf, 0, r);
                continue;
            }
            if (System.nanoTime() > end) {
                fail("timed out after " + got.size() + " of " + n + " bytes (conns " + core.ncurrConn() + ", timedout " + core.serverStats(0, 0)[CoreStats.SERVER_TIMEDOUT] + ", requests " + core.serverStats(0, 0)[CoreStats.REQUESTS] + ")");
            }
            core.runOnce(5);
        }
        return got.toByteArray();
    }

    /** Steps the loop while reading {@code s} up to and including the first LF. */
    private String receiveLine(Socket s) throws IOException {
        StringBuilder line = new StringBuilder();
        while (line.length() == 0 || line.charAt(line.length() - 1) != '\n') {
            line.append((char) (receive(s, 1)[0] & 0xff));
        }
        return line.toString();
    }

    /** True when {@code s} reads the end of the stream (its peer closed); steps the loop while waiting. */
    private boolean seesEof(Socket s) throws IOException {
        s.setSoTimeout(1);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        try {
            for (;;) {
                try {
                    return s.getInputStream().read() < 0;
                } catch (SocketTimeoutException e) {
                    if (System.nanoTime() > end) {
                        return false;
                    }
                    core.runOnce(5);
                }
            }
        } catch (IOException e) {
            return true; // a reset is a close too
        } finally {
            if (!s.isClosed()) {
                s.setSoTimeout(0);
            }
        }
    }

    private static void send(Socket s, byte[] b) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(b);
        out.flush();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    // ---- the scenarios

    @Test
    void aRequestAndItsResponseArriveOneByteAtATime() throws Exception {
        startCore(MbufPool.MBUF_SIZE, 0);
        Socket c = client(0);
        byte[] req = ascii("key-1\n");
        for (int i = 0; i < req.length - 1; i++) {
            send(c, new byte[] {req[i]});
            stepUntilAnEvent("byte " + i + " of the request");
            assertEquals(0, core.runOnce(0), "the byte was read whole: nothing more to read (EAGAIN)");
            assertEquals(1, core.ncurrConn(), "an incomplete request goes nowhere: no server connection yet");
            assertEquals(idleMsg + 1, core.nusedMsg(), "one message holds the partial request");
            assertEquals(idleMbuf + 1, core.nusedMbuf(), "in one mbuf");
        }
        send(c, new byte[] {req[req.length - 1]});
        Socket b = acceptBackend();
        assertArrayEquals(req, receive(b, req.length), "the backend gets the request whole");
        assertEquals(2, core.ncurrConn());

        byte[] rsp = ascii("value-1\n");
        for (int i = 0; i < rsp.length - 1; i++) {
            send(b, new byte[] {rsp[i]});
            stepUntilAnEvent("byte " + i + " of the response");
            assertEquals(0, core.runOnce(0));
            assertEquals(0, c.getInputStream().available(), "no partial response reaches the client");
            assertEquals(idleMsg + 2, core.nusedMsg(), "the request and the partial response");
        }
        send(b, new byte[] {rsp[rsp.length - 1]});
        assertArrayEquals(rsp, receive(c, rsp.length));
        assertNoLeak(2);

        c.close();
        stepUntil(() -> core.ncurrConn() == 1, "the client closed");
        assertNoLeak(1);
        b.close();
        stepUntil(() -> core.ncurrConn() == 0, "the server connection closed on EOF");
        assertNoLeak(0);
        assertEquals(1, core.serverStats(0, 0)[CoreStats.SERVER_EOF]);
    }

    @Test
    void anIdleClientHoldsNothingAndAReadThatFillsTheMbufEndsInEagain() throws Exception {
        startCore(1024, 0);
        Socket c = client(0);
        // nothing to read: a turn waits and handles no event, and the idle client holds no message nor mbuf
        long t0 = System.nanoTime();
        assertEquals(0, core.runOnce(30));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(25), "the turn waited");
        assertNoLeak(1);

        // requests filling exactly one mbuf: the read returns all that fits, so a second read is tried and
        // finds nothing (EAGAIN); the empty message it took goes back at once
        int room = room(1024);
        String lines = lines(0, room);
        int nreq = lines.split("\n").length;
        byte[] reqs = ascii(lines);
        assertEquals(room, reqs.length);
        send(c, reqs);
        stepUntilAnEvent("the requests");
        final int n = nreq;
        Socket b = acceptBackend();
        assertArrayEquals(reqs, receive(b, reqs.length), "every request forwarded, in order, byte for byte");
        assertEquals(idleMsg + n, core.nusedMsg(), "one message per request, and no empty one kept after EAGAIN");

        StringBuilder rs = new StringBuilder();
        for (int i = 0; i < n; i++) {
            rs.append('v').append(i).append('\n');
        }
        byte[] rsps = ascii(rs.toString());
        send(b, rsps);
        assertArrayEquals(rsps, receive(c, rsps.length), "every reply, in order");
        assertNoLeak(2);
        assertEquals(n, core.serverStats(0, 0)[CoreStats.RESPONSES]);
    }

    @Test
    void aShortWriteKeepsTheRestUntilTheClientReads() throws Exception {
        startCore(MbufPool.MBUF_SIZE, 0);
        Socket c = client(4096); // a small window: the reply cannot be written in one go
        send(c, ascii("big\n"));
        Socket b = acceptBackend();
        receive(b, 4);
        byte[] big = new byte[8 << 20];
        Arrays.fill(big, (byte) 'x');
        big[big.length - 1] = '\n';
        AtomicLong written = new AtomicLong(-1);
        Thread writer = new Thread(() -> {
            try {
                send(b, big);
                written.set(big.length);
            } catch (IOException e) {
                written.set(-2);
            }
        }, "backend-writer");
        writer.setDaemon(true);
        writer.start();
        // the server side is read regardless of the stalled client: the whole reply comes into the proxy
        stepUntil(() -> written.get() != -1, "the backend wrote the reply");
        assertEquals(big.length, written.get());
        stepUntil(() -> core.serverStats(0, 0)[CoreStats.RESPONSES] == 1, "the reply parsed");
        for (int i = 0; i < 20; i++) {
            core.runOnce(1);
        }
        int held = core.nusedMbuf() - idleMbuf;
        assertTrue(c.getInputStream().available() > 0, "part of the reply was written");
        assertEquals(idleMsg + 2, core.nusedMsg(), "the request and its reply are kept: the write was short");
        assertTrue(held > 0, "the unwritten rest stays in mbufs: " + held);
        assertEquals(2, core.ncurrConn());

        byte[] got = receive(c, big.length); // reading lets the loop write the rest
        assertArrayEquals(big, got);
        assertNoLeak(2);
        writer.join(5000);
    }

    @Test
    void theRequestTimeoutFiresBetweenTwoSteps() throws Exception {
        // a first core, without a timeout, runs one round trip so that no class loading of a cold JVM
        // delays the timed core's first steps by more than its 50 ms
        startCore(MbufPool.MBUF_SIZE, 0);
        Socket w = client(0);
        send(w, ascii("warm\n"));
        Socket wb = acceptBackend();
        receive(wb, 5);
        send(wb, ascii("up\n"));
        receive(w, 3);
        core.close();

        startCore(MbufPool.MBUF_SIZE, 50, true); // preconnect: the server connection is open before the request
        Socket b = acceptBackend();              // the backend accepts ...
        Socket c = client(0);
        assertEquals(2, core.ncurrConn());
        long t0 = System.nanoTime();
        send(c, ascii("slow\n"));
        assertArrayEquals(ascii("slow\n"), receive(b, 5)); // ... reads the request, and never answers
        assertEquals(2, core.ncurrConn(), "step 1: forwarded, the server connection open");
        assertEquals(0, c.getInputStream().available());

        // step 2: one turn with nothing ready waits no longer than the request's deadline, then fires it
        long t1 = System.nanoTime();
        core.runOnce(5000);
        long turnMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
        long sinceSendMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(turnMs < 2000, "the wait was bounded by the timer: " + turnMs + " ms");
        assertTrue(sinceSendMs >= 45, "not before the timeout: " + sinceSendMs + " ms");
        assertEquals(1, core.ncurrConn(), "the timed-out server connection was closed in that turn");
        assertEquals(1, core.serverStats(0, 0)[CoreStats.SERVER_TIMEDOUT]);

        assertTrue(seesEof(b), "the backend sees the close");
        byte[] err = new LineProto().errorReply(NcErrno.ETIMEDOUT);
        assertArrayEquals(err, receive(c, err.length), "the client gets the timeout error");
        assertNoLeak(1);
    }

    @Test
    void aClientClosingHalfwayThroughARequestLeavesNothingBehind() throws Exception {
        startCore(MbufPool.MBUF_SIZE, 0);
        Socket c = client(0);
        send(c, ascii("half-a-requ"));
        stepUntil(() -> core.nusedMsg() == idleMsg + 1, "the partial request read");
        c.close();
        stepUntil(() -> core.ncurrConn() == 0, "the client closed");
        assertNoLeak(0);
        assertEquals(1, core.poolStats(0)[CoreStats.CLIENT_EOF]);
        try {
            backend.accept().close();
            fail("a partial request must not reach a server");
        } catch (SocketTimeoutException expected) {
            // nothing was forwarded
        }
    }

    @Test
    void aServerClosingHalfwayThroughAResponseFailsTheRequest() throws Exception {
        startCore(1024, 0);
        Socket c = client(0);
        send(c, ascii("k\n"));
        Socket b = acceptBackend();
        receive(b, 2);
        send(b, ascii("partial-" + "y".repeat(3000))); // three mbufs of a response that never ends
        stepUntil(() -> core.nusedMsg() == idleMsg + 2 && core.nusedMbuf() - idleMbuf >= 3,
                "the partial response read");
        b.close();
        stepUntil(() -> core.ncurrConn() == 1, "the server connection closed");
        assertEquals(1, core.serverStats(0, 0)[CoreStats.SERVER_EOF]);
        String got = receiveLine(c);
        assertTrue(got.matches("ERR [0-9]+\n"), "the client gets an error, never the partial bytes: " + got);
        assertEquals(0, c.getInputStream().available(), "and nothing else");
        assertNoLeak(1);
        c.close();
        stepUntil(() -> core.ncurrConn() == 0, "the client closed");
        assertNoLeak(0);
    }

    /** Lines {@code k<i>} LF, from {@code from}, {@code bytes} long in all (the last one padded to fit). */
    private static String lines(int from, int bytes) {
        StringBuilder sb = new StringBuilder();
        int i = from;
        while (bytes - sb.length() > 16) {
            sb.append('k').append(i++).append('\n');
        }
        int pad = bytes - sb.length() - 2;
        sb.append('k').append("x".repeat(pad)).append('\n');
        return sb.toString();
    }

    private static int room(int mbufSize) {
        try (MbufPool probe = new MbufPool(mbufSize, 1)) {
            Mbuf m = probe.get();
            int r = m.size();
            probe.put(m);
            return r;
        }
    }

    @Test
    void afterAReadThatFillsItsMbufTheNextReadAlsoFillsASpareChunkAndItsBytesAreParsedInOrder() throws Exception {
        startCore(1024, 0);
        int room = room(1024);
        Socket c = client(0);
        // requests filling exactly the room: the connection now reads into a spare chunk as well
        String first = lines(0, room);
        send(c, ascii(first));
        Socket b = acceptBackend();
        assertArrayEquals(ascii(first), receive(b, room));
        assertEquals(0, core.nspillReads(), "the bytes fit the mbuf: nothing reached the spare");
        // then 1.6 mbufs of requests in one go: one read takes them all, a line cut at the end of the first
        // mbuf is repaired and completed from the spare, and the lines after it follow in order
        String second = lines(1000, room + room * 6 / 10);
        assertTrue(second.charAt(room - 1) != '\n', "a line crosses the end of the first mbuf");
        send(c, ascii(second));
        assertArrayEquals(ascii(second), receive(b, second.length()), "every request forwarded, in order");
        assertTrue(core.nspillReads() > 0, "the read reached the spare chunk");

        int nrsp = first.split("\n").length + second.split("\n").length;
        StringBuilder rs = new StringBuilder();
        for (int i = 0; i < nrsp; i++) {
            rs.append("value-").append(i).append('\n');
        }
        send(b, ascii(rs.toString()));
        assertArrayEquals(ascii(rs.toString()), receive(c, rs.length()), "every reply, in order");
        assertNoLeak(2);
        assertEquals(nrsp, core.serverStats(0, 0)[CoreStats.RESPONSES]);
    }

    @Test
    void aLargeResponseIsReadIntoTheMbufAndASpareChunkAtOnceAndReachesTheClientWhole() throws Exception {
        startCore(1024, 0);
        Socket c = client(0);
        send(c, ascii("a\nb\nc\n"));
        Socket b = acceptBackend();
        receive(b, 6);
        // three responses of 1.5, 3 and 0.25 mbufs, sent at once: the first read fills its mbuf, the next ones
        // scatter, and responses end inside the spare chunks
        byte[] all = ascii("A".repeat(1536) + "\n" + "B".repeat(3072) + "\n" + "C".repeat(256) + "\n");
        send(b, all);
        assertArrayEquals(all, receive(c, all.length), "the three responses, byte for byte, in order");
        assertTrue(core.nspillReads() > 0, "a read reached a spare chunk");
        assertNoLeak(2);
        assertEquals(3, core.serverStats(0, 0)[CoreStats.RESPONSES]);
    }

    @Test
    void aClientThatClosesAfterALargeBurstLeavesNoSpareChunkBehind() throws Exception {
        startCore(1024, 0);
        int room = room(1024);
        Socket c = client(0);
        send(c, ascii(lines(0, room)));
        Socket b = acceptBackend();
        receive(b, room);
        // a burst that reaches the spare chunk, then the end of the stream; the backend goes without replying
        String burst = lines(500, room * 3 / 2);
        OutputStream out = c.getOutputStream();
        out.write(ascii(burst));
        out.flush();
        c.shutdownOutput();
        receive(b, burst.length());
        assertTrue(core.nspillReads() > 0, "the burst reached a spare chunk");
        c.close();
        b.close();
        stepUntil(() -> core.ncurrConn() == 0, "both connections closed");
        assertNoLeak(0);
    }

    /**
     * A line protocol for the loop tests: a request is a key and LF within one mbuf (a line cut by the end of
     * an mbuf is repaired into the next, as redis tokens are), a response any bytes up to LF (parsed across
     * mbufs), an error reply "ERR errno" LF.
     */
    static final class LineProto implements Proto {
        @Override
        public String name() {
            return "redis";
        }

        @Override
        public int parseRequest(Msg r) {
            Mbuf m = r.mhdr.last();
            for (int i = r.pos; i < m.last(); i++) {
                if (m.getByte(i) == '\n') {
                    if (i > r.pos) {
                        r.addKey(m, r.pos, i - r.pos);
                    }
                    r.pos = i + 1;
                    return ParseResult.OK;
                }
            }
            if (m.full()) {
                if (r.pos > 0) {
                    // the line started after the chunk's first byte: moved to a fresh chunk, it has room to end
                    return ParseResult.REPAIR;
                }
                r.perr = 1; // a request is one line within one mbuf
                return ParseResult.ERROR;
            }
            return ParseResult.AGAIN;
        }

        @Override
        public int parseResponse(Msg r) {
            Mbuf m = r.mhdr.last();
            for (int i = r.pos; i < m.last(); i++) {
                if (m.getByte(i) == '\n') {
                    r.pos = i + 1;
                    return ParseResult.OK;
                }
            }
            r.pos = m.last();
            return ParseResult.AGAIN;
        }

        @Override
        public void reply(Msg req, Msg rsp, ProtoClient c) {
            c.append(rsp, errorReply(NcErrno.EINVAL));
        }

        @Override
        public byte[] errorReply(int errno) {
            return ascii("ERR " + errno + "\n");
        }

        @Override
        public boolean failure(Msg rsp) {
            return false;
        }

        @Override
        public byte[] authRequest(String password) {
            return null;
        }

        @Override
        public byte[] selectRequest(int db) {
            return null;
        }

        @Override
        public void swallowMsg(String server, Msg pmsg, Msg rsp) {
        }
    }
}
