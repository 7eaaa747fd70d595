package org.twemproxy4j.proto.memcache;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ParseResult;
import org.twemproxy4j.core.testkit.MsgFeeder;
import org.twemproxy4j.core.testkit.ParsedMsg;

/**
 * Feeds a byte stream to the memcache parsers as the core's receive chain does ({@link MsgFeeder}), in reads
 * cut where the test says, and records what every parsed message was.
 */
final class ParserDriver extends MsgFeeder<ParserDriver.Parsed, ParserDriver> {
    /** What one parsed message was, in a compact form for assertions. */
    static final class Parsed extends ParsedMsg {
        final byte[] bytes;

        Parsed(Msg m, int result) {
            super(m, result, result == ParseResult.OK);
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

    ParserDriver(int mbufSize, boolean request) {
        super(mbufSize, 4096, request);
    }

    @Override
    protected int parse(Msg m) {
        return request ? MemcacheParser.parseRequest(m) : MemcacheParser.parseResponse(m);
    }

    @Override
    protected Parsed record(Msg m, int result) {
        return new Parsed(m, result);
    }

    /** Feeds {@code data} in reads ending at every multiple of {@code step}; stops at the first ERROR. */
    ParserDriver feed(byte[] data, int step) {
        List<Integer> cuts = new ArrayList<>();
        for (int i = step; i < data.length; i += step) {
            cuts.add(i);
        }
        return feedCuts(data, cuts);
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
            case MemcacheParser.REQ_GAT: return "gat";
            case MemcacheParser.REQ_GATS: return "gats";
            case MemcacheParser.REQ_MG: return "mg";
            case MemcacheParser.REQ_MS: return "ms";
            case MemcacheParser.REQ_MD: return "md";
            case MemcacheParser.REQ_MA: return "ma";
            case MemcacheParser.REQ_ME: return "me";
            case MemcacheParser.REQ_FLUSH_ALL: return "flush_all";
            case MemcacheParser.REQ_STATS: return "stats";
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
            case MemcacheParser.RSP_OK: return "OK";
            case MemcacheParser.RSP_STAT: return "STAT";
            case MemcacheParser.RSP_HD: return "HD";
            case MemcacheParser.RSP_VA: return "VA";
            case MemcacheParser.RSP_EN: return "EN";
            case MemcacheParser.RSP_NF: return "NF";
            case MemcacheParser.RSP_NS: return "NS";
            case MemcacheParser.RSP_EX: return "EX";
            case MemcacheParser.RSP_MN: return "MN";
            case MemcacheParser.RSP_ME: return "ME";
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
            case MemcacheParser.PERR_MN: return "MN";
            case MemcacheParser.PERR_FLAGS_TOO_LONG: return "FLAGS_TOO_LONG";
            case MemcacheParser.PERR_OK: return "OK";
            case MemcacheParser.PERR_VERSION: return "VERSION";
            default: return "perr" + perr;
        }
    }
}
