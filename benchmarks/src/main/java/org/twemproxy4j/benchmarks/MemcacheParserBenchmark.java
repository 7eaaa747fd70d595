package org.twemproxy4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ParseResult;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.proto.memcache.MemcacheParser;

/**
 * The memcache request and response parsers on messages already in an mbuf (parse only: the message is reset
 * between runs). Run with {@code -prof gc}: about 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MemcacheParserBenchmark {
    private ParserBench bench;
    private Msg get;
    private Msg set;
    private Msg set4k;
    private Msg mget;
    private Msg value;
    private Msg values;
    private Msg stored;

    @Setup(Level.Trial)
    public void setUp() {
        bench = new ParserBench();
        get = bench.msg("get key:000000000042\r\n", true);
        set = bench.msg("set key:000000000042 0 0 32\r\n" + "x".repeat(32) + "\r\n", true);
        set4k = bench.msg("set key:000000000042 0 0 4096 noreply\r\n" + "x".repeat(4096) + "\r\n", true);
        StringBuilder keys = new StringBuilder("get");
        StringBuilder vals = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            keys.append(" key:00000000004").append(i);
            vals.append("VALUE key:00000000004").append(i).append(" 0 32\r\n").append("x".repeat(32)).append("\r\n");
        }
        mget = bench.msg(keys + "\r\n", true);
        value = bench.msg("VALUE key:000000000042 0 32\r\n" + "x".repeat(32) + "\r\nEND\r\n", false);
        values = bench.msg(vals + "END\r\n", false);
        stored = bench.msg("STORED\r\n", false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }

    private static int parse(Msg m, boolean request) {
        Mbuf b = ParserBench.rewind(m, request);
        int r = request ? MemcacheParser.parseRequest(m) : MemcacheParser.parseResponse(m);
        if (r != ParseResult.OK || m.pos != b.last()) {
            throw new IllegalStateException("parse " + r);
        }
        return m.nkeys;
    }

    @Benchmark
    public int requestGet() {
        return parse(get, true);
    }

    @Benchmark
    public int requestSet32() {
        return parse(set, true);
    }

    @Benchmark
    public int requestSet4kNoreply() {
        return parse(set4k, true);
    }

    @Benchmark
    public int requestMultiGet10() {
        return parse(mget, true);
    }

    @Benchmark
    public int responseValue32() {
        return parse(value, false);
    }

    @Benchmark
    public int responseValues10() {
        return parse(values, false);
    }

    @Benchmark
    public int responseStored() {
        return parse(stored, false);
    }
}
