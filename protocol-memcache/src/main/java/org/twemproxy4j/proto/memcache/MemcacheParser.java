package org.twemproxy4j.proto.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ParseResult;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * Mirrors memcache_parse_req() and memcache_parse_rsp() (proto/nc_memcache.c): explicit, resumable byte state
 * machines over the mbufs of a message. Every bit of state lives in the {@link Msg} ({@code state},
 * {@code pos}, {@code type}, {@code narg}, {@code argi}, {@code llen}, {@code rnarg}, {@code rlen},
 * {@code integer}, {@code flags}), so parsing resumes at any byte: a request split anywhere, one byte per
 * read, or thousands of pipelined requests in one read. Neither parser ever needs a REPAIR: command names and
 * response words are matched as they arrive (packed into a {@code long}), and keys and value blocks are
 * recorded as (mbuf, start, length), which may run on into later mbufs.
 *
 * <p>Requests. A request is one line, plus a data block for the storage commands:
 * <pre>
 *   get|gets &lt;key&gt;+
 *   set|add|replace|append|prepend &lt;key&gt; &lt;flags&gt; &lt;exptime&gt; &lt;bytes&gt; [noreply]\r\n&lt;data&gt;\r\n
 *   cas &lt;key&gt; &lt;flags&gt; &lt;exptime&gt; &lt;bytes&gt; &lt;cas unique&gt; [noreply]\r\n&lt;data&gt;\r\n
 *   incr|decr &lt;key&gt; &lt;delta&gt; [noreply]      touch &lt;key&gt; &lt;exptime&gt; [noreply]
 *   delete &lt;key&gt; [0] [noreply]      version      quit
 *   gat|gats &lt;exptime&gt; &lt;key&gt;+      flush_all [delay] [noreply]      verbosity &lt;level&gt; [noreply]      stats
 *   mg|md|ma|me &lt;key&gt; &lt;flag&gt;*      ms &lt;key&gt; &lt;datalen&gt; &lt;flag&gt;*\r\n&lt;data&gt;\r\n      mn
 * </pre>
 * The byte state machine (the {@code SW_*} states, as in memcache_parse_req()) lives here; memcached 1.6's
 * judgement of each word and of the whole line lives in {@link MemcachedRules}. Beside the fields above, the
 * parser keeps the first byte of the command word in {@code stack[CMD_FIRST]} and the offset of a meta
 * command's {@code q} flag in {@code stack[Q_AT]}.
 * Every request nutcracker accepts is accepted here and forwarded byte for byte. Where nutcracker would
 * close the connection, the line is judged as memcached 1.6 judges it (proto_text.c: words split on spaces,
 * an optional {@code \r} before the {@code \n}, a NUL ends the line, word counts per command, the
 * {@code safe_strto*} number rules, keys of at most 250 bytes): a line memcached would serve is forwarded, and
 * a line memcached would refuse is answered by the proxy with memcached's own reply ({@code ERROR},
 * {@code CLIENT_ERROR ...}; nothing when the line ends in {@code noreply}, as memcached stays silent then).
 * Like memcached, a refused line consumes no data block, and a data block that does not end in {@code \r\n}
 * after its declared length consumes exactly that length plus two bytes and gets
 * {@code CLIENT_ERROR bad data chunk}. So the byte stream stays in step with what memcached itself would do,
 * and the connection stays open. The one case that cannot be resynchronized, a line longer than
 * {@link #MAX_LINE} without a newline that is not a get, is a parse ERROR (the core replies to every earlier
 * request, then closes, as memcached closes).
 *
 * <p>Responses: a number, a status word, {@code CLIENT_ERROR}/{@code SERVER_ERROR}/{@code VERSION} with text,
 * or {@code VALUE} blocks ended by {@code END}. Each VALUE block (header line, data and its CRLF) is recorded
 * as a "key" of the response: {@link MemcacheProto#coalesce} copies them into a multi-get's merged reply.
 *
 * <p>Stateless; every method is a pure function of the message: thread-safe.
 */
public final class MemcacheParser {
    /** memcached's KEY_MAX_LENGTH. */
    public static final int MEMCACHE_MAX_KEY_LENGTH = 250;
    /** A request line (not a get) longer than this without a newline closes the connection. */
    public static final int MAX_LINE = 16384;

    // request types (Msg.type), as nutcracker's MSG_REQ_MC_*
    public static final int UNKNOWN = 0;
    public static final int REQ_GET = 1;
    public static final int REQ_GETS = 2;
    public static final int REQ_DELETE = 3;
    public static final int REQ_CAS = 4;
    public static final int REQ_SET = 5;
    public static final int REQ_ADD = 6;
    public static final int REQ_REPLACE = 7;
    public static final int REQ_APPEND = 8;
    public static final int REQ_PREPEND = 9;
    public static final int REQ_INCR = 10;
    public static final int REQ_DECR = 11;
    public static final int REQ_TOUCH = 12;
    public static final int REQ_QUIT = 13;
    public static final int REQ_VERSION = 14;
    // beyond nutcracker: memcached 1.6's gat/gats, meta commands and whole-pool commands
    public static final int REQ_GAT = 15;
    public static final int REQ_GATS = 16;
    public static final int REQ_MG = 17;
    public static final int REQ_MS = 18;
    public static final int REQ_MD = 19;
    public static final int REQ_MA = 20;
    public static final int REQ_ME = 21;
    public static final int REQ_MN = 22;
    public static final int REQ_FLUSH_ALL = 23;
    public static final int REQ_VERBOSITY = 24;
    public static final int REQ_STATS = 25;

    // response types (Msg.type), as nutcracker's MSG_RSP_MC_*
    public static final int RSP_NUM = 20;
    public static final int RSP_STORED = 21;
    public static final int RSP_NOT_STORED = 22;
    public static final int RSP_EXISTS = 23;
    public static final int RSP_NOT_FOUND = 24;
    public static final int RSP_END = 25;
    public static final int RSP_VALUE = 26;
    public static final int RSP_DELETED = 27;
    public static final int RSP_TOUCHED = 28;
    public static final int RSP_VERSION = 29;
    public static final int RSP_ERROR = 30;
    public static final int RSP_CLIENT_ERROR = 31;
    public static final int RSP_SERVER_ERROR = 32;
    public static final int RSP_OK = 33;       // flush_all, verbosity
    public static final int RSP_STAT = 34;     // STAT lines ended by END (each line recorded as a key)
    // meta responses
    public static final int RSP_HD = 40;       // success, no value
    public static final int RSP_VA = 41;       // VA <size> <flags>*, then a data block
    public static final int RSP_EN = 42;       // miss
    public static final int RSP_NF = 43;       // not found
    public static final int RSP_NS = 44;       // not stored
    public static final int RSP_EX = 45;       // exists (cas mismatch)
    public static final int RSP_MN = 46;       // meta no-op
    public static final int RSP_ME = 47;       // meta debug

    // local replies (Msg.perr) to requests memcached would refuse
    public static final int PERR_NONE = 0;
    public static final int PERR_SILENT = -1;            // refused, but noreply: memcached says nothing
    public static final int PERR_ERROR = 1;              // ERROR
    public static final int PERR_BAD_FORMAT = 2;         // CLIENT_ERROR bad command line format
    public static final int PERR_BAD_DATA_CHUNK = 3;     // CLIENT_ERROR bad data chunk
    public static final int PERR_BAD_DELTA = 4;          // CLIENT_ERROR invalid numeric delta argument
    public static final int PERR_BAD_EXPTIME = 5;        // CLIENT_ERROR invalid exptime argument
    public static final int PERR_DELETE_USAGE = 6;       // CLIENT_ERROR bad command line format.  Usage: ...
    public static final int PERR_LINE_TOO_LONG = 7;      // framing: no reply, close
    public static final int PERR_MN = 8;                 // mn: MN
    public static final int PERR_OK = 9;                 // verbosity: OK
    public static final int PERR_VERSION = 10;           // version: the proxy's own
    public static final int PERR_FLAGS_TOO_LONG = 11;    // CLIENT_ERROR options flags too long (ms)

    // Msg.flags bits of a request line that the state machine itself uses (memcached's facts: MemcachedRules)
    static final int F_PREV_CR = 1;               // the previous byte was \r (it ends the line if \n follows)
    static final int F_LAST_NOREPLY = 4;          // the last complete word is "noreply"
    static final int F_BAD_CHUNK = 1024;          // the data block did not end in \r\n
    static final int F_META_QUIET = 2048;         // a meta command with the q flag (memcached may not answer)

    /** Index in {@link Msg#stack} of the first byte of the command word (to tell 9-byte words apart). */
    static final int CMD_FIRST = 1;
    /** Index in {@link Msg#stack} of the offset in the request of a meta command's {@code q} flag. */
    static final int Q_AT = 2;

    // request states (the names of memcache_parse_req where they fit)
    static final int SW_START = 0;                // before the command word
    static final int SW_REQ_TYPE = 1;             // in the command word
    static final int SW_SPACES_BEFORE_KEY = 2;    // between words
    static final int SW_KEY = 3;                  // in a word (key, number or option)
    static final int SW_RUNTO_CRLF = 4;           // after a NUL: the rest of the line is ignored
    static final int SW_VAL = 5;                  // in a data block
    static final int SW_VAL_CR = 6;               // the \r after a data block
    static final int SW_ALMOST_DONE = 7;          // the \n after a data block


    /** Stops at a byte that ends a request word: space, \r, \n or NUL (a stateless, shared processor). */
    private static final ByteProcessor WORD_BYTE = b -> b != ' ' && b != '\r' && b != '\n' && b != 0;
    /** Stops at a \r or \n. */
    private static final ByteProcessor LINE_BYTE = b -> b != '\r' && b != '\n';
    /** Stops at a space (a key memcached echoes may hold any other byte, \r included). */
    private static final ByteProcessor RSP_KEY_BYTE = b -> b != ' ';

    private MemcacheParser() {
    }

    /** Packs an ASCII word the way {@link #parseRequest} packs the command word it reads. */
    static long pack(String s) {
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            v = (v << 8) | s.charAt(i);
        }
        return v;
    }

    private static final long W_GET = pack("get");
    private static final long W_SET = pack("set");
    private static final long W_ADD = pack("add");
    private static final long W_CAS = pack("cas");
    private static final long W_GETS = pack("gets");
    private static final long W_INCR = pack("incr");
    private static final long W_DECR = pack("decr");
    private static final long W_QUIT = pack("quit");
    private static final long W_TOUCH = pack("touch");
    private static final long W_APPEND = pack("append");
    private static final long W_DELETE = pack("delete");
    private static final long W_PREPEND = pack("prepend");
    private static final long W_REPLACE = pack("replace");
    private static final long W_VERSION = pack("version");
    private static final long W_GAT = pack("gat");
    private static final long W_GATS = pack("gats");
    private static final long W_STATS = pack("stats");
    private static final long W_MG = pack("mg");
    private static final long W_MS = pack("ms");
    private static final long W_MD = pack("md");
    private static final long W_MA = pack("ma");
    private static final long W_ME = pack("me");
    private static final long W_MN = pack("mn");
    private static final long W_FLUSH_ALL_TAIL = pack("lush_all");   // the last 8 bytes of flush_all
    private static final long W_VERBOSITY_TAIL = pack("erbosity");   // the last 8 bytes of verbosity

    /**
     * The request type of a command word of {@code len} bytes whose last 8 bytes are packed in {@code w} and
     * whose first byte is {@code first}.
     */
    static int requestType(long w, int len, int first) {
        switch (len) {
            case 2:
                if (w == W_MG) {
                    return REQ_MG;
                }
                if (w == W_MS) {
                    return REQ_MS;
                }
                if (w == W_MD) {
                    return REQ_MD;
                }
                if (w == W_MA) {
                    return REQ_MA;
                }
                if (w == W_ME) {
                    return REQ_ME;
                }
                return w == W_MN ? REQ_MN : UNKNOWN;
            case 3:
                if (w == W_GAT) {
                    return REQ_GAT;
                }
                if (w == W_GET) {
                    return REQ_GET;
                }
                if (w == W_SET) {
                    return REQ_SET;
                }
                if (w == W_ADD) {
                    return REQ_ADD;
                }
                if (w == W_CAS) {
                    return REQ_CAS;
                }
                return UNKNOWN;
            case 4:
                if (w == W_GETS) {
                    return REQ_GETS;
                }
                if (w == W_INCR) {
                    return REQ_INCR;
                }
                if (w == W_DECR) {
                    return REQ_DECR;
                }
                if (w == W_QUIT) {
                    return REQ_QUIT;
                }
                return w == W_GATS ? REQ_GATS : UNKNOWN;
            case 5:
                if (w == W_STATS) {
                    return REQ_STATS;
                }
                return w == W_TOUCH ? REQ_TOUCH : UNKNOWN;
            case 6:
                if (w == W_APPEND) {
                    return REQ_APPEND;
                }
                if (w == W_DELETE) {
                    return REQ_DELETE;
                }
                return UNKNOWN;
            case 7:
                if (w == W_PREPEND) {
                    return REQ_PREPEND;
                }
                if (w == W_REPLACE) {
                    return REQ_REPLACE;
                }
                if (w == W_VERSION) {
                    return REQ_VERSION;
                }
                return UNKNOWN;
            case 9:
                if (first == 'f' && w == W_FLUSH_ALL_TAIL) {
                    return REQ_FLUSH_ALL;
                }
                return first == 'v' && w == W_VERBOSITY_TAIL ? REQ_VERBOSITY : UNKNOWN;
            default:
                return UNKNOWN;
        }
    }

    /** memcache_storage(). */
    public static boolean storage(int type) {
        return type >= REQ_CAS && type <= REQ_PREPEND;
    }

    /** memcache_retrieval(), with gat and gats: the commands answered by VALUE blocks and END. */
    public static boolean retrieval(int type) {
        return type == REQ_GET || type == REQ_GETS || type == REQ_GAT || type == REQ_GATS;
    }

    /** The meta commands that carry a key: mg, ms, md, ma, me. */
    public static boolean meta(int type) {
        return type >= REQ_MG && type <= REQ_ME;
    }

    /** True for a meta command with the {@code q} flag: memcached leaves some of its replies out. */
    public static boolean quiet(Msg r) {
        return meta(r.type) && (r.flags & F_META_QUIET) != 0;
    }

    /** True for a whole-pool request that ended in {@code noreply}: the client gets no reply. */
    public static boolean silent(Msg r) {
        return (r.flags & F_LAST_NOREPLY) != 0;
    }

    /** The offset in request {@code r} of its meta {@code q} flag (when {@link #quiet}). */
    public static int quietAt(Msg r) {
        return r.stack[Q_AT];
    }

    /**
     * Mirrors memcache_parse_req(). Returns OK with the request complete (forwardable, or {@code noforward}
     * with {@code perr} naming memcached's reply), AGAIN for more bytes, or ERROR (with
     * {@link #PERR_LINE_TOO_LONG}) when the stream cannot be resynchronized.
     */
    public static int parseRequest(Msg r) {
        Mbuf b = r.mhdr.last();
        ByteBuf buf = b.byteBuf();
        int p = r.pos;
        final int last = b.last();
        int state = r.state;
        assert p >= b.pos() && p <= last;

        while (p < last) {
            if (state == SW_VAL) {
                // the data block: no byte of it is looked at
                long n = Math.min(r.rlen, last - p);
                p += (int) n;
                r.rlen -= n;
                if (r.rlen == 0) {
                    state = SW_VAL_CR;
                }
                continue;
            }
            byte ch = buf.getByte(p);
            switch (state) {
                case SW_VAL_CR:
                    if (ch != '\r') {
                        r.flags |= F_BAD_CHUNK;
                    }
                    p++;
                    state = SW_ALMOST_DONE;
                    continue;
                case SW_ALMOST_DONE:
                    if (ch != '\n') {
                        r.flags |= F_BAD_CHUNK;
                    }
                    p++;
                    if ((r.flags & F_BAD_CHUNK) != 0) {
                        r.noforward = true;
                        r.perr = r.noreply ? PERR_SILENT : PERR_BAD_DATA_CHUNK;
                        r.noreply = false;
                    }
                    return done(r, p);
                default:
                    break;
            }

            if (state == SW_KEY && r.depth == MemcachedRules.ROLE_KEY && (r.flags & F_PREV_CR) == 0) {
                // the bulk of a key, up to the byte that ends it, in one scan
                int q = buf.forEachByte(p, last - p, WORD_BYTE);
                int end = q < 0 ? last : q;
                int n = end - p;
                if (n > 0) {
                    r.llen += n;
                    r.keyLen[r.nkeys - 1] += n;
                    r.rnarg += n;
                    p = end;
                    if (r.rnarg > MAX_LINE && !retrieval(r.type)) {
                        r.state = state;
                        r.perr = PERR_LINE_TOO_LONG;
                        r.pos = p;
                        return ParseResult.ERROR;
                    }
                    continue;
                }
            }

            // the request line
            p++;
            if (++r.rnarg > MAX_LINE && !retrieval(r.type) && ch != '\n') {
                r.state = state;
                r.perr = PERR_LINE_TOO_LONG;
                r.pos = p;
                return ParseResult.ERROR;
            }
            if (ch == '\n') {
                // a \r just before the \n is not part of the last word (it is still pending)
                r.flags &= ~F_PREV_CR;
                endWord(r, state);
                state = MemcachedRules.verdict(r) ? SW_VAL : SW_START;
                if (state == SW_START) {
                    return done(r, p);
                }
                continue;
            }
            if ((r.flags & F_PREV_CR) != 0) {
                // the pending \r was not the end of the line: it belongs to the word
                r.flags &= ~F_PREV_CR;
                lineByte(r, state, (byte) '\r');
            }
            if (ch == '\r') {
                if (state == SW_START || state == SW_SPACES_BEFORE_KEY) {
                    state = startWord(r, state, b, p - 1);
                }
                if (state != SW_RUNTO_CRLF) {
                    r.flags |= F_PREV_CR;
                }
                continue;
            }
            switch (state) {
                case SW_START:
                case SW_SPACES_BEFORE_KEY:
                    if (ch == ' ') {
                        break;
                    }
                    if (ch == 0) {
                        if (state == SW_START) {
                            lineStart(r);
                        }
                        state = SW_RUNTO_CRLF;
                        break;
                    }
                    state = startWord(r, state, b, p - 1);
                    lineByte(r, state, ch);
                    break;

                case SW_REQ_TYPE:
                case SW_KEY:
                    if (ch == ' ' || ch == 0) {
                        endWord(r, state);
                        state = ch == 0 ? SW_RUNTO_CRLF : SW_SPACES_BEFORE_KEY;
                        break;
                    }
                    lineByte(r, state, ch);
                    break;

                case SW_RUNTO_CRLF:
                    // after a NUL memcached sees no more of the line
                    break;

                default:
                    throw new IllegalStateException("memcache request parser in state " + state);
            }
        }
        r.state = state;
        r.pos = p;
        return ParseResult.AGAIN;
    }

    private static int done(Msg r, int p) {
        r.state = SW_START;
        r.pos = p;
        r.rnarg = 0;
        r.flags &= ~F_PREV_CR;
        return ParseResult.OK;
    }

    /** A new request line: its per-line facts are cleared. */
    private static void lineStart(Msg r) {
        r.type = UNKNOWN;
        r.narg = 0;
        r.argi = 0;
        r.llen = 0;
        r.integer = 0;
        r.rlen = 0;
        r.flags &= F_PREV_CR;
    }

    /** A word starts at absolute index {@code at} of {@code b}; returns the state that reads it. */
    private static int startWord(Msg r, int state, Mbuf b, int at) {
        if (state == SW_START) {
            lineStart(r);
            return SW_REQ_TYPE;
        }
        r.llen = 0;
        if (MemcachedRules.wordStart(r) == MemcachedRules.ROLE_KEY) {
            r.addKey(b, at, 0);
        }
        return SW_KEY;
    }

    private static void lineByte(Msg r, int state, byte ch) {
        if (state == SW_REQ_TYPE) {
            // command words are matched packed (the last 8 bytes, and the first); none is longer than 9 bytes
            if (r.llen == 0) {
                r.stack[CMD_FIRST] = ch & 0xff;
            }
            r.integer = (r.integer << 8) | (ch & 0xff);
            r.llen++;
        } else if (state == SW_KEY) {
            if (r.depth == MemcachedRules.ROLE_KEY) {
                r.keyLen[r.nkeys - 1]++;
            }
            MemcachedRules.wordByte(r, ch);
            r.llen++;
        }
    }

    /** A word ends (at a space, a NUL or the end of the line). */
    private static void endWord(Msg r, int state) {
        if (state != SW_REQ_TYPE && state != SW_KEY) {
            return;
        }
        int len = r.llen;
        if (len == 0) {
            // a word that was only a \r before the \n: memcached never sees it
            if (state == SW_KEY && r.depth == MemcachedRules.ROLE_KEY) {
                r.nkeys--;
                r.keyMbuf[r.nkeys] = null;
            }
            return;
        }
        if (state == SW_REQ_TYPE) {
            r.type = len <= 9 ? requestType(r.integer, len, r.stack[CMD_FIRST]) : UNKNOWN;
            r.narg = 1;
            r.argi = 1;
            r.flags &= ~F_LAST_NOREPLY;
            return;
        }
        MemcachedRules.wordEnd(r);
        r.narg++;
        r.argi++;
    }


    // responses

    static final int SW_RSP_START = 0;          // before a response word
    static final int SW_RSP_STR = 1;            // in the response word
    static final int SW_RSP_NUM = 2;            // in a number (incr/decr)
    static final int SW_SPACES_BEFORE_KEY_RSP = 3; // VALUE: before the key
    static final int SW_RSP_KEY = 4;            // VALUE: the key
    static final int SW_SPACES_BEFORE_FLAGS = 5;
    static final int SW_FLAGS = 6;
    static final int SW_SPACES_BEFORE_VLEN = 7;
    static final int SW_VLEN = 8;
    static final int SW_RSP_RUNTO_CRLF = 9;     // the rest of a line, up to \r
    static final int SW_RUNTO_VAL = 10;         // the \n of a VALUE line
    static final int SW_RSP_VAL = 11;           // data
    static final int SW_RSP_VAL_CR = 12;
    static final int SW_VAL_LF = 13;
    static final int SW_CRLF = 14;              // spaces, then \r
    static final int SW_RSP_ALMOST_DONE = 15;   // the final \n
    static final int SW_STAT_LF = 16;           // the \n of a STAT line (another line follows)

    private static final long R_OK = pack("OK");
    private static final long R_HD = pack("HD");
    private static final long R_VA = pack("VA");
    private static final long R_EN = pack("EN");
    private static final long R_NF = pack("NF");
    private static final long R_NS = pack("NS");
    private static final long R_EX = pack("EX");
    private static final long R_MN = pack("MN");
    private static final long R_ME = pack("ME");
    private static final long R_STAT = pack("STAT");
    private static final long R_END = pack("END");
    private static final long R_VALUE = pack("VALUE");
    private static final long R_ERROR = pack("ERROR");
    private static final long R_STORED = pack("STORED");
    private static final long R_EXISTS = pack("EXISTS");
    private static final long R_DELETED = pack("DELETED");
    private static final long R_TOUCHED = pack("TOUCHED");
    private static final long R_VERSION = pack("VERSION");
    private static final long R_NOT_FOUND = pack("OT_FOUND");     // last 8 of NOT_FOUND
    private static final long R_NOT_STORED = pack("T_STORED");    // last 8 of NOT_STORED
    private static final long R_ERROR_TAIL = pack("NT_ERROR");    // last 8 of CLIENT_ERROR
    private static final long R_SERROR_TAIL = pack("ER_ERROR");   // last 8 of SERVER_ERROR

    // Msg.flags of a response: the first byte of the word (to tell NOT_*, CLIENT_*, SERVER_* apart)
    private static final int RF_VALUES = 1 << 8;   // one or more VALUE blocks were read

    private static int responseType(long tail, int len, int first) {
        switch (len) {
            case 2:
                return metaType(tail);
            case 3:
                return tail == R_END ? RSP_END : UNKNOWN;
            case 4:
                return tail == R_STAT ? RSP_STAT : UNKNOWN;
            case 5:
                if (tail == R_VALUE) {
                    return RSP_VALUE;
                }
                return tail == R_ERROR ? RSP_ERROR : UNKNOWN;
            case 6:
                if (tail == R_STORED) {
                    return RSP_STORED;
                }
                return tail == R_EXISTS ? RSP_EXISTS : UNKNOWN;
            case 7:
                if (tail == R_DELETED) {
                    return RSP_DELETED;
                }
                if (tail == R_TOUCHED) {
                    return RSP_TOUCHED;
                }
                return tail == R_VERSION ? RSP_VERSION : UNKNOWN;
            case 9:
                return first == 'N' && tail == R_NOT_FOUND ? RSP_NOT_FOUND : UNKNOWN;
            case 10:
                return first == 'N' && tail == R_NOT_STORED ? RSP_NOT_STORED : UNKNOWN;
            case 12:
                if (first == 'C' && tail == R_ERROR_TAIL) {
                    return RSP_CLIENT_ERROR;
                }
                return first == 'S' && tail == R_SERROR_TAIL ? RSP_SERVER_ERROR : UNKNOWN;
            default:
                return UNKNOWN;
        }
    }

    /** The two-letter replies: the meta commands' status words, and OK (flush_all, verbosity). */
    private static int metaType(long w) {
        if (w == R_HD) {
            return RSP_HD;
        }
        if (w == R_VA) {
            return RSP_VA;
        }
        if (w == R_EN) {
            return RSP_EN;
        }
        if (w == R_NF) {
            return RSP_NF;
        }
        if (w == R_NS) {
            return RSP_NS;
        }
        if (w == R_EX) {
            return RSP_EX;
        }
        if (w == R_MN) {
            return RSP_MN;
        }
        if (w == R_ME) {
            return RSP_ME;
        }
        return w == R_OK ? RSP_OK : UNKNOWN;
    }

    /**
     * Mirrors memcache_parse_rsp(). A get's response is its VALUE blocks and the END; each block is recorded
     * with {@link Msg#addKey} (from the V of VALUE through the CRLF after the data). ERROR closes the server
     * connection (a stream out of step).
     */
    public static int parseResponse(Msg r) {
        Mbuf b = r.mhdr.last();
        ByteBuf buf = b.byteBuf();
        int p = r.pos;
        final int last = b.last();
        int state = r.state;
        assert p >= b.pos() && p <= last;

        while (p < last) {
            if (state == SW_RSP_VAL) {
                long n = Math.min(r.rlen, last - p);
                p += (int) n;
                r.rlen -= n;
                if (r.rlen == 0) {
                    state = SW_RSP_VAL_CR;
                }
                continue;
            }
            byte ch = buf.getByte(p);
            switch (state) {
                case SW_RSP_START:
                    r.integer = 0;
                    r.llen = 0;
                    r.rnarg = 0;
                    r.flags = (r.flags & RF_VALUES) | (ch & 0xff);
                    if (ch >= '0' && ch <= '9') {
                        r.type = RSP_NUM;
                        state = SW_RSP_NUM;
                        continue;
                    }
                    if ((r.flags & RF_VALUES) == 0) {
                        r.type = UNKNOWN;
                    }
                    // the block of a VALUE starts here: its length is known once its line is read
                    r.addKey(b, p, 0);
                    state = SW_RSP_STR;
                    continue;

                case SW_RSP_NUM:
                    if (ch >= '0' && ch <= '9') {
                        p++;
                        continue;
                    }
                    if (ch == ' ' || ch == '\r') {
                        state = SW_CRLF;
                        continue;
                    }
                    return rspError(r, p, state);

                case SW_RSP_STR:
                    if (ch == ' ' || ch == '\r') {
                        int t = responseType(r.integer, r.llen, r.flags & 0xff);
                        if ((r.flags & RF_VALUES) != 0 && t != r.type && t != RSP_END) {
                            return rspError(r, p, state); // only VALUE (STAT) or END may follow a VALUE (STAT)
                        }
                        if (t != RSP_VALUE && t != RSP_STAT) {
                            dropBlock(r);
                        }
                        switch (t) {
                            case RSP_VALUE:
                                r.type = RSP_VALUE;
                                r.flags |= RF_VALUES;
                                state = SW_SPACES_BEFORE_KEY_RSP;
                                break;
                            case RSP_END:
                                if ((r.flags & RF_VALUES) == 0) {
                                    r.type = RSP_END;
                                }
                                state = SW_CRLF;
                                break;
                            case RSP_STORED:
                            case RSP_NOT_STORED:
                            case RSP_EXISTS:
                            case RSP_NOT_FOUND:
                            case RSP_DELETED:
                            case RSP_TOUCHED:
                            case RSP_ERROR:
                                r.type = t;
                                state = SW_CRLF;
                                break;
                            case RSP_CLIENT_ERROR:
                            case RSP_SERVER_ERROR:
                            case RSP_VERSION:
                            case RSP_OK:
                            case RSP_HD:
                            case RSP_EN:
                            case RSP_NF:
                            case RSP_NS:
                            case RSP_EX:
                            case RSP_MN:
                            case RSP_ME:
                                // text or meta flags (k, O, c ...) up to the end of the line
                                r.type = t;
                                state = SW_RSP_RUNTO_CRLF;
                                break;
                            case RSP_STAT:
                                // each STAT line is recorded (from the S through its CRLF) for the merge
                                r.type = RSP_STAT;
                                r.flags |= RF_VALUES;
                                state = SW_RSP_RUNTO_CRLF;
                                break;
                            case RSP_VA:
                                // VA <size> <flags>*\r\n<data>\r\n
                                r.type = RSP_VA;
                                state = SW_SPACES_BEFORE_VLEN;
                                break;
                            default:
                                return rspError(r, p, state);
                        }
                        continue; // the delimiter is looked at again in the new state
                    }
                    r.integer = (r.integer << 8) | (ch & 0xff);
                    if (++r.llen > 12) {
                        return rspError(r, p, state);
                    }
                    break;

                case SW_SPACES_BEFORE_KEY_RSP:
                    if (ch != ' ') {
                        if (ch == '\r') {
                            return rspError(r, p, state);
                        }
                        state = SW_RSP_KEY;
                    }
                    break;

                case SW_RSP_KEY: {
                    int q = buf.forEachByte(p, last - p, RSP_KEY_BYTE);
                    if (q < 0) {
                        r.rnarg += last - p;
                        p = last;
                        continue;
                    }
                    r.rnarg += q - p;
                    p = q;
                    state = SW_SPACES_BEFORE_FLAGS;
                    break;
                }

                case SW_SPACES_BEFORE_FLAGS:
                    if (ch != ' ') {
                        if (ch < '0' || ch > '9') {
                            return rspError(r, p, state);
                        }
                        state = SW_FLAGS;
                    }
                    break;

                case SW_FLAGS:
                    if (ch == ' ') {
                        state = SW_SPACES_BEFORE_VLEN;
                    } else if (ch < '0' || ch > '9') {
                        return rspError(r, p, state);
                    }
                    break;

                case SW_SPACES_BEFORE_VLEN:
                    if (ch != ' ') {
                        if (ch < '0' || ch > '9') {
                            return rspError(r, p, state);
                        }
                        r.rlen = 0;
                        state = SW_VLEN;
                        continue;
                    }
                    break;

                case SW_VLEN:
                    if (ch >= '0' && ch <= '9') {
                        r.rlen = r.rlen * 10 + (ch - '0');
                        if (r.rlen > Integer.MAX_VALUE) {
                            return rspError(r, p, state);
                        }
                    } else if (ch == ' ' || ch == '\r') {
                        state = SW_RSP_RUNTO_CRLF;
                        continue;
                    } else {
                        return rspError(r, p, state);
                    }
                    break;

                case SW_RSP_RUNTO_CRLF: {
                    int q = buf.forEachByte(p, last - p, LINE_BYTE);
                    if (q < 0) {
                        r.rnarg += last - p;
                        p = last;
                        continue;
                    }
                    r.rnarg += q - p;
                    p = q;
                    ch = buf.getByte(p);
                    if (ch == '\r') {
                        int t = r.type;
                        state = t == RSP_VALUE || t == RSP_VA ? SW_RUNTO_VAL
                                : t == RSP_STAT ? SW_STAT_LF : SW_RSP_ALMOST_DONE;
                    } else {
                        return rspError(r, p, state);
                    }
                    break;
                }

                case SW_RUNTO_VAL:
                    if (ch != '\n') {
                        return rspError(r, p, state);
                    }
                    // the VALUE line is complete: its block is the line, the data and its CRLF
                    if (r.type == RSP_VALUE) {
                        r.keyLen[r.nkeys - 1] = (int) (r.rnarg + 1 + r.rlen + 2);
                    }
                    state = r.rlen == 0 ? SW_RSP_VAL_CR : SW_RSP_VAL;
                    break;

                case SW_RSP_VAL_CR:
                    if (ch != '\r') {
                        return rspError(r, p, state);
                    }
                    state = SW_VAL_LF;
                    break;

                case SW_VAL_LF:
                    if (ch != '\n') {
                        return rspError(r, p, state);
                    }
                    if (r.type == RSP_VA) {
                        return rspDone(r, p + 1);
                    }
                    state = SW_RSP_START;
                    break;

                case SW_STAT_LF:
                    if (ch != '\n') {
                        return rspError(r, p, state);
                    }
                    r.keyLen[r.nkeys - 1] = r.rnarg + 1;
                    state = SW_RSP_START;
                    break;

                case SW_CRLF:
                    if (ch == '\r') {
                        state = SW_RSP_ALMOST_DONE;
                    } else if (ch != ' ') {
                        return rspError(r, p, state);
                    }
                    break;

                case SW_RSP_ALMOST_DONE:
                    if (ch != '\n') {
                        return rspError(r, p, state);
                    }
                    return rspDone(r, p + 1);

                default:
                    throw new IllegalStateException("memcache response parser in state " + state);
            }
            p++;
            r.rnarg++;
        }
        r.state = state;
        r.pos = p;
        return ParseResult.AGAIN;
    }

    private static int rspDone(Msg r, int p) {
        r.state = SW_RSP_START;
        r.pos = p;
        r.flags &= ~RF_VALUES;
        r.argi = 0; // the coalesce cursor over the VALUE blocks
        return ParseResult.OK;
    }

    private static void dropBlock(Msg r) {
        r.nkeys--;
        r.keyMbuf[r.nkeys] = null;
    }

    private static int rspError(Msg r, int p, int state) {
        r.state = state;
        r.pos = p;
        return ParseResult.ERROR;
    }
}
