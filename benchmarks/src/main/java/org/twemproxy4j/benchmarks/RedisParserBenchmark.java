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
import org.twemproxy4j.proto.redis.RedisParser;

/**
 * The redis request and response parsers on messages already in an mbuf (parse only: the message is reset
 * between runs). Run with {@code -prof gc}: about 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RedisParserBenchmark {
    private ParserBench bench;
    private Msg get;
    private Msg set;
    private Msg mget;
    private Msg inline;
    private Msg bulk;
    private Msg array;

    @Setup(Level.Trial)
    public void setUp() {
        bench = new ParserBench();
        get = bench.msg("*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000042\r\n", true);
        set = bench.msg("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000042\r\n$32\r\n" + "x".repeat(32) + "\r\n", true);
        mget = bench.msg("*11\r\n$4\r\nMGET\r\n" + "$5\r\nkey:0\r\n".repeat(10), true);
        inline = bench.msg("GET key:000000000042\r\n", true);
        bulk = bench.msg("$32\r\n" + "x".repeat(32) + "\r\n", false);
        array = bench.msg("*10\r\n" + "$3\r\nabc\r\n".repeat(10), false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }

    private static int parseReq(Msg m) {
        ParserBench.rewind(m, true);
        int r = RedisParser.parseRequest(m);
        if (r != ParseResult.OK) {
            throw new IllegalStateException("parse " + r);
        }
        return m.nkeys;
    }

    private static int parseRsp(Msg m) {
        ParserBench.rewind(m, false);
        int r = RedisParser.parseResponse(m);
        if (r != ParseResult.OK) {
            throw new IllegalStateException("parse " + r);
        }
        return m.type;
    }

    @Benchmark
    public int requestGet() {
        return parseReq(get);
    }

    @Benchmark
    public int requestSet32() {
        return parseReq(set);
    }

    @Benchmark
    public int requestMget10() {
        return parseReq(mget);
    }

    @Benchmark
    public int requestInline() {
        return parseReq(inline);
    }

    @Benchmark
    public int responseBulk32() {
        return parseRsp(bulk);
    }

    @Benchmark
    public int responseArray10() {
        return parseRsp(array);
    }
}
