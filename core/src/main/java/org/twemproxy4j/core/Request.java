package org.twemproxy4j.core;

import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.util.NcErrno;

/**
 * Mirrors the message-level half of nc_request.c: req_put(), req_done(), req_error() and the completion of a
 * fragmented request (the coalesce step of req_done(), when its last fragment is answered). The connection
 * halves of nc_request.c live with their connections: receiving and forwarding in {@link ClientConn}, sending
 * to a server in {@link ServerConn}. Event-loop confined (all state is the caller's {@link Context}).
 */
final class Request {
    private Request() {
    }

    /** Mirrors req_put(): frees a request, its response, and the fragments of a fragmented request. */
    static void put(Context ctx, Msg m) {
        int nf = m.nfrag;
        if (nf > 0 && m.fragOwner == null) {
            Msg[] fs = m.frags;
            for (int i = 0; i < nf; i++) {
                Msg f = fs[i];
                fs[i] = null;
                if (f != null && f.fragOwner == m) {
                    f.fragOwner = null;
                    put(ctx, f);
                }
            }
            m.nfrag = 0;
        }
        Msg p = m.peer;
        if (p != null) {
            m.peer = null;
            p.peer = null;
            ctx.msgPool.put(p);
        }
        ctx.msgPool.put(m);
    }

    /** Mirrors req_done(): a fragmented request is done once all its fragments are (see {@link #fragDone}). */
    static boolean done(Msg msg) {
        return msg != null && msg.done;
    }

    /** Mirrors req_error(). */
    static boolean error(Msg msg) {
        return msg.error;
    }

    /**
     * A fragment is done (answered or failed). When it is the last of its request, the request is coalesced
     * into the one reply its client sees (the protocol's post-coalesce handler) and becomes done.
     */
    static void fragDone(Context ctx, Msg sub) {
        Msg owner = sub.fragOwner;
        if (owner == null) {
            return;
        }
        owner.nfragDone++;
        if (sub.error) {
            owner.ferror = true;
            if (owner.err == 0) {
                owner.err = sub.err;
            }
        }
        if (owner.nfragDone < owner.nfrag) {
            return;
        }
        ClientConn c = (ClientConn) owner.owner;
        if (owner.ferror) {
            owner.error = true;
        } else if (owner.peer != null) {
            // a reply prepared when the request was sent (a session's pub/sub confirmations), unless a server
            // refused its part
            c.sessions.settle(owner);
            c.charge(owner, ctx.footprint(owner.peer));
        } else {
            Msg rsp = ctx.msgGet(c, false);
            owner.peer = rsp;
            rsp.peer = owner;
            if (!c.proto.coalesce(owner, rsp, c)) {
                owner.peer = null;
                rsp.peer = null;
                Response.put(ctx, rsp);
                owner.error = true;
                owner.err = NcErrno.EINVAL;
            } else {
                c.charge(owner, ctx.footprint(rsp));
            }
        }
        owner.done = true;
        if (owner.noreply) {
            put(ctx, owner);
            return;
        }
        c.replyReady();
    }
}
