package org.twemproxy4j.core.testkit;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ParseResult;
import org.twemproxy4j.mbuf.Mbuf;
import org.twemproxy4j.mbuf.MbufPool;

/**
 * Feeds a byte stream to a protocol parser the way the core's receive chain does (msg_recv_chain into the last
 * mbuf, msg_parsed with a zero-copy split, msg_repair with a copy), in reads of a chosen size or cut where the
 * test says, and records what every parsed message was. A protocol module subclasses it with its parser and
 * its own record of a parsed message ({@code P}); {@code D} is the subclass, so that feeds chain. Test-only;
 * single-threaded.
 */
public abstract class MsgFeeder<P, D extends MsgFeeder<P, D>> {
    public final List<P> parsed = new ArrayList<>();
    public int repairs;
    public int errors;
    /** Calls of {@link #parse} so far; a feed throws once it exceeds {@link #parseCallLimit} (a parser loop). */
    public long parseCalls;
    public long parseCallLimit = Long.MAX_VALUE;
    /** Messages made by the feeds and not yet finished (recorded or freed): 0 after every feed. */
    public int msgsOpen;
    public final MbufPool pool;
    public final boolean request;

    protected MsgFeeder(int mbufSize, int maxFreeMbufs, boolean request) {
        this.pool = new MbufPool(mbufSize, maxFreeMbufs);
        this.request = request;
    }

    /** Runs the protocol's request or response parser on {@code m}. */
    protected abstract int parse(Msg m);

    /** What to remember of {@code m} once its parse ended with {@code result} (OK or ERROR). */
    protected abstract P record(Msg m, int result);

    @SuppressWarnings("unchecked")
    private D self() {
        return (D) this;
    }

    /** Feeds {@code data} in reads of at most {@code step} bytes; stops at the first ERROR. */
    public D feedSteps(byte[] data, int step) {
        return feed(data, step, null);
    }

    /** Feeds {@code data} in reads ending at each of {@code cuts} (ascending), then the rest. */
    public D feedCuts(byte[] data, List<Integer> cuts) {
        return feed(data, 0, cuts);
    }

    /** With {@code cuts} null every read is at most {@code step} bytes; else reads end at the cuts. */
    private D feed(byte[] data, int step, List<Integer> cuts) {
        Msg msg = newMsg();
        int off = 0;
        int ci = 0;
        outer:
        while (off < data.length) {
            int end;
            if (cuts == null) {
                end = off + Math.min(step, data.length - off);
            } else {
                end = ci < cuts.size() ? cuts.get(ci) : data.length;
            }
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
                if (++parseCalls > parseCallLimit) {
                    throw new IllegalStateException("parser called " + parseCalls + " times: a loop");
                }
                int r = parse(msg);
                if (r == ParseResult.OK) {
                    Mbuf last = msg.mhdr.last();
                    Msg next = newMsg();
                    if (msg.pos != last.last()) {
                        Mbuf nbuf = pool.split(last, msg.pos, false);
                        next.mhdr.insert(nbuf);
                        next.pos = nbuf.pos();
                        next.mlen = nbuf.length();
                        msg.mlen -= next.mlen;
                    }
                    parsed.add(record(msg, r));
                    msg.mhdr.putAll(pool);
                    msgsOpen--;
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
                    parsed.add(record(msg, r));
                    msg.mhdr.putAll(pool);
                    msgsOpen--;
                    msg = null;
                    break outer;
                }
            }
        }
        if (msg != null) {
            msg.mhdr.putAll(pool);
            msgsOpen--;
        }
        return self();
    }

    private Msg newMsg() {
        msgsOpen++;
        return new Msg(request);
    }

    /** Mbufs not returned to the pool (must be 0 after a feed). */
    public int leaked() {
        return pool.nused();
    }

    /** The bytes of a whole message, across its mbufs. */
    public static byte[] bytes(Msg m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Mbuf b = m.mhdr.first(); b != null; b = b.next()) {
            byte[] tmp = new byte[b.length()];
            b.getBytes(b.pos(), tmp, 0, tmp.length);
            out.writeBytes(tmp);
        }
        return out.toByteArray();
    }
}
