package org.twemproxy4j.proto.redis;

import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.testkit.MsgFeeder;
import org.twemproxy4j.core.testkit.ParsedMsg;

/**
 * Feeds a byte stream to the redis parser as the core's receive chain does ({@link MsgFeeder}), in reads of a
 * chosen size, and records what every parsed message was.
 */
final class ParserDriver extends MsgFeeder<ParserDriver.Parsed, ParserDriver> {
    /** What one parsed message was. */
    static final class Parsed extends ParsedMsg {
        final String bytes;
        final long integer;

        Parsed(Msg m, int result) {
            super(m, result, true);
            this.integer = m.integer;
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

    ParserDriver(int mbufSize, boolean request) {
        super(mbufSize, 1024, request);
    }

    @Override
    protected int parse(Msg m) {
        return request ? RedisParser.parseRequest(m) : RedisParser.parseResponse(m);
    }

    @Override
    protected Parsed record(Msg m, int result) {
        return new Parsed(m, result);
    }

    /** Feeds {@code data} in reads of at most {@code step} bytes; stops at the first ERROR. */
    ParserDriver feed(byte[] data, int step) {
        return feedSteps(data, step);
    }
}
