package org.twemproxy4j.core.proto;

/** Mirrors {@code msg_parse_result_t} (nc_message.h): what a protocol parser returns. */
public final class ParseResult {
    /** A whole message was parsed; {@code msg.pos} is just past it. */
    public static final int OK = 0;
    /** Bad input: the message cannot be parsed (framing). */
    public static final int ERROR = 1;
    /** A token straddles the end of a full mbuf: move the bytes from {@code msg.pos} into a fresh mbuf. */
    public static final int REPAIR = 2;
    /** Need more bytes. */
    public static final int AGAIN = 3;

    private ParseResult() {
    }
}
