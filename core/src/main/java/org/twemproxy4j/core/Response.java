package org.twemproxy4j.core;

import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.Proto;

/**
 * Mirrors the message-level half of nc_response.c: rsp_put() and rsp_make_error(). Receiving a response lives
 * in {@link ServerConn}, sending it in {@link ClientConn}. Event-loop confined.
 */
final class Response {
    private Response() {
    }

    /** Mirrors rsp_put(). */
    static void put(Context ctx, Msg m) {
        ctx.msgPool.put(m);
    }

    /**
     * Mirrors rsp_make_error(): the reply that stands in for failed request {@code pmsg} of client {@code c}
     * (the protocol's text for its errno), replacing any response it had.
     */
    static Msg makeError(Context ctx, ClientConn c, Msg pmsg, Proto proto) {
        Msg msg = ctx.msgGet(c, false);
        byte[] e = proto.errorReply(pmsg.err);
        ctx.msgPool.append(msg, e, 0, e.length);
        Msg old = pmsg.peer;
        if (old != null) {
            old.peer = null;
            put(ctx, old);
        }
        msg.peer = pmsg;
        pmsg.peer = msg;
        return msg;
    }
}
