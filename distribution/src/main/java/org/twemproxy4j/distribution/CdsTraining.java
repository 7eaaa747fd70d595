package org.twemproxy4j.distribution;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The training run of the class-data-sharing archive (AppCDS), run by {@code mvn package} under
 * {@code -XX:DumpLoadedClassList}: it goes through what a start of the proxy loads, so that the archive built
 * from that list ({@code -Xshare:dump}) holds every class of the start path, pre-parsed and pre-verified.
 *
 * <p>In one JVM: {@code -V}, {@code -h}, {@code -D} and {@code -t}, then a proxy with a redis and a memcache pool
 * on free 127.0.0.1 ports (their one server is a closed port), a stats port, one PING, one GET (answered with
 * an error: the server refuses), one memcache get and one stats request, then a clean stop. Nothing outside
 * 127.0.0.1 is touched and no backend is needed. Not part of the proxy's command line.
 *
 * <p>{@code java -cp ... org.twemproxy4j.distribution.CdsTraining [WORKDIR]}: exit 0 when the proxy answered
 * the PING, 1 otherwise. Temporary files go to WORKDIR (default: a new temporary directory).
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Files.createDirectories(Path.of(args[0]))
                : Files.createTempDirectory("t4j-cds");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        int status = train(dir, quiet);
        System.exit(status);
    }

    static int train(Path dir, PrintStream quiet) throws Exception {
        int redis = freePort();
        int memcache = freePort();
        int stats = freePort();
        int dead = freePort(); // nothing listens there: the servers refuse
        Path conf = dir.resolve("training.yml");
        Files.writeString(conf, "redis:\n  listen: 127.0.0.1:" + redis + "\n  redis: true\n  hash: fnv1a_64\n"
                + "  distribution: ketama\n  timeout: 400\n  server_retry_timeout: 100\n  servers:\n"
                + "   - 127.0.0.1:" + dead + ":1\n"
                + "memcache:\n  listen: 127.0.0.1:" + memcache + "\n  hash: fnv1a_64\n  distribution: ketama\n"
                + "  timeout: 400\n  servers:\n   - 127.0.0.1:" + dead + ":1\n");
        Map<String, String> env = Map.of();
        for (String[] a : new String[][] {{"-V"}, {"-h"}, {"-D"}, {"-t", "-c", conf.toString()}}) {
            new Nutcracker(quiet, quiet, env, Nutcracker::coreService, Nutcracker.class.getName()).execute(a);
        }

        Nutcracker proxy = new Nutcracker(quiet, quiet, env, Nutcracker::coreService,
                Nutcracker.class.getName());
        String[] run = {"-c", conf.toString(), "-s", Integer.toString(stats), "-a", "127.0.0.1",
            "-o", dir.resolve("training.log").toString()};
        int[] status = {-1};
        Thread t = new Thread(() -> status[0] = proxy.execute(run), "cds-training");
        t.start();
        boolean ok = false;
        try {
            ok = exchange(redis, "*1\r\n$4\r\nPING\r\n").equals("+PONG\r\n");
            exchange(redis, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
            exchange(memcache, "get k\r\n");
            exchange(stats, null);
        } finally {
            proxy.requestStop();
            t.join(60_000);
        }
        return ok ? 0 : 1;
    }

    /** Sends {@code request} (none: just read) and returns the first reply line, or "" when there is none. */
    private static String exchange(int port, String request) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                s.setSoTimeout(2000);
                if (request != null) {
                    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                }
                InputStream in = s.getInputStream();
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    line.write(b);
                    if (b == '\n') {
                        break;
                    }
                }
                return line.toString(StandardCharsets.US_ASCII);
            } catch (IOException e) {
                try {
                    Thread.sleep(10); // not listening yet
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return "";
                }
            }
        }
        return "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
