package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.twemproxy4j.it.fixture.NutcrackerProcess;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * {@code --workers=N} as a real process at 1, 2 and 4 workers, against real redis-server backends: placement
 * equals nutcracker's whatever worker took the client, the stats JSON sums every worker, {@code client_connections}
 * limits the pool over all workers, a unix-socket pool serves clients handed to every worker and SIGTERM stops
 * the whole process cleanly (socket file and pid file removed).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkersIT {
    static final int CLIENTS = 24;

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(15_000);
        return s;
    }

    static String request(Socket s, String... args) throws IOException {
        return request(s.getOutputStream(), s.getInputStream(), args);
    }

    static String request(OutputStream out, InputStream in, String... args) throws IOException {
        out.write(Resp.command(args));
        out.flush();
        return new String(Resp.readReply(in), StandardCharsets.ISO_8859_1);
    }

    static void await(BooleanSupplier condition, long timeoutMs, java.util.function.Supplier<String> why)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(why.get());
            }
            Thread.sleep(20);
        }
    }

    /** The sum of {@code "field":N} over the whole stats document (a server field sums every server). */
    static long sum(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\\s*(\\d+)").matcher(json);
        long n = 0;
        while (m.find()) {
            n += Long.parseLong(m.group(1));
        }
        return n;
    }

    static String pool(String name, int port, String extra, RedisServer... servers) {
        StringBuilder y = new StringBuilder(name + ":\n  listen: 127.0.0.1:" + port + "\n  redis: true\n"
                + "  hash: fnv1a_64\n  distribution: ketama\n" + extra + "  servers:\n");
        for (int i = 0; i < servers.length; i++) {
            y.append("   - ").append(servers[i].address()).append(":1\n");
        }
        return y.toString();
    }

    @ParameterizedTest(name = "--workers={0}")
    @ValueSource(ints = {1, 2, 4})
    void placementAsNutcrackerAndStatsSummedOverWorkers(int workers) throws Exception {
        int listen = Ports.free();
        int ncListen = Ports.free();
        List<Socket> clients = new ArrayList<>();
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start();
                RedisServer r3 = RedisServer.start();
                Twemproxy4jProcess p = Twemproxy4jProcess.start(pool("w", listen, "", r1, r2, r3),
                        "--workers=" + workers, "-i", "100")) {
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(connect(listen));
            }
            int perClient = 10;
            for (int i = 0; i < CLIENTS; i++) {
                for (int j = 0; j < perClient; j++) {
                    assertEquals("+OK\r\n", request(clients.get(i), "SET", "key:" + i + ":" + j, "v" + i + "." + j));
                }
            }
            // stats: every request counted once, whatever worker served it; the clients counted over all workers
            long requests = (long) CLIENTS * perClient;
            String[] last = {""};
            await(() -> {
                last[0] = p.stats();
                return sum(last[0], "requests") == requests && sum(last[0], "responses") == requests
                        && sum(last[0], "client_connections") == CLIENTS;
            }, 10_000, () -> "stats do not sum " + requests + " requests and " + CLIENTS + " clients: " + last[0]);
            long curr = sum(last[0], "curr_connections");
            // clients + one listener + the server connections the workers opened (1..workers per server)
            assertTrue(curr >= CLIENTS + 1 + 3 && curr <= CLIENTS + 1 + 3L * workers, "curr_connections " + curr);
            assertTrue(sum(last[0], "total_connections") >= curr, last[0]);
            long conns = sum(last[0], "server_connections");
            assertEquals(curr - CLIENTS - 1, conns, "server connections of every worker: " + last[0]);

            // placement: a nutcracker on the same backends finds every key where twemproxy4j put it
            try (NutcrackerProcess nc = NutcrackerProcess.start(pool("w", ncListen, "", r1, r2, r3));
                    Socket c = connect(ncListen)) {
                for (int i = 0; i < CLIENTS; i++) {
                    for (int j = 0; j < perClient; j++) {
                        String v = "v" + i + "." + j;
                        assertEquals("$" + v.length() + "\r\n" + v + "\r\n", request(c, "GET", "key:" + i + ":" + j),
                                "key:" + i + ":" + j + " through nutcracker");
                    }
                }
            }
            for (RedisServer r : List.of(r1, r2, r3)) {
                assertTrue(Long.parseLong(r.command("DBSIZE").trim().substring(1)) > 0, "every backend holds keys");
            }
            for (Socket s : clients) {
                s.close();
            }
            await(() -> { // client_eof also counts the fixture's probe of the listener at start
                last[0] = p.stats();
                return sum(last[0], "client_connections") == 0 && sum(last[0], "client_eof") >= CLIENTS;
            }, 10_000, () -> "closed clients not counted: " + last[0]);
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    @ParameterizedTest(name = "--workers={0}")
    @ValueSource(ints = {1, 2, 4})
    void clientLimitOverAllWorkersUnixSocketPoolAndSigterm(int workers) throws Exception {
        int limited = Ports.free();
        Path dir = Files.createTempDirectory("workers-it");
        Path sock = dir.resolve("proxy.sock");
        Path pid = dir.resolve("proxy.pid");
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start()) {
            String yaml = pool("limited", limited, "  client_connections: 5\n", r1, r2)
                    + "sock:\n  listen: " + sock + " 0666\n  redis: true\n  servers:\n   - " + r1.address() + ":1\n"
                    + "   - " + r2.address() + ":1\n";
            Twemproxy4jProcess p = Twemproxy4jProcess.start(yaml, "--workers=" + workers, "-p", pid.toString());
            List<Socket> tcp = new ArrayList<>();
            List<SocketChannel> unix = new ArrayList<>();
            try {
                await(() -> Files.exists(sock), 10_000, () -> "no unix socket: " + p.log());
                // client_connections: 5 over all workers: of 12 clients, 5 are served and 7 closed at once
                int served = 0;
                int closed = 0;
                for (int i = 0; i < 12; i++) {
                    Socket s = connect(limited);
                    tcp.add(s);
                    try {
                        String r = request(s, "SET", "limit" + i, "x");
                        assertEquals("+OK\r\n", r);
                        served++;
                    } catch (IOException e) {
                        closed++; // EOF or reset: over the limit
                    }
                }
                assertEquals(5, served, "client_connections enforced over " + workers + " workers");
                assertEquals(7, closed);
                // one served client leaves: one more is let in
                int gone = -1;
                for (int i = 0; i < tcp.size(); i++) {
                    if (!tcp.get(i).isClosed()) {
                        try {
                            if (request(tcp.get(i), "GET", "limit" + i).startsWith("$1")) {
                                tcp.get(i).close();
                                gone = i;
                                break;
                            }
                        } catch (IOException e) {
                            tcp.get(i).close();
                        }
                    }
                }
                assertTrue(gone >= 0);
                boolean admitted = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!admitted && System.nanoTime() < deadline) {
                    try (Socket s = connect(limited)) {
                        admitted = request(s, "SET", "again", "y").equals("+OK\r\n");
                    } catch (IOException e) {
                        Thread.sleep(20); // the close is not counted yet
                    }
                }
                assertTrue(admitted, "a freed slot is reused");

                // the unix socket: one file, clients handed to every worker, each served for its whole life
                for (int i = 0; i < 16; i++) {
                    SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                    c.connect(UnixDomainSocketAddress.of(sock));
                    unix.add(c);
                }
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < unix.size(); i++) {
                        OutputStream out = Channels.newOutputStream(unix.get(i));
                        InputStream in = Channels.newInputStream(unix.get(i));
                        String v = "u" + i + "." + round;
                        assertEquals("+OK\r\n", request(out, in, "SET", "unix" + i, v));
                        assertEquals("$" + v.length() + "\r\n" + v + "\r\n", request(out, in, "GET", "unix" + i));
                    }
                }
                assertTrue(Files.exists(pid));
                p.signal("TERM");
                assertTrue(p.process().waitFor(30, TimeUnit.SECONDS), "SIGTERM stops every worker");
                assertEquals(0, p.process().exitValue(), p.log());
                assertFalse(Files.exists(sock), "the socket file is removed once");
                assertFalse(Files.exists(pid), "the pid file is removed");
                assertTrue(p.log().contains("done, rabbit done"), p.log());
                assertFalse(p.log().contains("Exception"), p.log());
                for (SocketChannel c : unix) {
                    assertEquals(-1, c.read(java.nio.ByteBuffer.allocate(1)), "clients closed at shutdown");
                }
            } finally {
                for (Socket s : tcp) {
                    s.close();
                }
                for (SocketChannel c : unix) {
                    c.close();
                }
                p.close();
            }
        }
    }

    @org.junit.jupiter.api.Test
    void reuseportLetsTwoProcessesShareAPort() throws Exception {
        int listen = Ports.free();
        try (RedisServer r1 = RedisServer.start()) {
            String yaml = pool("shared", listen, "  reuseport: true\n", r1);
            Twemproxy4jProcess first = Twemproxy4jProcess.start(yaml);
            try (Twemproxy4jProcess second = Twemproxy4jProcess.start(yaml)) {
                await(() -> second.log().contains("listening on '127.0.0.1:" + listen + "'"), 10_000,
                        () -> "the second process did not bind the shared port: " + second.log());
                first.close();
                for (int i = 0; i < 5; i++) {
                    try (Socket s = connect(listen)) {
                        assertEquals("+OK\r\n", request(s, "SET", "shared" + i, "v"), "served by the second");
                    }
                }
            } finally {
                first.close();
            }
        }
    }
}
