package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.twemproxy4j.it.WorkersIT.connect;
import static org.twemproxy4j.it.WorkersIT.request;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfPool;
import org.twemproxy4j.core.conf.ConfServer;
import org.twemproxy4j.hashkit.Placement;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.stats.StatsPoolField;
import org.twemproxy4j.stats.StatsServerField;

/**
 * Workers in this JVM, where each worker's own state can be read on its loop: a server's failures are counted
 * over all workers and every worker ejects and re-admits it together (clients known to sit on different
 * workers); and a stress run of 200 pipelining clients over 4 workers, every reply matching its request, after
 * which every worker's messages and mbufs are back to their idle counts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkersInProcessIT {
    /** Which worker serves each client: the one whose servers' request count moved when it sent one request. */
    private static int[] workerOf(InProcessWorkers w, List<Socket> clients, String key) throws Exception {
        int[] of = new int[clients.size()];
        long[] before = requests(w);
        for (int i = 0; i < clients.size(); i++) {
            request(clients.get(i), "GET", key);
            long[] after = requests(w);
            of[i] = -1;
            for (int k = 0; k < after.length; k++) {
                if (after[k] != before[k]) {
                    of[i] = k;
                }
            }
            assertTrue(of[i] >= 0, "client " + i + " served by no worker");
            before = after;
        }
        return of;
    }

    private static long[] requests(InProcessWorkers w) throws Exception {
        long[] r = new long[w.size()];
        for (int k = 0; k < r.length; k++) {
            int kk = k;
            r[k] = w.onLoop(k, () -> {
                long n = 0;
                for (int s = 0; s < 2; s++) {
                    n += w.core(kk).serverStats(0, s)[StatsServerField.REQUESTS.ordinal()];
                }
                return n;
            });
        }
        return r;
    }

    private static long ejects(InProcessWorkers w) throws Exception {
        long n = 0;
        for (int k = 0; k < w.size(); k++) {
            int kk = k;
            n += w.onLoop(k, () -> w.core(kk).poolStats(0)[StatsPoolField.SERVER_EJECTS.ordinal()]);
        }
        return n;
    }

    /** Keys placed on server {@code server} (in the pool's sorted order) when every server is live. */
    private static List<String> keysOn(ConfPool cp, int server, String prefix, int n) {
        List<ConfServer> ss = cp.servers();
        String[] names = new String[ss.size()];
        int[] weights = new int[ss.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = ss.get(i).name();
            weights[i] = ss.get(i).weight();
        }
        Placement p = new Placement(cp.hash(), null, cp.distribution(), names, weights);
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < n; i++) {
            byte[] k = (prefix + i).getBytes(StandardCharsets.US_ASCII);
            if (p.serverIndex(k, 0, k.length) == server) {
                keys.add(prefix + i);
            }
        }
        return keys;
    }

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {2, 4})
    void failuresCountedOverWorkersAndEjectionSeenByAllTogether(int nworkers) throws Exception {
        int listen = Ports.free();
        int portB = Ports.free();
        RedisServer a = RedisServer.start();
        RedisServer b = RedisServer.start(portB, false);
        String yaml = "p:\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n  auto_eject_hosts: true\n"
                + "  server_failure_limit: 2\n  server_retry_timeout: 1500\n  timeout: 2000\n  servers:\n"
                + "   - " + a.address() + ":1\n   - 127.0.0.1:" + portB + ":1\n";
        ConfPool cp = Conf.parse(yaml, "t.yml").pools().get(0);
        int ia = cp.servers().get(0).name().equals(a.address()) ? 0 : 1;
        int ib = 1 - ia;
        List<String> onA = keysOn(cp, ia, "a", 1);
        List<String> onB = keysOn(cp, ib, "b", 200);
        List<Socket> clients = new ArrayList<>();
        try (InProcessWorkers w = new InProcessWorkers(yaml, nworkers)) {
            for (int i = 0; i < 12 * nworkers; i++) {
                clients.add(connect(listen));
            }
            int[] of = workerOf(w, clients, onA.get(0));
            int c1 = 0;
            int c2 = -1;
            for (int i = 1; i < of.length && c2 < 0; i++) {
                if (of[i] != of[c1]) {
                    c2 = i;
                }
            }
            assertTrue(c2 > 0, "clients spread over the workers: " + Arrays.toString(of));
            boolean[] seen = new boolean[nworkers];
            for (int k : of) {
                seen[k] = true;
            }
            for (int k = 0; k < nworkers; k++) {
                assertTrue(seen[k], "worker " + k + " has clients: " + Arrays.toString(of));
            }

            b.close();
            int next = 0;
            assertEquals("-ERR Connection refused\r\n", request(clients.get(c1), "SET", onB.get(next++), "x"));
            assertEquals(0, ejects(w), "one failure of two");
            assertEquals("-ERR Connection refused\r\n", request(clients.get(c2), "SET", onB.get(next++), "x"));
            assertEquals(1, ejects(w), "the second failure, on another worker, ejects");
            // every client, on every worker, now sends B's keys to A
            for (int i = 0; i < clients.size(); i++) {
                String k = onB.get(next++);
                assertEquals("+OK\r\n", request(clients.get(i), "SET", k, "on-a"), "client " + i + " on worker "
                        + of[i]);
                assertEquals("$4\r\non-a\r\n", a.command("GET", k), "B's key " + k + " on A");
            }
            b = RedisServer.start(portB, false);
            // after the retry time, the first client to see B back finds every other worker re-admitting too
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            boolean back = false;
            while (!back && System.nanoTime() < deadline) {
                String k = onB.get(next++);
                assertEquals("+OK\r\n", request(clients.get(c1), "SET", k, "on-b"));
                back = "$4\r\non-b\r\n".equals(b.command("GET", k));
                if (!back) {
                    Thread.sleep(50);
                }
            }
            assertTrue(back, "B re-admitted");
            for (int i = 0; i < clients.size(); i++) {
                String k = onB.get(next++);
                assertEquals("+OK\r\n", request(clients.get(i), "SET", k, "on-b"));
                assertEquals("$4\r\non-b\r\n", b.command("GET", k), "client " + i + " on worker " + of[i]
                        + " re-admitted B with the others");
            }
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            a.close();
            b.close();
        }
    }

    @Test
    void twoHundredPipeliningClientsOverFourWorkersEveryReplyMatchesNoLeak() throws Exception {
        int listen = Ports.free();
        int nclients = 200;
        int rounds = 8;
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start();
                RedisServer r3 = RedisServer.start()) {
            String yaml = "s:\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n  servers:\n   - " + r1.address()
                    + ":1\n   - " + r2.address() + ":1\n   - " + r3.address() + ":1\n";
            try (InProcessWorkers w = new InProcessWorkers(yaml, 4)) {
                int[] idleMsg = new int[4];
                int[] idleMbuf = new int[4];
                for (int k = 0; k < 4; k++) {
                    int kk = k;
                    idleMsg[k] = w.onLoop(k, () -> w.core(kk).nusedMsg());
                    idleMbuf[k] = w.onLoop(k, () -> w.core(kk).nusedMbuf());
                }
                List<Socket> clients = new ArrayList<>();
                for (int i = 0; i < nclients; i++) {
                    clients.add(connect(listen));
                }
                int[] perWorker = new int[4];
                for (int k = 0; k < 4; k++) {
                    int kk = k;
                    perWorker[k] = w.onLoop(k, () -> w.core(kk).ncurrConn());
                    assertTrue(perWorker[k] > 0, "clients on every worker: " + Arrays.toString(perWorker));
                }
                ExecutorService pool = Executors.newFixedThreadPool(8);
                try {
                    List<Future<Integer>> done = new ArrayList<>();
                    for (int t = 0; t < 8; t++) {
                        int first = t;
                        done.add(pool.submit(() -> {
                            int checked = 0;
                            for (int round = 0; round < rounds; round++) {
                                for (int i = first; i < nclients; i += 8) {
                                    checked += pipeline(clients.get(i), i, round);
                                }
                            }
                            return checked;
                        }));
                    }
                    int total = 0;
                    for (Future<Integer> f : done) {
                        total += f.get(100, TimeUnit.SECONDS);
                    }
                    assertEquals(nclients * rounds * 7, total);
                } finally {
                    pool.shutdownNow();
                }
                for (Socket s : clients) {
                    s.close();
                }
                for (int k = 0; k < 4; k++) {
                    int kk = k;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    int msg;
                    int mbuf;
                    do {
                        msg = w.onLoop(k, () -> w.core(kk).nusedMsg());
                        mbuf = w.onLoop(k, () -> w.core(kk).nusedMbuf());
                        if (msg == idleMsg[k] && mbuf == idleMbuf[k]) {
                            break;
                        }
                        Thread.sleep(20);
                    } while (System.nanoTime() < deadline);
                    assertEquals(idleMsg[k], msg, "worker " + k + " messages back to idle");
                    assertEquals(idleMbuf[k], mbuf, "worker " + k + " mbufs back to idle");
                }
            }
        }
    }

    /** One pipelined batch of single- and multi-key commands, values tagged with client and round. */
    private static int pipeline(Socket s, int client, int round) throws IOException {
        String a = "{c" + client + "}a";
        String b = "c" + client + ":b";
        String c = "c" + client + ":c";
        String va = "a." + client + "." + round;
        String vb = "b." + client + "." + round;
        String vc = "c." + client + "." + round;
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.write(Resp.command("SET", a, va));
        req.write(Resp.command("GET", a));
        req.write(Resp.command("MSET", b, vb, c, vc));
        req.write(Resp.command("MGET", a, b, c, "c" + client + ":none"));
        req.write(Resp.command("DEL", b, c));
        req.write(Resp.command("EXISTS", a));
        req.write(Resp.command("MGET", b, c));
        OutputStream out = s.getOutputStream();
        out.write(req.toByteArray());
        out.flush();
        InputStream in = s.getInputStream();
        String[] want = {
            "+OK\r\n",
            bulk(va),
            "+OK\r\n",
            "*4\r\n" + bulk(va) + bulk(vb) + bulk(vc) + "$-1\r\n",
            ":2\r\n",
            ":1\r\n",
            "*2\r\n$-1\r\n$-1\r\n",
        };
        for (int i = 0; i < want.length; i++) {
            String got = new String(Resp.readReply(in), StandardCharsets.ISO_8859_1);
            assertEquals(want[i], got, "client " + client + " round " + round + " reply " + i);
        }
        return want.length;
    }

    private static String bulk(String v) {
        return "$" + v.length() + "\r\n" + v + "\r\n";
    }
}
