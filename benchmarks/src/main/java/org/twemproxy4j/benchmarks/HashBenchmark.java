package org.twemproxy4j.benchmarks;

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
import org.twemproxy4j.hashkit.HashType;

/**
 * Every hashkit hash function over 10, 40 and 250 byte keys (the key sits at offset 3 of a larger array, as
 * it would inside an mbuf). Run: {@code java -jar benchmarks/target/benchmarks.jar HashBenchmark}; add
 * {@code -prof gc} to confirm 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HashBenchmark {
    @Param({"ONE_AT_A_TIME", "MD5", "CRC16", "CRC32", "CRC32A", "FNV1_64", "FNV1A_64", "FNV1_32", "FNV1A_32", "HSIEH",
        "MURMUR", "JENKINS"})
    public HashType hash;

    @Param({"10", "40", "250"})
    public int keySize;

    private static final int OFF = 3;
    private byte[] buf;

    @Setup
    public void setup() {
        buf = new byte[keySize + 2 * OFF];
        new Random(keySize).nextBytes(buf);
    }

    @Benchmark
    public int hash() {
        return hash.hash(buf, OFF, keySize);
    }
}
