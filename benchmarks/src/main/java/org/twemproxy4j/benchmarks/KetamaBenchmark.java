package org.twemproxy4j.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.twemproxy4j.hashkit.Continuum;
import org.twemproxy4j.hashkit.DistType;
import org.twemproxy4j.hashkit.HashType;
import org.twemproxy4j.hashkit.Placement;

/**
 * Ketama dispatch: {@code dispatch} is the binary search over the continuum alone (4 servers = 632 points
 * with weights 1, 2, 3, 5; 20 servers = 3200 points), over a rotating set of 1024 hashes so the branch
 * predictor cannot learn one path. {@code placement} is the whole per-request path of the default pool
 * (fnv1a_64 over a 40-byte key, then ketama). {@code modula} is the modula lookup for comparison.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KetamaBenchmark {
    @Param({"4", "20"})
    public int servers;

    private Continuum ketama;
    private Continuum modula;
    private Placement placement;
    private final int[] hashes = new int[1024];
    private final byte[][] keys = new byte[256][];
    private int i;

    @Setup
    public void setup() {
        String[] names = new String[servers];
        int[] weights = new int[servers];
        for (int s = 0; s < servers; s++) {
            names[s] = "10.0.0." + (s + 1) + ":6379";
            weights[s] = servers == 4 ? new int[] {1, 2, 3, 5}[s] : 1 + s % 3;
        }
        java.util.Arrays.sort(names, Placement.NAME_ORDER);
        ketama = Continuum.build(DistType.KETAMA, names, weights, null);
        modula = Continuum.build(DistType.MODULA, names, weights, null);
        placement = new Placement(HashType.FNV1A_64, null, DistType.KETAMA, names, weights);
        Random r = new Random(1);
        for (int h = 0; h < hashes.length; h++) {
            hashes[h] = r.nextInt();
        }
        for (int k = 0; k < keys.length; k++) {
            byte[] key = String.format("user:%08d:profile:%019d", k * 7919, (long) k * 104729)
                    .getBytes(StandardCharsets.US_ASCII);
            keys[k] = java.util.Arrays.copyOf(key, 40);
        }
    }

    @Benchmark
    public int dispatch() {
        return ketama.dispatch(hashes[i++ & 1023]);
    }

    @Benchmark
    public int modula() {
        return modula.dispatch(hashes[i++ & 1023]);
    }

    @Benchmark
    public int placement() {
        byte[] k = keys[i++ & 255];
        return placement.serverIndex(k, 0, 40);
    }
}
