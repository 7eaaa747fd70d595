package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.MemcachedServer;
import org.twemproxy4j.it.fixture.NutcrackerProcess;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * Configuration reload (SIGUSR1) on a real twemproxy4j process in front of real redis-server and memcached
 * backends: pools added, removed and changed (servers, hash, listen), placement after a reload compared with a
 * freshly started nutcracker on the new file, a broken file and a taken port that change nothing, and reloads
 * under pipelined load that cost the persisting pool's clients nothing. upstream's reload scenarios (new port,
 * pool add and delete, an old connection still served) are among them; the process keeps its pid.
 */
@Timeout(300)
class ReloadIT {
    private static final long WAIT_MS = 15_000;

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(15_000);
        return s;
    }

    private static String request(Socket s, String... args) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(Resp.command(args));
        out.flush();
        return new String(Resp.readReply(s.getInputStream()), StandardCharsets.ISO_8859_1);
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static void rewrite(Twemproxy4jProcess p, String yaml) throws IOException {
        Files.writeString(p.confFile(), yaml, StandardCharsets.UTF_8);
    }

    /** Sends SIGUSR1 and waits until the log shows the {@code n}th reload outcome (ok or failed). */
    private static void reload(Twemproxy4jProcess p, int n) throws InterruptedException {
        p.signal("USR1");
        await("reload " + n + " in the log: " + p.log(), () -> outcomes(p.log()) >= n);
    }

    private static int outcomes(String log) {
        int n = 0;
        for (int i = log.indexOf("reloaded configuration file"); i >= 0;
                i = log.indexOf("reloaded configuration file", i + 1)) {
            n++;
        }
        for (int i = log.indexOf("failed, the running configuration is kept"); i >= 0;
                i = log.indexOf("failed, the running configuration is kept", i + 1)) {
            n++;
        }
        return n;
    }

    private static String redisPool(String name, int listen, String extra, RedisServer... servers) {
        StringBuilder y = new StringBuilder(name + ":\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n"
                + "  timeout: 5000\n" + extra + "  servers:\n");
        for (RedisServer s : servers) {
            y.append("   - 127.0.0.1:").append(s.port()).append(":1\n");
        }
        return y.toString();
    }

    @Test
    void poolsAreAddedRemovedAndKeptWhileAnOldConnectionIsStillServed() throws Exception {
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start();
                MemcachedServer mc = MemcachedServer.start()) {
            int pa = Ports.free();
            int pm = Ports.free();
            int pb = Ports.free();
            String alpha = redisPool("alpha", pa, "", r1);
            String mem = "mem:\n  listen: 127.0.0.1:" + pm + "\n  servers:\n   - 127.0.0.1:" + mc.port() + ":1\n";
            try (Twemproxy4jProcess p = Twemproxy4jProcess.start(alpha + mem)) {
                long pid = p.pid();
                Socket a = connect(pa);
                assertEquals("+OK\r\n", request(a, "SET", "k", "v"));
                Socket m = connect(pm);
                m.getOutputStream().write("set x 0 0 1\r\ny\r\n".getBytes(StandardCharsets.ISO_8859_1));
                assertEquals("STORED", readLine(m.getInputStream()));

                rewrite(p, alpha + redisPool("beta", pb, "", r2));
                long t0 = System.nanoTime();
                p.signal("USR1");
                await("beta listening", () -> Ports.accepting(pb));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("reload: the new pool accepted " + ms + " ms after SIGUSR1");
                await("mem's listener closed", () -> !Ports.accepting(pm));
                await("mem's idle client closed", () -> closedByPeer(m));

                assertEquals("$1\r\nv\r\n", request(a, "GET", "k"), "the old connection of a kept pool is served");
                Socket b = connect(pb);
                assertEquals("+OK\r\n", request(b, "SET", "kb", "vb"));
                assertEquals("$2\r\nvb\r\n", r2.command("GET", "kb"));
                assertEquals(pid, p.pid(), "no new process");
                assertTrue(p.isAlive());

                await("reload counted", () -> p.stats().contains("\"reloads\":1,"));
                String stats = p.stats();
                assertTrue(stats.contains("\"beta\": {"), stats);
                assertFalse(stats.contains("\"mem\": {"), stats);
                assertTrue(stats.contains("\"reload_failures\":0,"), stats);

                rewrite(p, alpha + redisPool("beta", pb, "", r2));
                reload(p, 2);
                assertTrue(p.log().contains("nothing changed"), "a reload that changes nothing is a no-op");
                assertEquals("$1\r\nv\r\n", request(a, "GET", "k"));
                assertEquals("$2\r\nvb\r\n", request(b, "GET", "kb"), "still the same connection");
                a.close();
                b.close();
            }
        }
    }

    /**
     * A changed pool (a server added, the hash changed, the listener moved): its old client connection stays open
     * and follows the new definition, and every key lands where a nutcracker started on the new file puts it.
     */
    @Test
    void aChangedPoolPlacesKeysAsAFreshNutcrackerWithTheNewFile() throws Exception {
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start();
                RedisServer r3 = RedisServer.start()) {
            int old = Ports.free();
            int moved = Ports.free();
            try (Twemproxy4jProcess p = Twemproxy4jProcess.start(redisPool("p", old, "", r1, r2))) {
                Socket c = connect(old);
                assertEquals("+OK\r\n", request(c, "SET", "before", "1"));
                String next = redisPool("p", moved, "  hash: murmur\n  distribution: ketama\n", r1, r2, r3);
                rewrite(p, next);
                reload(p, 1);
                assertTrue(p.log().contains("listeners moved [p]"), p.log());
                await("the new listener", () -> Ports.accepting(moved));
                await("the old listener closed", () -> !Ports.accepting(old));
                Socket fresh = connect(moved);
                sameAsNutcracker(next, moved, c, fresh, "a");
                int on3 = Integer.parseInt(r3.command("DBSIZE").substring(1).trim());
                assertTrue(on3 > 30, "the added server takes its share: " + on3);

                // a server removed and the distribution changed: again where a fresh nutcracker puts keys
                String third = redisPool("p", moved, "  hash: murmur\n  distribution: modula\n", r2, r3);
                rewrite(p, third);
                reload(p, 2);
                assertTrue(p.log().contains("changed [p] (pool 'p': distribution, servers)"), p.log());
                sameAsNutcracker(third, moved, c, fresh, "b");
                fresh.close();
                c.close();
            }
        }
    }

    /**
     * Sets 300 keys through twemproxy4j (alternately on {@code c} and {@code fresh}) and reads each through a
     * nutcracker started on {@code yaml} (its listen port replaced) in front of the same backends.
     */
    private static void sameAsNutcracker(String yaml, int listen, Socket c, Socket fresh, String tag)
            throws Exception {
        int nutPort = Ports.free();
        try (NutcrackerProcess nc = NutcrackerProcess.start(yaml.replace(":" + listen + "\n", ":" + nutPort + "\n"));
                Socket n = connect(nutPort)) {
            for (int i = 0; i < 300; i++) {
                String k = tag + ":key:" + i;
                Socket via = (i & 1) == 0 ? c : fresh; // the connection from before the reloads, and a new one
                assertEquals("+OK\r\n", request(via, "SET", k, "v" + i));
                assertEquals("$" + ("v" + i).length() + "\r\nv" + i + "\r\n", request(n, "GET", k),
                        k + ": nutcracker on the new file finds it where twemproxy4j put it");
            }
        }
    }

    @Test
    void aBrokenFileOrATakenPortChangesNothing() throws Exception {
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start()) {
            int pa = Ports.free();
            String alpha = redisPool("alpha", pa, "", r1);
            try (Twemproxy4jProcess p = Twemproxy4jProcess.start(alpha);
                    ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                Socket a = connect(pa);
                assertEquals("+OK\r\n", request(a, "SET", "k", "v"));

                rewrite(p, alpha + "beta:\n  listen: 127.0.0.1:" + Ports.free() + "\n  hash: nope\n  servers:\n"
                        + "   - 127.0.0.1:" + r2.port() + ":1\n");
                reload(p, 1);
                assertTrue(p.log().contains("reload of configuration file"), p.log());
                assertTrue(p.log().contains("hash"), "the -t reason: " + p.log());

                int pg = Ports.free();
                rewrite(p, redisPool("alpha", pa, "", r1, r2) + redisPool("gamma", pg, "", r2)
                        + redisPool("delta", taken.getLocalPort(), "", r2));
                reload(p, 2);
                assertTrue(p.log().contains("failed to listen on pool 'delta'"), p.log());
                assertFalse(Ports.accepting(pg), "gamma was not kept: all or nothing");
                for (int i = 0; i < 50; i++) {
                    assertEquals("+OK\r\n", request(a, "SET", "x" + i, "y"));
                }
                assertEquals("0", r2.command("DBSIZE").substring(1).trim(), "alpha still has its old servers");
                await("failures counted", () -> p.stats().contains("\"reload_failures\":2,"));
                a.close();
            }
        }
    }

    /**
     * 20 reloads that alternate between two files in 20 s while pipelined clients write tagged values through a
     * pool both files keep: none of them sees an error, a disconnect, or a reply that is not its own.
     */
    @Test
    void reloadsUnderLoadCostThePersistingPoolNothing() throws Exception {
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start();
                RedisServer r3 = RedisServer.start()) {
            int pp = Ports.free();
            int pq = Ports.free();
            int pr = Ports.free();
            String keep = redisPool("keep", pp, "", r1, r2);
            String fileA = keep + redisPool("q", pq, "", r3);
            String fileB = keep + redisPool("r", pr, "  hash: md5\n", r2, r3);
            try (Twemproxy4jProcess p = Twemproxy4jProcess.start(fileA)) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicBoolean reloading = new AtomicBoolean();
                List<Long> quiet = java.util.Collections.synchronizedList(new ArrayList<>());  // round trips, ns
                List<Long> during = java.util.Collections.synchronizedList(new ArrayList<>());
                AtomicLong checked = new AtomicLong();
                AtomicReference<String> failure = new AtomicReference<>();
                List<Thread> clients = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    final int id = t;
                    Thread th = new Thread(() -> {
                        try (Socket s = connect(pp)) {
                            OutputStream out = s.getOutputStream();
                            InputStream in = s.getInputStream();
                            for (long round = 0; !stop.get() && failure.get() == null; round++) {
                                int depth = 16;
                                StringBuilder expect = new StringBuilder();
                                for (int i = 0; i < depth; i++) {
                                    String k = "c" + id + ":" + (i % 4);
                                    String v = id + "/" + round + "/" + i;
                                    out.write(Resp.command("SET", k, v));
                                    out.write(Resp.command("GET", k));
                                    expect.append("+OK\r\n$").append(v.length()).append("\r\n").append(v)
                                            .append("\r\n");
                                }
                                long sent = System.nanoTime();
                                boolean phase = reloading.get();
                                out.flush();
                                StringBuilder got = new StringBuilder();
                                for (int i = 0; i < 2 * depth; i++) {
                                    got.append(new String(Resp.readReply(in), StandardCharsets.ISO_8859_1));
                                }
                                (phase ? during : quiet).add(System.nanoTime() - sent);
                                if (!got.toString().equals(expect.toString())) {
                                    failure.compareAndSet(null, "client " + id + " round " + round + ": expected "
                                            + expect + " got " + got);
                                }
                                checked.addAndGet(2L * depth);
                            }
                        } catch (IOException | RuntimeException e) {
                            failure.compareAndSet(null, "client " + id + ": " + e);
                        }
                    }, "load-" + t);
                    th.start();
                    clients.add(th);
                }
                Thread.sleep(5000); // the scenario: 5 s of load without reloads, the latency baseline
                reloading.set(true);
                long t0 = System.nanoTime();
                for (int i = 1; i <= 20; i++) {
                    rewrite(p, (i & 1) == 1 ? fileB : fileA);
                    reload(p, i);
                    long due = t0 + i * 1_000_000_000L;
                    long left = (due - System.nanoTime()) / 1_000_000;
                    if (left > 0) {
                        Thread.sleep(left); // the scenario: one reload a second for 20 s
                    }
                    assertEquals(null, failure.get());
                }
                stop.set(true);
                for (Thread th : clients) {
                    th.join(30_000);
                }
                assertEquals(null, failure.get());
                assertFalse(p.log().contains("failed, the running configuration is kept"), p.log());
                assertTrue(checked.get() > 1000, "replies checked: " + checked.get());
                long p99Quiet = p99(quiet);
                long p99During = p99(during);
                System.out.println("reload under load: 20 reloads, " + checked.get() + " tagged replies checked;"
                        + " p99 of a 32-command pipeline round trip " + p99Quiet / 1000 + " us without reloads, "
                        + p99During / 1000 + " us during them");
                assertTrue(p99During <= 5 * p99Quiet + 50_000_000L, "no stall of the kept pool during reloads: "
                        + p99Quiet + " ns before, " + p99During + " ns during");
                String stats = p.stats();
                assertTrue(stats.contains("\"reloads\":20,"), stats);
                // client_eof counts the load clients closed at the end and the start-up probe; a cut client would
                // have failed its thread above
                assertTrue(stats.matches("(?s).*\"keep\": \\{\"client_eof\":\\d+, \"client_err\":0, .*"),
                        "no client of the kept pool closed in error: " + stats);
            }
        }
    }

    private static long p99(List<Long> ns) {
        List<Long> l = new ArrayList<>(ns);
        java.util.Collections.sort(l);
        return l.isEmpty() ? 0 : l.get(Math.min(l.size() - 1, (int) Math.ceil(l.size() * 0.99) - 1));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static boolean closedByPeer(Socket s) {
        try {
            s.setSoTimeout(50);
            return s.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
