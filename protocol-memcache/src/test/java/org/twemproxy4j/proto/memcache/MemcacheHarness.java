package org.twemproxy4j.proto.memcache;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.Instance;
import org.twemproxy4j.core.conf.Conf;

/** Test harness: real memcached processes and an in-process {@link Core} with the memcache protocol. */
final class MemcacheHarness implements Closeable {
    final List<Process> procs = new ArrayList<>();
    final List<Integer> ports = new ArrayList<>();
    final Path dir;
    Core core;
    Thread loop;
    int port;

    MemcacheHarness() throws IOException {
        dir = Files.createTempDirectory("tw4j-mc");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    int startMemcached() throws IOException, InterruptedException {
        int p = freePort();
        Process pr = new ProcessBuilder("memcached", "-l", "127.0.0.1", "-p", String.valueOf(p), "-U", "0", "-m", "64",
                "-u", "root").redirectErrorStream(true).redirectOutput(dir.resolve("mc-" + p + ".log").toFile()).start();
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
        throw new IOException("memcached did not start on " + p);
    }

    /** Starts the proxy on the given backends (a memcache pool) with mbufs of {@code mbufSize}. */
    void startProxy(int mbufSize, int... backends) throws Exception {
        port = freePort();
        StringBuilder y = new StringBuilder("mc:\n  listen: 127.0.0.1:" + port + "\n  servers:\n");
        for (int b : backends) {
            y.append("   - 127.0.0.1:").append(b).append(":1\n");
        }
        Conf conf = Conf.parse(y.toString(), "test.yml");
        Instance inst = new Instance("test.yml", 5, null, 22222, "0.0.0.0", 30000, null, mbufSize);
        core = new Core(inst, conf, Map.of("memcache", new MemcacheProto()));
        core.start();
        loop = new Thread(core::loop, "core-loop");
        loop.start();
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    static void write(Socket s, byte[] data) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(data);
        out.flush();
    }

    /** Reads until {@code n} bytes, EOF or the timeout. */
    static byte[] read(Socket s, int n) throws IOException {
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
    static byte[] drain(Socket s, int quietMs, boolean[] closed) throws IOException {
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

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String show(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
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
