package org.twemproxy4j.proto.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.twemproxy4j.core.Msg;
import org.twemproxy4j.core.proto.ParseResult;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.mbuf.MbufPool;

/**
 * Feeds a byte stream to the redis parser the way the core's receive chain does (msg_recv_chain,
 * msg_parsed with a zero-copy split, msg_repair with a copy), in reads of a chosen size, and records what
 * every parsed message was.
 */
final class ParserDriver {
    /** What one parsed message was. */
    static final class Parsed {
        final int result;
        final int type;
        final int perr;
        final boolean noforward;
        final boolean quit;
        final int narg;
        final List<String> keys = new ArrayList<>();
        final String bytes;

        Parsed(Msg m, int result) {
            this.result = result;
            this.type = m.type;
            this.perr = m.perr;
            this.noforward = m.noforward;
            this.quit = m.quit;
            this.narg = m.narg;
            for (int i = 0; i < m.nkeys; i++) {
                byte[] k = new byte[m.keyLen[i]];
                m.copyKey(i, k);
                keys.add(new String(k, StandardCharsets.ISO_8859_1));
            }
            this.bytes = new String(RedisProto.bytes(m), StandardCharsets.ISO_8859_1);
        }

        String command() {
            RedisCommand c = RedisCommand.of(type);
            return c == null ? "UNKNOWN" : c.name();
        }

        @Override
        public String toString() {
            return command() + " perr=" + perr + " keys=" + keys;
        }
    }

    final List<Parsed> parsed = new ArrayList<>();
    int repairs;
    int errors;
    final MbufPool pool;
    final boolean request;

    ParserDriver(int mbufSize, boolean request) {
        this.pool = new MbufPool(mbufSize, 1024);
        this.request = request;
    }

    private int parse(Msg m) {
        return request ? RedisParser.parseRequest(m) : RedisParser.parseResponse(m);
    }

    /** Feeds {@code data} in reads of at most {@code step} bytes; stops at the first ERROR. */
    ParserDriver feed(byte[] data, int step) {
        Msg msg = new Msg(request);
        int off = 0;
        outer:
        while (off < data.length) {
            Mbuf mbuf = msg.mhdr.last();
            if (mbuf == null || mbuf.full()) {
                mbuf = pool.get();
                msg.mhdr.insert(mbuf);
                msg.pos = mbuf.pos();
            }
            int n = Math.min(Math.min(step, mbuf.size()), data.length - off);
            mbuf.copy(data, off, n);
            off += n;
            msg.mlen += n;
            for (;;) {
                int r = parse(msg);
                if (r == ParseResult.OK) {
                    Mbuf last = msg.mhdr.last();
                    Msg next = new Msg(request);
                    if (msg.pos != last.last()) {
                        Mbuf nbuf = pool.split(last, msg.pos, false);
                        next.mhdr.insert(nbuf);
                        next.pos = nbuf.pos();
                        next.mlen = nbuf.length();
                        msg.mlen -= next.mlen;
                    }
                    parsed.add(new Parsed(msg, r));
                    msg.mhdr.putAll(pool);
                    msg = next;
                    if (msg.mhdr.isEmpty()) {
                        break;
                    }
                } else if (r == ParseResult.REPAIR) {
                    repairs++;
                    Mbuf nbuf = pool.split(msg.mhdr.last(), msg.pos, true);
                    msg.mhdr.insert(nbuf);
                    msg.pos = nbuf.pos();
                    break;
                } else if (r == ParseResult.AGAIN) {
                    break;
                } else {
                    errors++;
                    parsed.add(new Parsed(msg, r));
                    msg.mhdr.putAll(pool);
                    break outer;
                }
            }
        }
        msg.mhdr.putAll(pool);
        return this;
    }

    /** Mbufs not returned to the pool (must be 0 after a feed). */
    int leaked() {
        return pool.nused();
    }
}
