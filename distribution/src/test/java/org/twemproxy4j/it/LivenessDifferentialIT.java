package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.Await;
import org.twemproxy4j.it.fixture.NutcrackerProcess;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.ProxyProcess;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;
import org.twemproxy4j.it.fixture.Tcp;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * nutcracker's liveness rules (timeout, server_failure_limit, auto_eject_hosts, server_retry_timeout), driven
 * by stopping, pausing and restarting real redis-server backends: the same scenario runs against nutcracker
 * and twemproxy4j on fresh backends, and each step's reply class (a value, nil, an error text, a close, no
 * reply) must be the same, and the one written down here.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LivenessDifferentialIT {
    private static final int TIMEOUT_MS = 1000;
    private static final int RETRY_MS = 3000;
    private static final long AFTER_RETRY_MS = RETRY_MS + 700;

    /** One run of a scenario against one proxy: the reply class of each step. */
    private interface Scenario {
        void run(Env env) throws Exception;
    }

    /** Two backends, a proxy on them, one key on each, and the list of step outcomes. */
    static final class Env implements AutoCloseable {
        final RedisServer[] backends = new RedisServer[2];
        final int[] ports = new int[2];
        ProxyProcess proxy;
        int listen;
        String keyA;               // a key on backends[0]
        String keyB;               // a key on backends[1] (the victim)
        final List<String> steps = new ArrayList<>();
        Socket client;

        Env(boolean nutcracker, boolean autoEject) throws IOException {
            for (int i = 0; i < 2; i++) {
                backends[i] = RedisServer.start();
                ports[i] = backends[i].port();
            }
            listen = Ports.free();
            String yaml = "p:\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n  hash: md5\n"
                    + "  distribution: ketama\n  timeout: " + TIMEOUT_MS + "\n  auto_eject_hosts: " + autoEject
                    + "\n  server_failure_limit: 2\n  server_retry_timeout: " + RETRY_MS + "\n  servers:\n"
                    + "   - 127.0.0.1:" + ports[0] + ":1\n   - 127.0.0.1:" + ports[1] + ":1\n";
            proxy = nutcracker ? NutcrackerProcess.start(yaml) : Twemproxy4jProcess.start(yaml);
            client = connect();
            // one key on each backend, each holding its own name
            for (int i = 0; (keyA == null || keyB == null) && i < 200; i++) {
                String k = "k" + i;
                assertEquals("+OK\r\n", request(client, "SET", k, k));
                if (backends[0].command("EXISTS", k).equals(":1\r\n")) {
                    keyA = keyA == null ? k : keyA;
                } else {
                    keyB = keyB == null ? k : keyB;
                }
            }
            assertTrue(keyA != null && keyB != null, "a key on each backend");
        }

        Socket connect() throws IOException {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listen), 5000);
            s.setSoTimeout(10_000);
            return s;
        }

        /** Sends a GET of {@code key} on the scenario's client and records the reply class. */
        void get(String label, String key) throws IOException {
            step(label, classify(client, "GET", key));
        }

        /** Records one outcome, with the two keys' values (the key names, which vary) as KA and KB. */
        void step(String label, String outcome) {
            if (outcome.equals("value=" + keyA)) {
                outcome = "value=KA";
            } else if (outcome.equals("value=" + keyB)) {
                outcome = "value=KB";
            }
            steps.add(label + ": " + outcome);
        }

        @Override
        public void close() throws IOException {
            if (client != null) {
                client.close();
            }
            if (proxy != null) {
                proxy.close();
            }
            for (RedisServer r : backends) {
                if (r != null) {
                    try {
                        r.resume();
                    } catch (RuntimeException e) {
                        // not running any more
                    }
                    r.close();
                }
            }
        }
    }

    static String request(Socket s, String... args) throws IOException {
        s.getOutputStream().write(Resp.command(args));
        s.getOutputStream().flush();
        return new String(Resp.readReply(s.getInputStream()), StandardCharsets.ISO_8859_1);
    }

    /** The class of the reply to one request: "nil", "value=...", the error line, "closed", "no reply". */
    static String classify(Socket s, String... args) throws IOException {
        try {
            s.getOutputStream().write(Resp.command(args));
            s.getOutputStream().flush();
            return classOf(s.getInputStream());
        } catch (SocketTimeoutException e) {
            return "no reply";
        } catch (IOException e) {
            return "closed";
        }
    }

    /** Reads one reply: "nil", "value=...", or the status / error line. */
    static String classOf(InputStream in) throws IOException {
        String r = new String(Resp.readReply(in), StandardCharsets.ISO_8859_1);
        if (r.equals("$-1\r\n")) {
            return "nil";
        }
        if (r.startsWith("$")) {
            return "value=" + r.substring(r.indexOf('\n') + 1, r.length() - 2);
        }
        return r.trim();
    }

    /** Waits past a deadline on purpose: the scenario is what happens once that time has passed. */
    private static void sleep(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }

    /** Waits until the proxy has seen backend {@code i}'s close and closed its own end (a failure counted). */
    private static void awaitProxyClosed(Env env, int i) {
        Await.until("the proxy closes its connection to the stopped backend " + env.ports[i], Duration.ofSeconds(20),
                () -> !Tcp.connectedTo(env.proxy.pid(), env.ports[i]));
    }

    /** Runs {@code scenario} against nutcracker, then twemproxy4j; returns both step lists. */
    private static List<List<String>> both(boolean autoEject, Scenario scenario) throws Exception {
        List<List<String>> out = new ArrayList<>();
        for (boolean nc : new boolean[] {true, false}) {
            try (Env env = new Env(nc, autoEject)) {
                scenario.run(env);
                out.add(env.steps);
            }
        }
        return out;
    }

    private static void assertSame(List<String> expected, List<List<String>> got) {
        assertEquals(got.get(0), got.get(1), "twemproxy4j (second) differs from nutcracker (first)");
        assertEquals(expected, got.get(0), "nutcracker itself behaves as written down");
    }

    @Test
    void stoppedBackendIsEjectedAfterTheFailureLimitAndReadmittedAfterTheRetryTimeout() throws Exception {
        List<List<String>> got = both(true, env -> {
            env.get("live", env.keyB);
            env.backends[1].close();            // FIN on the pooled connection: failure 1
            awaitProxyClosed(env, 1);
            env.get("refused", env.keyB);       // connect refused: failure 2, ejected
            env.get("ejected", env.keyB);       // now on the other backend, which lacks it
            env.get("other", env.keyA);
            sleep(AFTER_RETRY_MS);
            env.get("retry 1", env.keyB);       // back in the ring, still down: 2 more failures
            env.get("retry 2", env.keyB);
            env.get("ejected again", env.keyB);
            env.backends[1] = RedisServer.start(env.ports[1], false);
            env.backends[1].command("SET", env.keyB, "back");
            env.get("restarted, still ejected", env.keyB);
            sleep(AFTER_RETRY_MS);
            env.get("readmitted", env.keyB);
            env.get("stays", env.keyB);
        });
        assertSame(List.of("live: value=KB", "refused: -ERR Connection refused", "ejected: nil",
                "other: value=KA", "retry 1: -ERR Connection refused", "retry 2: -ERR Connection refused",
                "ejected again: nil", "restarted, still ejected: nil", "readmitted: value=back",
                "stays: value=back"), got);
    }

    @Test
    void hungBackendTimesOutIsEjectedAndComesBackWhenResumed() throws Exception {
        List<List<String>> got = both(true, env -> {
            env.get("live", env.keyB);
            env.backends[1].pause();
            env.get("timeout 1", env.keyB);     // no reply within timeout: the server conn is closed
            env.get("timeout 2", env.keyB);     // second failure: ejected
            env.get("ejected", env.keyB);
            env.get("other", env.keyA);
            env.backends[1].resume();
            sleep(AFTER_RETRY_MS);
            env.get("readmitted", env.keyB);
        });
        assertSame(List.of("live: value=KB", "timeout 1: -ERR Connection timed out",
                "timeout 2: -ERR Connection timed out", "ejected: nil", "other: value=KA", "readmitted: value=KB"),
                got);
    }

    @Test
    void inFlightRequestsOfAResetConnectionGetOneErrorEach() throws Exception {
        List<List<String>> got = both(true, env -> {
            env.get("live", env.keyB);
            env.backends[1].pause();
            // a pipeline of three: two on the hung backend, one on the live one, answered in order
            Socket c = env.client;
            c.getOutputStream().write(concat(Resp.command("GET", env.keyB), Resp.command("GET", env.keyA),
                    Resp.command("GET", env.keyB)));
            c.getOutputStream().flush();
            long two = 2L * Resp.command("GET", env.keyB).length;
            Await.until("both requests for the hung backend in its receive queue", Duration.ofSeconds(20),
                    () -> Tcp.received(env.ports[1]) >= two);
            env.backends[1].signal("KILL");     // unread requests: the kernel resets the connection
            for (int i = 0; i < 3; i++) {
                env.step("in flight " + i, classOf(c.getInputStream()));
            }
            env.get("refused", env.keyB);       // failure 2: ejected
            env.get("ejected", env.keyB);
            c.setSoTimeout(300);
            env.step("nothing more", classifyIdle(c));
        });
        assertSame(List.of("live: value=KB", "in flight 0: -ERR Connection reset by peer", "in flight 1: value=KA",
                "in flight 2: -ERR Connection reset by peer", "refused: -ERR Connection refused", "ejected: nil",
                "nothing more: no reply"), got);
    }

    @Test
    void withoutAutoEjectADeadBackendFailsItsOwnKeysOnly() throws Exception {
        List<List<String>> got = both(false, env -> {
            env.backends[1].pause();
            env.get("timeout 1", env.keyB);
            env.get("timeout 2", env.keyB);
            env.get("timeout 3", env.keyB);     // never ejected
            env.get("other", env.keyA);
            env.backends[1].resume();
            env.backends[1].close();
            awaitProxyClosed(env, 1);
            env.get("refused 1", env.keyB);
            env.get("refused 2", env.keyB);
            env.get("refused 3", env.keyB);
            env.get("other again", env.keyA);
        });
        assertSame(List.of("timeout 1: -ERR Connection timed out", "timeout 2: -ERR Connection timed out",
                "timeout 3: -ERR Connection timed out", "other: value=KA", "refused 1: -ERR Connection refused",
                "refused 2: -ERR Connection refused", "refused 3: -ERR Connection refused", "other again: value=KA"),
                got);
    }

    /** A read that expects nothing: "no reply" when the connection stays open and silent. */
    private static String classifyIdle(Socket c) throws IOException {
        try {
            int b = c.getInputStream().read();
            return b < 0 ? "closed" : "unexpected byte " + b;
        } catch (SocketTimeoutException e) {
            return "no reply";
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
