package org.twemproxy4j.benchmarks;

import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.mbuf.MbufPool;

/**
 * What the parser benchmarks share: messages whose bytes sit in one mbuf of a pool this owns, and rewinding a
 * message so that the same bytes can be parsed again without allocating. Confined to the benchmark thread.
 */
final class ParserBench implements AutoCloseable {
    private final MbufPool pool = new MbufPool(16384, 64);

    /** A request or response message holding {@code s} (ISO-8859-1) in one mbuf. */
    Msg msg(String s, boolean request) {
        Msg m = new Msg(request);
        Mbuf b = pool.get();
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        b.copy(bytes, 0, bytes.length);
        m.mhdr.insert(b);
        m.mlen = bytes.length;
        return m;
    }

    /** Resets {@code m} to unparsed, keeping its bytes, and returns the mbuf they are in. */
    static Mbuf rewind(Msg m, boolean request) {
        Mbuf b = m.mhdr.first();
        int mlen = m.mlen;
        m.clear();
        m.mlen = mlen;
        m.request = request;
        m.pos = b.pos();
        return b;
    }

    @Override
    public void close() {
        pool.close();
    }
}
