package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.it.fixture.ProxiedRedisPair;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;

/**
 * Differential fuzzing of the session commands against redis-server: random pipelined sequences of MULTI, EXEC,
 * DISCARD, WATCH, UNWATCH, BLPOP, the four (P)(UN)SUBSCRIBE and PING, mixed with plain reads and writes, in every
 * state a client can be in (normal, inside MULTI, subscribed), with their misuses (a nested MULTI, EXEC without
 * MULTI, WATCH inside MULTI, a wrong-arity command queued, a GET while subscribed). Between batches a second
 * client writes a key (so that WATCH sees changes and EXEC aborts) and, while the first is subscribed, publishes on
 * a channel, whose messages the subscriber must then receive. One sequence goes through twemproxy4j (one pool with
 * ONE redis-server) and, on other connections, straight to a second redis-server; every reply and every pushed
 * message must be the same bytes, in the same order.
 *
 * <p>{@code -Dfuzz.seed} and {@code -Dfuzz.commands=N} (the {@code mvn verify} slice: 10,000) as in
 * {@link RedisFuzzDifferentialIT}.
 */
class SessionFuzzDifferentialIT {
    private static ProxiedRedisPair pair;
    private static RedisServer behind;
    private static RedisServer direct;
    private static int port;

    @BeforeAll
    static void start() {
        pair = new ProxiedRedisPair("sf", "  timeout: 30000\n");
        behind = pair.behind;
        direct = pair.direct;
        port = pair.port;
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    /** One side: the client under test and the second client (writer, publisher), both on the same endpoint. */
    private static final class Side implements AutoCloseable {
        final Socket main;
        final Socket other;
        final InputStream mainIn;
        final InputStream otherIn;

        Side(int p) throws IOException {
            main = open(p);
            other = open(p);
            mainIn = new BufferedInputStream(main.getInputStream());
            otherIn = new BufferedInputStream(other.getInputStream());
        }

        private static Socket open(int p) throws IOException {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", p), 5000);
            s.setSoTimeout(15_000);
            s.setTcpNoDelay(true);
            return s;
        }

        String otherCall(List<String> cmd) throws IOException {
            other.getOutputStream().write(Resp.command(cmd.toArray(new String[0])));
            return new String(Resp.readReply(otherIn), StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            main.close();
            other.close();
        }
    }

    /** The model of the client's state the generator needs: what is allowed next and how many replies come. */
    private static final class Model {
        boolean multi;
        final Set<String> channels = new LinkedHashSet<>();
        final Set<String> patterns = new LinkedHashSet<>();

        boolean subscribed() {
            return !channels.isEmpty() || !patterns.isEmpty();
        }
    }

    private static final String[] KEYS = {"k0", "k1", "k2", "k3"};
    private static final String[] LISTS = {"l0", "l1"};
    private static final String[] CHANNELS = {"c0", "c1", "c2", "x1"};
    private static final String[] PATTERNS = {"c*", "c?", "x*"};

    private static String pick(SplittableRandom r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    private static String value(SplittableRandom r) {
        return r.nextInt(3) == 0 ? String.valueOf(r.nextInt(100)) : "v" + r.nextInt(1000);
    }

    /** A data command (one reply, or +QUEUED inside MULTI). */
    private static List<String> data(SplittableRandom r) {
        switch (r.nextInt(8)) {
            case 0:
                return List.of("SET", pick(r, KEYS), value(r));
            case 1:
                return List.of("GET", pick(r, KEYS));
            case 2:
                return List.of("INCR", pick(r, KEYS));
            case 3:
                return List.of("DEL", pick(r, KEYS));
            case 4:
                return List.of("LPUSH", pick(r, LISTS), value(r));
            case 5:
                return List.of("LRANGE", pick(r, LISTS), "0", "-1");
            case 6:
                return List.of("BLPOP", pick(r, LISTS), "0.01");
            default:
                return List.of("EXISTS", pick(r, KEYS), pick(r, KEYS));
        }
    }

    private static List<String> names(SplittableRandom r, String cmd, String[] from, int max) {
        List<String> c = new ArrayList<>();
        c.add(cmd);
        int n = 1 + r.nextInt(max);
        for (int i = 0; i < n; i++) {
            c.add(pick(r, from));
        }
        return c;
    }

    /** The next command for the model's state, applied to the model; returns it with its number of replies. */
    private static List<String> next(SplittableRandom r, Model m, int[] replies) {
        replies[0] = 1;
        if (m.multi) {
            int k = r.nextInt(100);
            if (k < 60) {
                return data(r);
            }
            if (k < 64) {
                return List.of("GET"); // wrong arity: refused when queued, EXEC then aborts
            }
            if (k < 68) {
                return List.of("MULTI");
            }
            if (k < 72) {
                return List.of("WATCH", pick(r, KEYS));
            }
            if (k < 76) {
                return List.of("PING");
            }
            m.multi = false;
            return List.of(k < 92 ? "EXEC" : "DISCARD");
        }
        if (m.subscribed()) {
            int k = r.nextInt(100);
            if (k < 25) {
                return subscribe(r, replies, "SUBSCRIBE", CHANNELS, 3, m.channels);
            }
            if (k < 35) {
                return subscribe(r, replies, "PSUBSCRIBE", PATTERNS, 2, m.patterns);
            }
            if (k < 60) {
                return unsubscribe(r, replies, "UNSUBSCRIBE", CHANNELS, m.channels);
            }
            if (k < 75) {
                return unsubscribe(r, replies, "PUNSUBSCRIBE", PATTERNS, m.patterns);
            }
            if (k < 90) {
                return r.nextBoolean() ? List.of("PING") : List.of("PING", "hello");
            }
            return List.of("GET", pick(r, KEYS)); // refused in subscribed mode
        }
        int k = r.nextInt(100);
        if (k < 40) {
            return data(r);
        }
        if (k < 50) {
            m.multi = true;
            return List.of("MULTI");
        }
        if (k < 58) {
            return r.nextBoolean() ? List.of("WATCH", pick(r, KEYS)) : List.of("WATCH", pick(r, KEYS), pick(r, KEYS));
        }
        if (k < 62) {
            return List.of("UNWATCH");
        }
        if (k < 66) {
            return List.of(r.nextBoolean() ? "EXEC" : "DISCARD"); // without MULTI
        }
        if (k < 74) {
            return subscribe(r, replies, "SUBSCRIBE", CHANNELS, 3, m.channels);
        }
        if (k < 78) {
            return subscribe(r, replies, "PSUBSCRIBE", PATTERNS, 2, m.patterns);
        }
        if (k < 82) {
            return unsubscribe(r, replies, r.nextBoolean() ? "UNSUBSCRIBE" : "PUNSUBSCRIBE", CHANNELS,
                    new LinkedHashSet<>());
        }
        if (k < 90) {
            return List.of("PUBLISH", pick(r, CHANNELS), value(r));
        }
        return r.nextBoolean() ? List.of("PING") : List.of("ECHO", value(r));
    }

    /** (P)SUBSCRIBE of 1 to {@code max} names: one confirmation each, the names added to {@code set}. */
    private static List<String> subscribe(SplittableRandom r, int[] replies, String cmd, String[] from, int max,
            Set<String> set) {
        List<String> c = names(r, cmd, from, max);
        set.addAll(c.subList(1, c.size()));
        replies[0] = c.size() - 1;
        return c;
    }

    private static List<String> unsubscribe(SplittableRandom r, int[] replies, String cmd, String[] from,
            Set<String> set) {
        if (r.nextInt(3) == 0) {
            replies[0] = Math.max(1, set.size());
            set.clear();
            return List.of(cmd);
        }
        List<String> c = names(r, cmd, cmd.startsWith("P") ? PATTERNS : from, 2);
        set.removeAll(c.subList(1, c.size()));
        replies[0] = c.size() - 1;
        return c;
    }

    private static String read(InputStream in) throws IOException {
        return new String(Resp.readReply(in), StandardCharsets.ISO_8859_1);
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void sessionCommandsAnswerAsRedisDoes() throws Exception {
        long seed = Long.getLong("fuzz.seed", 0x5e55107L);
        int total = Integer.getInteger("fuzz.commands", 10000);
        SplittableRandom r = new SplittableRandom(seed);
        int done = 0;
        int batches = 0;
        int pushes = 0;
        long t0 = System.nanoTime();
        while (done < total) {
            // a fresh pair of clients now and then: a client leaving in any state must not disturb the next
            // the previous pair's subscriptions end when each server reads its client's close: through the proxy
            // one hop later than straight. Wait for both (and check that the proxy's come to an end).
            awaitNoSubscriber(behind);
            awaitNoSubscriber(direct);
            try (Side viaProxy = new Side(port); Side straight = new Side(direct.port())) {
                assertEquals("+OK\r\n", straight.otherCall(List.of("FLUSHALL")));
                assertEquals("+OK\r\n", viaProxy.otherCall(List.of("FLUSHALL")));
                Model m = new Model();
                java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();
                int life = 50 + r.nextInt(400);
                for (int c = 0; c < life && done < total; ) {
                    int n = 1 + r.nextInt(12);
                    List<List<String>> cmds = new ArrayList<>();
                    List<Integer> counts = new ArrayList<>();
                    int[] replies = new int[1];
                    ByteArrayOutputStream batch = new ByteArrayOutputStream();
                    for (int i = 0; i < n; i++) {
                        List<String> cmd = next(r, m, replies);
                        cmds.add(cmd);
                        counts.add(replies[0]);
                        recent.addLast(String.join(" ", cmd));
                        if (recent.size() > 40) {
                            recent.removeFirst();
                        }
                        batch.write(Resp.command(cmd.toArray(new String[0])));
                    }
                    byte[] b = batch.toByteArray();
                    send(viaProxy.main.getOutputStream(), b);
                    send(straight.main.getOutputStream(), b);
                    for (int i = 0; i < n; i++) {
                        String where = "seed 0x" + Long.toHexString(seed) + ", command " + (done + i) + " "
                                + cmds.get(i) + " (this client's latest commands: " + recent + ")";
                        if (cmds.get(i).size() == 1 && counts.get(i) > 1) {
                            // a bare (P)UNSUBSCRIBE of several names: each server lists them in its own hash order
                            assertEquals(unordered(straight.mainIn, counts.get(i)),
                                    unordered(viaProxy.mainIn, counts.get(i)), where);
                            continue;
                        }
                        for (int j = 0; j < counts.get(i); j++) {
                            String want = read(straight.mainIn);
                            String got = read(viaProxy.mainIn);
                            assertEquals(want, got, where + ", reply " + (j + 1) + " of " + counts.get(i));
                        }
                    }
                    done += n;
                    c += n;
                    batches++;
                    // the second client: a write (WATCH sees it) and, to a subscriber, a message
                    if (r.nextInt(3) == 0) {
                        List<String> w = List.of("SET", pick(r, KEYS), value(r));
                        assertEquals(straight.otherCall(w), viaProxy.otherCall(w));
                    }
                    if (m.subscribed() && !m.multi && r.nextBoolean()) {
                        List<String> p = List.of("PUBLISH", pick(r, CHANNELS), "m" + r.nextInt(1000));
                        String want = straight.otherCall(p);
                        assertEquals(want, viaProxy.otherCall(p), "PUBLISH " + p);
                        int receivers = Integer.parseInt(want.substring(1, want.length() - 2));
                        // a message matching several patterns comes once per pattern, in each server's hash order
                        assertEquals(unordered(straight.mainIn, receivers), unordered(viaProxy.mainIn, receivers),
                                "messages after " + p + ", seed 0x" + Long.toHexString(seed));
                        pushes += receivers;
                    }
                }
            }
        }
        System.out.printf("session differential fuzz: %,d commands in %,d batches, %,d messages pushed, 0 mismatches,"
                + " seed 0x%x, %.1f s%n", done, batches, pushes, seed, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * {@code n} replies as an order-free description: the sorted replies with their last element (a subscription
     * count, or a message's payload) apart, and the sorted last elements. Two servers may list the names of a bare
     * unsubscribe in different orders, and the counts then go down in the same steps.
     */
    private static List<String> unordered(InputStream in, int n) throws IOException {
        List<String> heads = new ArrayList<>();
        List<String> tails = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String reply = read(in);
            int cut = reply.lastIndexOf('\n', reply.length() - 3);
            heads.add(reply.substring(0, cut + 1));
            tails.add(reply.substring(cut + 1));
        }
        java.util.Collections.sort(heads);
        java.util.Collections.sort(tails);
        heads.addAll(tails);
        return heads;
    }

    private static void awaitNoSubscriber(RedisServer r) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!r.command("PUBSUB", "NUMPAT").equals(":0\r\n") || !r.command("PUBSUB", "CHANNELS").equals("*0\r\n")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("a departed client's subscriptions are still on " + r.address() + ": "
                        + r.command("PUBSUB", "CHANNELS") + " " + r.command("PUBSUB", "NUMPAT"));
            }
            Thread.sleep(2);
        }
    }

    private static void send(OutputStream out, byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }
}
