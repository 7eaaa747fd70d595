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
 * </pre>
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

    // request states (the names of memcache_parse_req where they fit)
    static final int SW_START = 0;                // before the command word
    static final int SW_REQ_TYPE = 1;             // in the command word
    static final int SW_SPACES_BEFORE_KEY = 2;    // between words
    static final int SW_KEY = 3;                  // in a word (key, number or option)
    static final int SW_RUNTO_CRLF = 4;           // after a NUL: the rest of the line is ignored
    static final int SW_VAL = 5;                  // in a data block
    static final int SW_VAL_CR = 6;               // the \r after a data block
    static final int SW_ALMOST_DONE = 7;          // the \n after a data block

    // word roles
    private static final int ROLE_OTHER = 0;
    private static final int ROLE_KEY = 1;
    private static final int ROLE_FLAGS = 2;      // safe_strtoul
    private static final int ROLE_EXPTIME = 3;    // safe_strtol
    private static final int ROLE_VLEN = 4;       // safe_strtol
    private static final int ROLE_CAS = 5;        // safe_strtoull
    private static final int ROLE_DELTA = 6;      // safe_strtoull

    // Msg.flags bits of a request line
    private static final int F_PREV_CR = 1;           // the previous byte was \r
    private static final int F_MATCH_NOREPLY = 2;     // the word so far is a prefix of "noreply"
    private static final int F_LAST_NOREPLY = 4;      // the last complete word is "noreply"
    private static final int F_HOLD_ZERO = 8;         // delete's third word is "0"
    private static final int F_BAD_KEY = 16;          // a key longer than 250 bytes
    private static final int F_BAD_NUM = 32;          // flags, exptime or bytes is not a number (or bytes < 0)
    private static final int F_BAD_CAS = 64;          // cas unique is not a number
    private static final int F_BAD_DELTA = 128;       // incr/decr delta is not a number
    private static final int F_BAD_EXPTIME = 256;     // touch exptime is not a number
    private static final int F_BAD_CHUNK = 1024;      // the data block did not end in \r\n
    // the number being read (strtol family): sub-state and facts
    private static final int N_SHIFT = 12;
    private static final int N_MASK = 7 << N_SHIFT;
    private static final int N_LEAD = 0;              // leading white space
    private static final int N_SIGN = 1 << N_SHIFT;   // a sign was read
    private static final int N_DIGITS = 2 << N_SHIFT; // digits are being read
    private static final int N_TRAIL = 3 << N_SHIFT;  // white space after the digits: the rest is ignored
    private static final int N_BAD = 4 << N_SHIFT;    // not a number
    private static final int N_NEG = 1 << 16;         // the sign was '-'
    private static final int N_OVF = 1 << 17;         // more than 64 bits of magnitude
    private static final int N_ANY_MINUS = 1 << 18;   // a '-' anywhere in the word (strchr in safe_strtoul)

    private static final long TWO63 = Long.MIN_VALUE; // 2^63 as an unsigned magnitude

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
    private static final byte[] NOREPLY = {'n', 'o', 'r', 'e', 'p', 'l', 'y'};

    /** The request type of a command word of {@code len} bytes packed in {@code w}. */
    static int requestType(long w, int len) {
        switch (len) {
            case 3:
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
                return UNKNOWN;
            case 5:
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
            default:
                return UNKNOWN;
        }
    }

    /** memcache_storage(). */
    public static boolean storage(int type) {
        return type >= REQ_CAS && type <= REQ_PREPEND;
    }

    /** memcache_retrieval(). */
    public static boolean retrieval(int type) {
        return type == REQ_GET || type == REQ_GETS;
    }

    /** The role of word {@code argi} (0 = the command) of a request of {@code type}. */
    private static int role(int type, int argi) {
        if (argi == 1) {
            return type == UNKNOWN || type == REQ_QUIT || type == REQ_VERSION ? ROLE_OTHER : ROLE_KEY;
        }
        switch (type) {
            case REQ_GET:
            case REQ_GETS:
                return ROLE_KEY;
            case REQ_SET:
            case REQ_ADD:
            case REQ_REPLACE:
            case REQ_APPEND:
            case REQ_PREPEND:
            case REQ_CAS:
                switch (argi) {
                    case 2:
                        return ROLE_FLAGS;
                    case 3:
                        return ROLE_EXPTIME;
                    case 4:
                        return ROLE_VLEN;
                    case 5:
                        return type == REQ_CAS ? ROLE_CAS : ROLE_OTHER;
                    default:
                        return ROLE_OTHER;
                }
            case REQ_INCR:
            case REQ_DECR:
                return argi == 2 ? ROLE_DELTA : ROLE_OTHER;
            case REQ_TOUCH:
                return argi == 2 ? ROLE_EXPTIME : ROLE_OTHER;
            default:
                return ROLE_OTHER;
        }
    }

    private static boolean isSpace(byte ch) {
        return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == 0x0b || ch == '\f';
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

            if (state == SW_KEY && r.depth == ROLE_KEY && (r.flags & F_PREV_CR) == 0) {
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
                state = verdict(r);
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
        r.integer = 0;
        r.flags = (r.flags & ~(N_MASK | N_NEG | N_OVF | N_ANY_MINUS)) | F_MATCH_NOREPLY;
        int role = role(r.type, r.argi);
        r.depth = role;
        if (role == ROLE_KEY) {
            r.addKey(b, at, 0);
        }
        return SW_KEY;
    }

    private static void lineByte(Msg r, int state, byte ch) {
        if (state == SW_REQ_TYPE) {
            // command words are matched packed; one longer than 8 bytes is no supported command
            r.integer = (r.integer << 8) | (ch & 0xff);
            r.llen++;
        } else if (state == SW_KEY) {
            wordByte(r, ch);
        }
    }

    private static void wordByte(Msg r, byte ch) {
        int len = r.llen;
        int f = r.flags;
        if ((f & F_MATCH_NOREPLY) != 0 && (len >= NOREPLY.length || NOREPLY[len] != ch)) {
            f &= ~F_MATCH_NOREPLY;
        }
        r.llen = len + 1;
        int role = r.depth;
        if (role == ROLE_KEY) {
            r.keyLen[r.nkeys - 1]++;
        } else if (role != ROLE_OTHER) {
            f = numByte(r, f, ch);
        } else if (r.argi == 2 && r.type == REQ_DELETE && len == 0 && ch == '0') {
            f |= F_HOLD_ZERO;
        }
        r.flags = f;
    }

    /** One byte of a number read as strtol/strtoul do (leading white space, sign, digits, then anything). */
    private static int numByte(Msg r, int f, byte ch) {
        if (ch == '-') {
            f |= N_ANY_MINUS;
        }
        switch (f & N_MASK) {
            case N_LEAD:
                if (isSpace(ch)) {
                    return f;
                }
                if (ch == '-' || ch == '+') {
                    f = (f & ~N_MASK) | N_SIGN;
                    if (ch == '-') {
                        f |= N_NEG;
                    }
                    return f;
                }
                // fall through
            case N_SIGN:
            case N_DIGITS:
                if (ch >= '0' && ch <= '9') {
                    long v = r.integer;
                    int d = ch - '0';
                    // unsigned 64-bit v * 10 + d, flagging overflow
                    if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) {
                        f |= N_OVF;
                    }
                    r.integer = v * 10 + d;
                    return (f & ~N_MASK) | N_DIGITS;
                }
                if ((f & N_MASK) == N_DIGITS && isSpace(ch)) {
                    return (f & ~N_MASK) | N_TRAIL;
                }
                return (f & ~N_MASK) | N_BAD;
            default:
                return f; // N_TRAIL ignores the rest; N_BAD stays bad
        }
    }

    /** A word ends (at a space, a NUL or the end of the line): its facts are folded into the line's. */
    private static void endWord(Msg r, int state) {
        if (state != SW_REQ_TYPE && state != SW_KEY) {
            return;
        }
        int len = r.llen;
        int argi = r.argi;
        if (len == 0) {
            // a word that was only a \r before the \n: memcached never sees it
            if (state == SW_KEY && r.depth == ROLE_KEY) {
                r.nkeys--;
                r.keyMbuf[r.nkeys] = null;
            }
            return;
        }
        int f = r.flags;
        if (state == SW_REQ_TYPE) {
            r.type = len <= 8 ? requestType(r.integer, len) : UNKNOWN;
            r.narg = 1;
            r.argi = 1;
            r.flags = f & ~F_LAST_NOREPLY;
            return;
        }
        int role = r.depth;
        // a key is never the word that counts as noreply (memcached refuses every such line on its word count)
        f = role != ROLE_KEY && len == NOREPLY.length && (f & F_MATCH_NOREPLY) != 0
                ? f | F_LAST_NOREPLY : f & ~F_LAST_NOREPLY;
        switch (role) {
            case ROLE_KEY:
                if (len > MEMCACHE_MAX_KEY_LENGTH) {
                    f |= F_BAD_KEY;
                }
                break;
            case ROLE_FLAGS:
                if (!strtoul(r, f)) {
                    f |= F_BAD_NUM;
                }
                break;
            case ROLE_EXPTIME:
                if (!strtol(r, f)) {
                    f |= r.type == REQ_TOUCH ? F_BAD_EXPTIME : F_BAD_NUM;
                }
                break;
            case ROLE_VLEN:
                if (!strtol(r, f)) {
                    f |= F_BAD_NUM;
                } else {
                    long v = (f & N_NEG) != 0 ? -r.integer : r.integer;
                    r.rlen = (int) v; // kept in an int32, as memcached keeps it
                }
                break;
            case ROLE_CAS:
                if (!strtoul(r, f)) {
                    f |= F_BAD_CAS;
                }
                break;
            case ROLE_DELTA:
                if (!strtoul(r, f)) {
                    f |= F_BAD_DELTA;
                }
                break;
            default:
                if (argi == 2 && r.type == REQ_DELETE && len != 1) {
                    f &= ~F_HOLD_ZERO;
                }
                break;
        }
        r.flags = f;
        r.narg++;
        r.argi++;
    }

    /** safe_strtoul / safe_strtoull on 64-bit Linux: the word read so far is a valid unsigned number. */
    private static boolean strtoul(Msg r, int f) {
        int n = f & N_MASK;
        if ((n != N_DIGITS && n != N_TRAIL) || (f & N_OVF) != 0) {
            return false;
        }
        long v = (f & N_NEG) != 0 ? -r.integer : r.integer;
        // a value negative as a signed number is refused when the word has a '-'
        return v >= 0 || (f & N_ANY_MINUS) == 0;
    }

    /** safe_strtol on 64-bit Linux: a valid signed long (what is then kept is its low 32 bits). */
    private static boolean strtol(Msg r, int f) {
        int n = f & N_MASK;
        if ((n != N_DIGITS && n != N_TRAIL) || (f & N_OVF) != 0) {
            return false;
        }
        long m = r.integer;
        if ((f & N_NEG) != 0) {
            return Long.compareUnsigned(m, TWO63) <= 0;
        }
        return m >= 0;
    }

    /**
     * The end of a request line: decides as memcached's process_command_ascii() would. Returns SW_VAL when a
     * data block follows, else SW_START (the request is complete).
     */
    private static int verdict(Msg r) {
        int type = r.type;
        int words = r.narg;
        int f = r.flags;
        boolean lastNoreply = (f & F_LAST_NOREPLY) != 0;
        r.noreply = false;
        if (words == 0) {
            return refuse(r, PERR_ERROR);
        }
        switch (type) {
            case REQ_GET:
            case REQ_GETS:
                if (words < 2) {
                    return refuse(r, PERR_ERROR);
                }
                if ((f & F_BAD_KEY) != 0) {
                    return refuse(r, PERR_BAD_FORMAT);
                }
                return SW_START;

            case REQ_SET:
            case REQ_ADD:
            case REQ_REPLACE:
            case REQ_APPEND:
            case REQ_PREPEND:
            case REQ_CAS: {
                int min = type == REQ_CAS ? 6 : 5;
                if (words != min && words != min + 1) {
                    return refuse(r, PERR_ERROR);
                }
                int perr = PERR_NONE;
                if ((f & (F_BAD_KEY | F_BAD_NUM | F_BAD_CAS)) != 0 || r.rlen < 0 || r.rlen > Integer.MAX_VALUE - 2) {
                    perr = PERR_BAD_FORMAT;
                }
                if (perr != PERR_NONE) {
                    return refuse(r, lastNoreply ? PERR_SILENT : perr);
                }
                r.noreply = lastNoreply;
                return SW_VAL;
            }

            case REQ_INCR:
            case REQ_DECR:
            case REQ_TOUCH:
                if (words != 3 && words != 4) {
                    return refuse(r, PERR_ERROR);
                }
                if ((f & F_BAD_KEY) != 0) {
                    return refuse(r, lastNoreply ? PERR_SILENT : PERR_BAD_FORMAT);
                }
                if ((f & (F_BAD_DELTA | F_BAD_EXPTIME)) != 0) {
                    return refuse(r, lastNoreply ? PERR_SILENT
                            : type == REQ_TOUCH ? PERR_BAD_EXPTIME : PERR_BAD_DELTA);
                }
                r.noreply = lastNoreply;
                return SW_START;

            case REQ_DELETE: {
                if (words < 2 || words > 4) {
                    return refuse(r, PERR_ERROR);
                }
                boolean noreply = false;
                if (words > 2) {
                    boolean zero = (f & F_HOLD_ZERO) != 0;
                    noreply = lastNoreply;
                    boolean valid = (words == 3 && (zero || noreply)) || (words == 4 && zero && noreply);
                    if (!valid) {
                        return refuse(r, noreply ? PERR_SILENT : PERR_DELETE_USAGE);
                    }
                }
                if ((f & F_BAD_KEY) != 0) {
                    return refuse(r, noreply ? PERR_SILENT : PERR_BAD_FORMAT);
                }
                r.noreply = noreply;
                return SW_START;
            }

            case REQ_QUIT:
                r.quit = true;
                r.noforward = true;
                return SW_START;

            case REQ_VERSION:
                // forwarded to the server of the key "placeholder" (no keys)
                return SW_START;

            default:
                return refuse(r, PERR_ERROR);
        }
    }

    private static int refuse(Msg r, int perr) {
        r.noforward = true;
        r.noreply = false;
        r.perr = perr;
        // keys of a refused request are not routed anywhere
        for (int i = 0; i < r.nkeys; i++) {
            r.keyMbuf[i] = null;
        }
        r.nkeys = 0;
        return SW_START;
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
            case 3:
                return tail == R_END ? RSP_END : UNKNOWN;
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
                        if ((r.flags & RF_VALUES) != 0 && t != RSP_VALUE && t != RSP_END) {
                            return rspError(r, p, state); // only VALUE or END may follow a value
                        }
                        if (t != RSP_VALUE) {
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
                                r.type = t;
                                state = SW_RSP_RUNTO_CRLF;
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
                        state = r.type == RSP_VALUE ? SW_RUNTO_VAL : SW_RSP_ALMOST_DONE;
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
                    r.keyLen[r.nkeys - 1] = (int) (r.rnarg + 1 + r.rlen + 2);
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
                    p++;
                    r.state = SW_RSP_START;
                    r.pos = p;
                    r.flags &= ~RF_VALUES;
                    r.argi = 0; // the coalesce cursor over the VALUE blocks
                    return ParseResult.OK;

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
