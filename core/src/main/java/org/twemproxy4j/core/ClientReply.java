package org.twemproxy4j.core;

import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.proto.ProtoClient;

/**
 * CLIENT REPLY ON|OFF|SKIP, kept per client ({@link ClientConn#replyMode}), as redis 7 keeps it:
 *
 * <ul>
 *   <li>OFF: no reply is written to the client (CLIENT REPLY OFF's own neither) until CLIENT REPLY ON, which
 *       answers +OK;</li>
 *   <li>SKIP: CLIENT REPLY SKIP and the next request get no reply (ignored while OFF);</li>
 *   <li>pub/sub pushes are written all the same: the messages of a subscribed client and the confirmations of
 *       (P|S)(UN)SUBSCRIBE.</li>
 * </ul>
 *
 * A muted request still travels as any other and its server still answers: the reply is read from the server in
 * order and dropped when it reaches the head of the client's out_q ({@link #drop}), so pipelines keep their order
 * and every message and mbuf goes back to its pool. Event-loop confined; allocates nothing.
 */
final class ClientReply {
    private ClientReply() {
    }

    /** CLIENT REPLY {@code mode} from request {@code req} (its reply dropped unless the mode is ON). */
    static void set(ClientConn c, Msg req, int mode) {
        switch (mode) {
            case ProtoClient.REPLY_ON:
                c.replyMode = ProtoClient.REPLY_ON;
                req.quiet = false;
                return;
            case ProtoClient.REPLY_OFF:
                c.replyMode = ProtoClient.REPLY_OFF;
                req.quiet = true;
                return;
            case ProtoClient.REPLY_SKIP:
                if (c.replyMode != ProtoClient.REPLY_OFF) {
                    c.replyMode = ProtoClient.REPLY_SKIP;
                }
                req.quiet = true;
                return;
            default:
                return;
        }
    }

    /** A request read while replies are off or skipped: its reply will be dropped, unless it is a push. */
    static void mute(ClientConn c, Msg msg) {
        int op = c.proto.sessionOp(msg);
        if (op < Proto.SESSION_SUBSCRIBE || op > Proto.SESSION_SUNSUBSCRIBE) {
            msg.quiet = true;
        }
        if (c.replyMode == ProtoClient.REPLY_SKIP) {
            c.replyMode = ProtoClient.REPLY_ON; // SKIP covers one request
        }
    }

    /**
     * Drops the muted requests at {@code pmsg} and after it that are answered (their replies are not written),
     * releasing what they held; returns the first request that is not such, or null.
     */
    static Msg drop(ClientConn c, Msg pmsg) {
        while (pmsg != null && pmsg.quiet && pmsg.done) {
            Msg next = c.omsgQ.next(pmsg);
            if (pmsg.error) {
                c.pool.stats[CoreStats.FORWARD_ERROR]++;
            }
            c.omsgQ.remove(pmsg);
            c.pending -= pmsg.charged;
            Request.put(c.ctx, pmsg);
            pmsg = next;
        }
        c.unthrottleIfThrottled();
        return pmsg;
    }
}
