package org.twemproxy4j.it.diff;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opentest4j.AssertionFailedError;

/**
 * Runs the differential cases: for each case, flush the backends, play it on nutcracker, (when the expectation
 * needs it) on the oracle redis-server, and on the candidate, then judge the candidate.
 */
public final class Differential implements AutoCloseable {
    private static final int PROBE_KEYS = 3000;

    private final Cluster cluster;
    private final Exchange exchange = new Exchange();
    private Corpus corpus;
    private List<Case> cases = List.of();
    private String setupFailure;

    private Differential(Cluster cluster) {
        this.cluster = cluster;
    }

    /** Starts the processes and builds the corpus; a failure is reported by every case rather than thrown. */
    public static Differential start(String candidateKind) {
        Cluster cluster = new Cluster(candidateKind);
        Differential d = new Differential(cluster);
        try {
            cluster.start();
            d.buildCorpus();
        } catch (RuntimeException e) {
            d.setupFailure = "setup failed: " + e;
            if (d.cases.isEmpty()) {
                d.close();
                throw e;
            }
        }
        return d;
    }

    private void buildCorpus() {
        Map<String, Map<String, Integer>> placements = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < PROBE_KEYS; i++) {
            // varied leading bytes: fnv1a_64 (32-bit, small prime) spreads keys that differ only at the end poorly
            keys.add(String.format("%08x:%d", (i * 0x9E3779B1) ^ (i >>> 3), i));
        }
        placements.put("alpha", cluster.placement("alpha", keys));
        placements.put("beta", cluster.placement("beta", keys));
        placements.put("ro", cluster.placement("ro", keys.subList(0, 400)));
        cluster.flush();
        Map<String, byte[]> values = new LinkedHashMap<>();
        List<byte[]> r = cluster.oracle(Bytes.cmd("SET", "x", "hello"), Bytes.cmd("DUMP", "x"));
        byte[] dump = r.get(1);
        // the reply is "$<len>\r\n<payload>\r\n": keep the payload
        int eol = 0;
        while (dump[eol] != '\n') {
            eol++;
        }
        values.put("dump-hello", java.util.Arrays.copyOfRange(dump, eol + 1, dump.length - 2));
        cluster.flush();
        corpus = new Corpus(placements, values);
        cases = corpus.build();
    }

    public List<Case> cases() {
        return cases;
    }

    public Corpus corpus() {
        return corpus;
    }

    public String group(Case c) {
        return c.group;
    }

    public String name(Case c) {
        return c.name + ("alpha".equals(c.pool) ? "" : " [pool " + c.pool + "]");
    }

    public boolean mbuf512(Case c) {
        return c.mbuf512;
    }

    /** One command straight to the oracle redis-server; its raw reply. */
    public byte[] oracle(byte[] command) {
        return cluster.oracle(command).get(0);
    }

    /** Plays {@code c} on pair 0 (default mbuf) or 1 (-m 512) and throws an assertion error when it fails. */
    public void run(Case c, int pair) {
        if (setupFailure != null) {
            throw new AssertionFailedError(setupFailure);
        }
        if (cluster.candidateFailure != null) {
            throw new AssertionFailedError(cluster.candidateFailure);
        }
        Cluster.Proxy ref = cluster.reference[pair];
        Cluster.Proxy cand = cluster.candidate[pair];
        Outcome nut = play(ref.name, ref.port(c.pool), c, true);
        Outcome redis = c.expect.needsRedis() ? play("redis-server", cluster.oracle.port(), c, false) : null;
        Outcome got = play(cand.name, cand.port(c.pool), c, true);
        String corpusProblem = c.expect.checkReference(nut);
        String problem = c.expect.check(got, nut, redis);
        if (corpusProblem != null || problem != null) {
            StringBuilder sb = new StringBuilder();
            sb.append(c).append(pair == 1 ? " [-m 512]" : "").append(" (pool ").append(c.pool).append(")\n");
            if (corpusProblem != null) {
                sb.append("CORPUS: ").append(corpusProblem).append('\n');
            }
            if (problem != null) {
                sb.append("FAILED: ").append(problem).append('\n');
            }
            byte[] req = c.request();
            sb.append("request (").append(req.length).append(" bytes").append(c.chunks.size() > 1
                    ? ", " + c.chunks.size() + " chunks, " + c.pauseMs + " ms apart" : "").append("): ")
                    .append(Bytes.show(req)).append('\n');
            sb.append("expected: ").append(c.expect.describe()).append('\n');
            sb.append(got.describe());
            sb.append(nut.describe());
            if (redis != null) {
                sb.append(redis.describe());
            }
            throw new AssertionFailedError(sb.toString());
        }
    }

    private Outcome play(String who, int port, Case c, boolean snapshot) {
        cluster.flush();
        Outcome o = exchange.run(who, port, c);
        if (o.end != Outcome.End.OPEN) {
            // a proxy that dropped a client may still be forwarding its earlier requests: let them land
            // before the backends are flushed for the next run
            // (a grace, not a condition: what a proxy still holds for a dropped client is not observable)
            sleep(c.length > 1024 || c.replies > 3 ? 50 : 5);
        }
        if (snapshot) {
            o.snapshot = cluster.snapshot(c.pool);
        }
        if (c.heal) {
            heal(port, c.pool);
        }
        return o;
    }

    /**
     * After a case whose bytes made a backend close the proxy's connection: a few GETs of a key on each backend,
     * so that a proxy which notices the dead connection only on its next use (nutcracker does) has replaced it
     * before the next case.
     */
    private void heal(int port, String pool) {
        if (!"alpha".equals(pool) && !"beta".equals(pool)) {
            return;
        }
        List<String> keys = corpus.spread(pool, corpus.backends(pool));
        Case.Builder b = Case.builder("heal", "heal");
        List<byte[][]> gets = new ArrayList<>();
        for (String k : keys) {
            gets.add(Corpus.c("GET", k));
        }
        Case getEach = b.request(Bytes.pipeline(gets)).replies(gets.size()).build();
        for (int i = 0; i < 3; i++) {
            exchange.run("heal", port, getEach);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        exchange.close();
        cluster.close();
    }
}
