package org.twemproxy4j.proto.memcache;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.twemproxy4j.core.Msg;
import org.twemproxy4j.core.proto.ParseResult;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.mbuf.MbufPool;

/**
 * Feeds a byte stream to the memcache parsers the way the core's receive chain does (msg_recv_chain into the
 * last mbuf, msg_parsed with a zero-copy split, msg_repair with a copy), in reads cut where the test says, and
 * records what every parsed message was.
 */
final class ParserDriver {
    /** What one parsed message was, in a compact form for assertions. */
    static final class Parsed {
        final int result;
        final int type;
        final int perr;
        final boolean noforward;
        final boolean noreply;
        final boolean quit;
        final List<String> keys = new ArrayList<>();
        final byte[] bytes;

        Parsed(Msg m, int result) {
            this.result = result;
            this.type = m.type;
            this.perr = m.perr;
            this.noforward = m.noforward;
            this.noreply = m.noreply;
            this.quit = m.quit;
            for (int i = 0; result == ParseResult.OK && i < m.nkeys; i++) {
                byte[] k = new byte[m.keyLen[i]];
                m.copyKey(i, k);
                keys.add(new String(k, StandardCharsets.ISO_8859_1));
            }
            this.bytes = bytes(m);
        }

        /** e.g. "set[k] noreply", "get[a,b]", "!ERROR", "!silent", "quit", "FRAMING 7". */
        String describe(boolean request) {
            if (result == ParseResult.ERROR) {
                return "FRAMING " + perr;
            }
            if (!request) {
                return rspName(type) + keys.size();
            }
            if (quit) {
                return "quit";
            }
            if (noforward) {
                return "!" + perrName(perr);
            }
            return reqName(type) + keys + (noreply ? " noreply" : "");
        }
    }

    final List<Parsed> parsed = new ArrayList<>();
    int repairs;
    final MbufPool pool;
    final boolean request;

    ParserDriver(int mbufSize, boolean request) {
        this.pool = new MbufPool(mbufSize, 4096);
        this.request = request;
    }

    private int parse(Msg m) {
        return request ? MemcacheParser.parseRequest(m) : MemcacheParser.parseResponse(m);
    }

    /** Feeds {@code data} in reads of at most {@code step} bytes; stops at the first ERROR. */
    ParserDriver feed(byte[] data, int step) {
        List<Integer> cuts = new ArrayList<>();
        for (int i = step; i < data.length; i += step) {
            cuts.add(i);
        }
        return feedCuts(data, cuts);
    }

    /** Feeds {@code data} in reads ending at each of {@code cuts} (ascending), then the rest. */
    ParserDriver feedCuts(byte[] data, List<Integer> cuts) {
        Msg msg = new Msg(request);
        int off = 0;
        int ci = 0;
        outer:
        while (off < data.length) {
            int end = ci < cuts.size() ? cuts.get(ci) : data.length;
            Mbuf mbuf = msg.mhdr.last();
            if (mbuf == null || mbuf.full()) {
                mbuf = pool.get();
                msg.mhdr.insert(mbuf);
                msg.pos = mbuf.pos();
            }
            int n = Math.min(end - off, mbuf.size());
            mbuf.copy(data, off, n);
            off += n;
            if (off == end) {
                ci++;
            }
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
                    parsed.add(new Parsed(msg, r));
                    msg.mhdr.putAll(pool);
                    msg = null;
                    break outer;
                }
            }
        }
        if (msg != null) {
            msg.mhdr.putAll(pool);
        }
        return this;
    }

    List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Parsed p : parsed) {
            out.add(p.describe(request));
        }
        return out;
    }

    /** All parsed messages' bytes, concatenated. */
    byte[] concat() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Parsed p : parsed) {
            out.writeBytes(p.bytes);
        }
        return out.toByteArray();
    }

    /** Mbufs not returned to the pool (must be 0 after a feed). */
    int leaked() {
        return pool.nused();
    }

    static byte[] bytes(Msg m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Mbuf b = m.mhdr.first(); b != null; b = b.next()) {
            byte[] tmp = new byte[b.length()];
            b.getBytes(b.pos(), tmp, 0, tmp.length);
            out.writeBytes(tmp);
        }
        return out.toByteArray();
    }

    static String reqName(int t) {
        switch (t) {
            case MemcacheParser.REQ_GET: return "get";
            case MemcacheParser.REQ_GETS: return "gets";
            case MemcacheParser.REQ_DELETE: return "delete";
            case MemcacheParser.REQ_CAS: return "cas";
            case MemcacheParser.REQ_SET: return "set";
            case MemcacheParser.REQ_ADD: return "add";
            case MemcacheParser.REQ_REPLACE: return "replace";
            case MemcacheParser.REQ_APPEND: return "append";
            case MemcacheParser.REQ_PREPEND: return "prepend";
            case MemcacheParser.REQ_INCR: return "incr";
            case MemcacheParser.REQ_DECR: return "decr";
            case MemcacheParser.REQ_TOUCH: return "touch";
            case MemcacheParser.REQ_QUIT: return "quit";
            case MemcacheParser.REQ_VERSION: return "version";
            default: return "unknown";
        }
    }

    static String rspName(int t) {
        switch (t) {
            case MemcacheParser.RSP_NUM: return "NUM";
            case MemcacheParser.RSP_STORED: return "STORED";
            case MemcacheParser.RSP_NOT_STORED: return "NOT_STORED";
            case MemcacheParser.RSP_EXISTS: return "EXISTS";
            case MemcacheParser.RSP_NOT_FOUND: return "NOT_FOUND";
            case MemcacheParser.RSP_END: return "END";
            case MemcacheParser.RSP_VALUE: return "VALUE";
            case MemcacheParser.RSP_DELETED: return "DELETED";
            case MemcacheParser.RSP_TOUCHED: return "TOUCHED";
            case MemcacheParser.RSP_VERSION: return "VERSION";
            case MemcacheParser.RSP_ERROR: return "ERROR";
            case MemcacheParser.RSP_CLIENT_ERROR: return "CLIENT_ERROR";
            case MemcacheParser.RSP_SERVER_ERROR: return "SERVER_ERROR";
            default: return "UNKNOWN";
        }
    }

    static String perrName(int perr) {
        switch (perr) {
            case MemcacheParser.PERR_SILENT: return "silent";
            case MemcacheParser.PERR_ERROR: return "ERROR";
            case MemcacheParser.PERR_BAD_FORMAT: return "BAD_FORMAT";
            case MemcacheParser.PERR_BAD_DATA_CHUNK: return "BAD_DATA_CHUNK";
            case MemcacheParser.PERR_BAD_DELTA: return "BAD_DELTA";
            case MemcacheParser.PERR_BAD_EXPTIME: return "BAD_EXPTIME";
            case MemcacheParser.PERR_DELETE_USAGE: return "DELETE_USAGE";
            default: return "perr" + perr;
        }
    }
}
