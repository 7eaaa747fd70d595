package org.twemproxy4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.mbuf.MbufPool;
import org.twemproxy4j.mbuf.Mhdr;

/**
 * MbufPool get/put, a zero-copy split at a message boundary, and a chain append/free: the mbuf operations
 * every request does. Run with {@code -prof gc}: all should show about 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MbufBenchmark {
    @Param({"512", "16384"})
    int chunkSize;

    private MbufPool pool;
    private final Mhdr chain = new Mhdr();
    private final byte[] data = new byte[100];

    @Setup(Level.Trial)
    public void setUp() {
        pool = new MbufPool(chunkSize, 1024);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public int getPut() {
        Mbuf m = pool.get();
        int s = m.size();
        pool.put(m);
        return s;
    }

    @Benchmark
    public int splitAtBoundary() {
        Mbuf m = pool.get();
        m.copy(data, 0, data.length);
        Mbuf n = pool.split(m, 40, false);
        int l = n.length();
        pool.put(m);
        pool.put(n);
        return l;
    }

    @Benchmark
    public long appendChainAndFree() {
        for (int i = 0; i < 4; i++) {
            Mbuf m = pool.get();
            m.copy(data, 0, data.length);
            chain.insert(m);
        }
        long len = chain.length();
        chain.putAll(pool);
        return len;
    }
}
