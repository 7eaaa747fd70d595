package org.twemproxy4j.core.testkit;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.Instance;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.proto.Proto;

/**
 * Test harness: real backend processes and an in-process {@link Core} running its loop on a thread, driven
 * over loopback sockets. A protocol module subclasses it with how to start its backend and how to write its
 * pool YAML. Test-only; the harness itself is used from the test thread.
 */
public class CoreHarness implements Closeable {
    public final List<Process> procs = new ArrayList<>();
    public final List<Integer> ports = new ArrayList<>();
    public final Path dir;
    public Core core;
    public Thread loop;
    public int port;
    /** The {messages, mbufs, connections} seen by each poll of {@link #stopAndCountInUse}. */
    public final StringBuilder trace = new StringBuilder();

    protected CoreHarness(String tmpPrefix) throws IOException {
        dir = Files.createTempDirectory(tmpPrefix);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts backend {@code cmd} (already told to listen on 127.0.0.1:{@code p}), its output in
     * {@code <logPrefix>-<p>.log}, and waits until it accepts connections.
     */
    protected int startBackend(int p, List<String> cmd, String logPrefix) throws IOException, InterruptedException {
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(logPrefix + "-" + p + ".log").toFile()).start();
        procs.add(pr);
        ports.add(p);
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", p), 100);
                return p;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new IOException(cmd.get(0) + " did not start on " + p);
    }

    /** Starts the core on pool YAML text (listening on {@link #port}) with one protocol and its loop thread. */
    protected void startCore(String yaml, int mbufSize, String protoName, Proto proto) throws Exception {
        Conf conf = Conf.parse(yaml, "test.yml");
        Instance inst = new Instance("test.yml", 5, null, 22222, "0.0.0.0", 30000, null, mbufSize);
        core = new Core(inst, conf, Map.of(protoName, proto));
        core.start();
        loop = new Thread(core::loop, "core-loop");
        loop.start();
    }

    /** A client connected to the proxy. */
    public Socket client() throws IOException {
        return connect(port);
    }

    public static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    public static void write(Socket s, byte[] data) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(data);
        out.flush();
    }

    /** Reads until {@code n} bytes, EOF or the timeout. */
    public static byte[] readBytes(Socket s, int n) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            while (out.size() < n) {
                int r = in.read(buf, 0, Math.min(buf.length, n - out.size()));
                if (r < 0) {
                    break;
                }
                out.write(buf, 0, r);
            }
        } catch (SocketTimeoutException e) {
            // what came is returned
        }
        return out.toByteArray();
    }

    /** Reads whatever arrives until {@code quietMs} pass without a byte; also reports a close. */
    public static byte[] drain(Socket s, int quietMs, boolean[] closed) throws IOException {
        s.setSoTimeout(quietMs);
        InputStream in = s.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            for (;;) {
                int r = in.read(buf);
                if (r < 0) {
                    closed[0] = true;
                    break;
                }
                out.write(buf, 0, r);
            }
        } catch (SocketTimeoutException e) {
            // quiet
        } catch (IOException e) {
            closed[0] = true;
        }
        s.setSoTimeout(5000);
        return out.toByteArray();
    }

    /** True when the peer closed (read returns -1 within the timeout). */
    public static boolean closedByPeer(Socket s) throws IOException {
        s.setSoTimeout(3000);
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The bytes as ISO-8859-1 text with CR and LF spelled out. */
    public static String show(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
    }

    /**
     * Polls the loop until at most {@code serverConns} connections remain and no message or mbuf is in use, and
     * returns {messages, mbufs, connections} in use at the last poll (the first two must be 0: nothing leaks).
     */
    public int[] stopAndCountInUse(int serverConns) throws Exception {
        int[] r = null;
        for (int i = 0; i < 200; i++) {
            CompletableFuture<int[]> f = new CompletableFuture<>();
            core.execute(() -> f.complete(new int[] {core.nusedMsg(), core.nusedMbuf(), core.ncurrConn()}));
            r = f.get(5, TimeUnit.SECONDS);
            trace.append(" [").append(r[0]).append(' ').append(r[1]).append(' ').append(r[2]).append(']');
            if (r[2] <= serverConns && r[0] == 0 && r[1] == 0) {
                break;
            }
            Thread.sleep(10);
        }
        return r;
    }

    @Override
    public void close() {
        if (core != null) {
            core.stop();
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            core.close();
        }
        for (Process p : procs) {
            p.destroy();
        }
        for (Process p : procs) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
