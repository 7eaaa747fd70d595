package org.twemproxy4j.proto.redis;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.Instance;
import org.twemproxy4j.core.conf.Conf;

/**
 * Test harness: real redis-server backends and an in-process {@link Core} running its loop on a thread,
 * driven over loopback sockets.
 */
final class ProxyHarness implements Closeable {
    final List<Process> redis = new ArrayList<>();
    final List<Integer> redisPorts = new ArrayList<>();
    final Path dir;
    Core core;
    Thread loop;
    int port;

    ProxyHarness() throws IOException {
        dir = Files.createTempDirectory("tw4j-redis");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    int startRedis(String... extra) throws IOException, InterruptedException {
        int p = freePort();
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(p), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        cmd.addAll(List.of(extra));
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + p + ".log").toFile()).start();
        redis.add(pr);
        redisPorts.add(p);
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", p), 100);
                return p;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new IOException("redis-server did not start on " + p);
    }

    /** Starts the proxy with pool YAML text where "$PORT" is replaced by a free listen port. */
    void startProxy(String yaml, int mbufSize) throws Exception {
        port = freePort();
        Conf conf = Conf.parse(yaml.replace("$PORT", String.valueOf(port)), "test.yml");
        Instance inst = new Instance("test.yml", 5, null, 22222, "0.0.0.0", 30000, null, mbufSize);
        core = new Core(inst, conf, Map.of("redis", new RedisProto()));
        core.start();
        loop = new Thread(core::loop, "core-loop");
        loop.start();
    }

    Socket client() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    /** Sends {@code req} and reads until {@code expectLen} bytes or EOF/timeout. */
    static String roundTrip(Socket s, String req, int expectLen) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(req.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return read(s, expectLen);
    }

    static String read(Socket s, int expectLen) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[Math.max(expectLen, 1)];
        int n = 0;
        try {
            while (n < expectLen) {
                int r = in.read(buf, n, expectLen - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (java.net.SocketTimeoutException e) {
            // return what came
        }
        return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** True when the peer closed (read returns -1 within the timeout). */
    static boolean closedByPeer(Socket s) throws IOException {
        s.setSoTimeout(3000);
        try {
            return s.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Stops the loop thread, then steps the loop from this thread until every client is gone, and returns
     * {messages, mbufs} still in use (both must be 0: nothing leaks).
     */
    final StringBuilder trace = new StringBuilder();

    int[] stopAndCountInUse(int serverConns) throws Exception {
        int[] r = null;
        for (int i = 0; i < 200; i++) {
            java.util.concurrent.CompletableFuture<int[]> f = new java.util.concurrent.CompletableFuture<>();
            core.execute(() -> f.complete(new int[] {core.nusedMsg(), core.nusedMbuf(), core.ncurrConn()}));
            r = f.get(5, java.util.concurrent.TimeUnit.SECONDS);
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
        for (Process p : redis) {
            p.destroy();
        }
        for (Process p : redis) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
