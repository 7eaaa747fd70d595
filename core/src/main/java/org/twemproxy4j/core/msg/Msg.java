package org.twemproxy4j.core.msg;

import org.twemproxy4j.event.Timer;
import org.twemproxy4j.event.TimerHandler;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.mbuf.Mhdr;

/**
 * Mirrors {@code struct msg} (nc_message.h): one request or response, its bytes as a chain of mbufs, the
 * protocol parser's resumable state, and the links that put it on the connection queues.
 *
 * <p>The life of a request, as nc_message.c draws it:
 * <pre>
 *            Client+             Proxy           Server+
 *                              (nutcracker)
 *                                   .
 *       msg_recv {read event}       .       msg_recv {read event}
 *         +                         .                         +
 *         |                         .                         |
 *         \                         .                         /
 *         req_recv_next             .             rsp_recv_next
 *           +                       .                       +
 *           |                       .                       |       Rsp
 *           req_recv_done           .           rsp_recv_done      &lt;===
 *             +                     .                     +
 *             |                     .                     |
 *    Req      \                     .                     /
 *    ===&gt;     req_filter*           .           *rsp_filter
 *               +                   .                   +
 *               |                   .                   |
 *               \                   .                   /
 *               req_forward-//  (a) . (c)  \\-rsp_forward
 *                                   .
 *                                   .
 *       msg_send {write event}      .      msg_send {write event}
 *         +                         .                         +
 *         |                         .                         |
 *    Rsp' \                         .                         /     Req'
 *   &lt;===  rsp_send_next             .             req_send_next     ===&gt;
 *           +                       .                       +
 *           |                       .                       |
 *           \                       .                       /
 *           rsp_send_done-//    (d) . (b)    //-req_send_done
 * </pre>
 * (a) a parsed request goes on the client's out_q and the server's in_q; (b) once written it moves from the
 * server's in_q to its out_q; (c) its response is parsed, the request leaves the server's out_q and is done;
 * (d) the response is written to the client in the client's order and both messages are freed. In the core
 * these steps are {@code ClientConn.recvDone}, {@code ServerConn.sendDone}, {@code ServerConn.recvDone} and
 * {@code ClientConn.sendDone}.
 *
 * <p>This package sits below the connections: a message knows its owner only as a {@link MsgOwner}, and the
 * queues ({@link MsgQueue}) and the free list ({@link MsgPool}) use nothing above it. Fields are public, as in
 * the C struct, because the protocol parsers (other modules) and the connections drive them.
 * Event-loop confined; pooled by {@link MsgPool} (no allocation per message in steady state).
 */
public final class Msg {
    public long id;                // message id
    public long startNanos;        // request: when it arrived (latency)
    public int serverIdx = -1;     // request: the one server it went to, -1 none or several
    public long charged;           // request: bytes charged to its client's pending count
    public Msg peer;               // the response of a request, or the request of a response
    public MsgOwner owner;         // the connection that received it (client for a request)
    public boolean request;        // request? or response?

    public final Mhdr mhdr = new Mhdr(); // the message's bytes
    public int mlen;               // length of the message in bytes

    // parser state (the protocol owns its meaning)
    public int state;              // current parser state
    public int pos;                // parser position in mhdr.last()
    public int token;              // start of the token being parsed in mhdr.last(), or -1
    public int result;             // last ParseResult
    public int type;               // protocol message type (a command index for requests)
    public long rlen;              // remaining bytes of a bulk / line
    public int narg;               // number of arguments of a request (or elements of a response)
    public int rnarg;              // arguments (elements) still to parse
    public int argi;               // index of the argument being parsed
    public long integer;           // an integer being parsed (EVAL numkeys, an error code prefix ...)
    public int depth;              // nesting of a response array
    public int[] stack = new int[8]; // elements left per nesting level of a response
    public int perr;               // protocol-specific local error to reply (0 none, -1 ignore silently)
    public int llen;               // bytes of the current line / token (parser scratch)
    public int flags;              // protocol-specific bits

    // keys: (mbuf, start, length); a key may span mbufs
    public Mbuf[] keyMbuf = new Mbuf[2];
    public int[] keyStart = new int[2];
    public int[] keyLen = new int[2];
    public int nkeys;
    public int keyStep = 1;        // 2 when keys and values alternate (MSET): keys are the even entries

    public int err;                // errno on error
    public int redirects;          // request: cluster redirections (MOVED, ASK) so far (redis_cluster)
    public int retries;            // request: TRYAGAIN/CLUSTERDOWN retries so far (redis_cluster)
    public boolean asking;         // request: held back for a node's address, to go with ASKING (redis_cluster)
    public boolean follower;       // request: an ordinary one queued behind its client's session (SessionConn)
    public boolean onSession;      // request: queued on a session connection (SessionConn), whatever it is
    public boolean error;          // error?
    public boolean ferror;         // one or more fragments are in error?
    public boolean done;           // done?
    public boolean swallow;        // swallow response?
    public boolean noforward;      // answered by the proxy itself?
    public boolean noreply;        // no response expected?
    public boolean quit;           // the client asks to close after the reply
    public boolean quiet;          // request: its reply is consumed and dropped, not written (CLIENT REPLY OFF/SKIP)

    // fragments (a multi-key request split per server)
    public Msg fragOwner;          // owner of the fragment, or null (not a fragment / owner gone)
    public int nfrag;              // fragments
    public int nfragDone;          // fragments done
    public Msg[] frags;            // the owner's fragments, in creation order
    public int[] keyFrag;          // per key (pair) of the owner: index of its fragment in frags
    public int[] keyFragIdx;       // per key (pair) of the owner: its position within that fragment

    // intrusive links: c = client q, s = server q (nc_message.h c_tqe / s_tqe)
    Msg cPrev;
    Msg cNext;
    MsgQueue cQ;
    Msg sPrev;
    Msg sNext;
    MsgQueue sQ;
    Msg freeNext;                  // link in the free list

    public final Timer tmo;        // request timeout (msg_tmo_*); tmo.data = this message
    public MsgOwner tmoConn;       // the server connection the timeout closes

    /** A pooled message whose timeout calls {@code onTimeout} (see {@link MsgPool}). */
    Msg(TimerHandler onTimeout) {
        this.tmo = new Timer(onTimeout);
        this.tmo.data = this;
        reset();
    }

    /**
     * A message outside any core (parser unit tests, benchmarks, tools): its timeout never fires. Inside a
     * core, messages come from the core's free list.
     */
    public Msg(boolean request) {
        this.tmo = new Timer(t -> { });
        this.tmo.data = this;
        reset();
        this.request = request;
    }

    /** Clears the message for reuse outside a core (the caller frees its mbufs first). */
    public void clear() {
        reset();
    }

    /** Records a key at (mbuf, start) of {@code len} bytes, possibly continuing into later mbufs. */
    public void addKey(Mbuf m, int start, int len) {
        if (nkeys == keyLen.length) {
            int n = nkeys << 1;
            keyMbuf = java.util.Arrays.copyOf(keyMbuf, n);
            keyStart = java.util.Arrays.copyOf(keyStart, n);
            keyLen = java.util.Arrays.copyOf(keyLen, n);
        }
        keyMbuf[nkeys] = m;
        keyStart[nkeys] = start;
        keyLen[nkeys] = len;
        nkeys++;
    }

    /**
     * Copies key {@code i} into {@code dst} (which must hold {@code keyLen[i]} bytes), following the chain when
     * the key continues past its first mbuf.
     */
    public void copyKey(int i, byte[] dst) {
        int len = keyLen[i];
        Mbuf m = keyMbuf[i];
        int from = keyStart[i];
        int off = 0;
        while (len > 0) {
            int n = Math.min(len, m.last() - from);
            m.getBytes(from, dst, off, n);
            off += n;
            len -= n;
            m = m.next();
            if (m != null) {
                from = m.pos();
            }
        }
    }

    /** Number of keys (pairs for MSET). */
    public int nkeyGroups() {
        return nkeys / keyStep;
    }

    /** True while the message is on a client or a server queue. */
    boolean queued() {
        return cQ != null || sQ != null;
    }

    /** True when no bytes were received (msg_empty). */
    public boolean empty() {
        return mlen == 0;
    }

    void reset() {
        id = 0;
        startNanos = 0L;
        serverIdx = -1;
        charged = 0;
        peer = null;
        owner = null;
        request = false;
        mlen = 0;
        state = 0;
        pos = 0;
        token = -1;
        result = 0;
        type = 0;
        rlen = 0;
        narg = 0;
        rnarg = 0;
        argi = 0;
        integer = 0;
        depth = 0;
        perr = 0;
        redirects = 0;
        retries = 0;
        asking = false;
        follower = false;
        onSession = false;
        llen = 0;
        flags = 0;
        for (int i = 0; i < nkeys; i++) {
            keyMbuf[i] = null;
        }
        nkeys = 0;
        keyStep = 1;
        err = 0;
        error = false;
        ferror = false;
        done = false;
        swallow = false;
        noforward = false;
        noreply = false;
        quit = false;
        quiet = false;
        fragOwner = null;
        if (frags != null) {
            for (int i = 0; i < nfrag; i++) {
                frags[i] = null;
            }
        }
        nfrag = 0;
        nfragDone = 0;
        tmoConn = null;
    }

    @Override
    public String toString() {
        return (request ? "req " : "rsp ") + id + " len " + mlen + " type " + type;
    }
}
