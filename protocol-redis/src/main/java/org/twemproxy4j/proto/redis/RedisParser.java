package org.twemproxy4j.proto.redis;

import io.netty.buffer.ByteBuf;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ParseResult;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * Mirrors redis_parse_req() and redis_parse_rsp() (proto/nc_redis.c): explicit, resumable byte state
 * machines over the mbufs of a message. All state lives in the {@link Msg} ({@code state}, {@code pos},
 * {@code rlen}, {@code narg}, {@code argi}, {@code integer}, {@code llen}, {@code flags}, {@code depth},
 * {@code stack}), so parsing resumes at any byte: a request split anywhere, one byte per read, or
 * thousands of requests in one read.
 *
 * <p>Requests come in both forms redis-server accepts (nutcracker takes only the first):
 * <pre>
 *   multibulk: *&lt;argc&gt;\r\n ( $&lt;len&gt;\r\n &lt;len bytes&gt;\r\n ){argc}
 *   inline:    cmd arg "quoted arg" 'arg'\n          (a \r before the \n is dropped)
 * </pre>
 * The command name must be contiguous to be looked up: when it straddles the end of a full mbuf the parser
 * returns REPAIR and the core moves the partial name into a fresh mbuf. Keys are recorded as
 * (mbuf, start, length) and may span mbufs. The parser reproduces redis-server's leniency (the two bytes
 * after a bulk are not checked) and its framing errors ({@link #PERR_MBULK_LEN} ...), which the proxy
 * answers as redis does, after every earlier reply, before closing.
 *
 * <p>Stateless; every method is a pure function of the message: thread-safe.
 */
public final class RedisParser {
    // framing errors (Msg.perr), answered "-ERR Protocol error: ..." then close
    public static final int PERR_MBULK_LEN = 1;      // invalid multibulk length
    public static final int PERR_BULK_LEN = 2;       // invalid bulk length
    public static final int PERR_DOLLAR = 3;         // expected '$', got 'c' (c in Msg.integer)
    public static final int PERR_INLINE_BIG = 4;     // too big inline request
    public static final int PERR_QUOTES = 5;         // unbalanced quotes in request
    public static final int PERR_MBULK_BIG = 6;      // too big mbulk count string
    public static final int PERR_BULK_BIG = 7;       // too big bulk count string
    static final int PERR_FRAMING_MAX = 99;
    // command errors (Msg.perr), answered, the connection stays open
    public static final int PERR_UNKNOWN = 100;      // unknown command
    public static final int PERR_ARITY = 101;        // wrong number of arguments
    public static final int PERR_NOTINT = 102;       // value is not an integer or out of range
    public static final int PERR_EVAL_KEYS = 103;    // Number of keys can't be greater than number of args
    public static final int PERR_EVAL_NEG = 104;     // Number of keys can't be negative
    public static final int PERR_REFUSED = 106;      // an administration command: not forwarded by the proxy
    public static final int PERR_IGNORE = -1;        // "*0", "*-1", an empty inline line: no reply

    static final int PROTO_INLINE_MAX_SIZE = 64 * 1024;
    static final long PROTO_MAX_BULK_LEN = 512L * 1024 * 1024;
    static final int PROTO_MAX_MBULK = Integer.MAX_VALUE; // redis-server accepts up to INT_MAX arguments

    // request states
    static final int SW_START = 0;
    static final int SW_NARG = 1;
    static final int SW_NARG_LF = 2;
    static final int SW_ARG_LEN_START = 3;
    static final int SW_ARG_LEN = 4;
    static final int SW_ARG_LEN_LF = 5;
    static final int SW_CMD = 6;
    static final int SW_ARG = 7;
    static final int SW_ARG_NUM = 8;
    static final int SW_ARG_CR = 9;
    static final int SW_ARG_LF = 10;
    static final int SW_INLINE_CMD = 11;
    static final int SW_INLINE_SPACE = 12;
    static final int SW_INLINE_TOKEN = 13;
    static final int SW_INLINE_DQ = 14;
    static final int SW_INLINE_DQ_ESC = 15;
    static final int SW_INLINE_SQ = 16;
    static final int SW_INLINE_SQ_ESC = 17;
    static final int SW_INLINE_QEND = 18;

    // Msg.flags bits while parsing a number
    private static final int NUM_NEG = 1;
    private static final int NUM_BAD = 2;
    private static final int NUM_LEAD0 = 4;
    private static final int NUM_ANY = 8;
    private static final int TOK_KEY = 16;       // the inline token being read is a key
    private static final int TOK_NUM = 32;       // the inline token being read is EVAL's numkeys
    private static final int NUMKEYS_BAD = 64;   // EVAL numkeys is not an integer
    /** Msg.flags of a parsed XREAD/XREADGROUP with BLOCK: a blocking (session) command, its time in Msg.integer. */
    public static final int BLOCKING = 1 << 10;

    private RedisParser() {
    }

    private static RedisCommand.Kind kind(Msg r) {
        RedisCommand c = RedisCommand.of(r.type);
        return c == null ? null : c.kind;
    }

    /** True when argument {@code argi} (0 = the command) of {@code r} is a key. */
    private static boolean isKey(Msg r, int argi) {
        if (argi == 0) {
            return false;
        }
        RedisCommand c = RedisCommand.of(r.type);
        if (c == null) {
            return false;
        }
        switch (c.kind) {
            case KEY1:
                return argi == c.first;
            case ARGX:
                return true;
            case ARGKVX:
                return true; // keys and their values: MSET is fragmented pair by pair
            case EVAL:
                // every key: the core forwards when they share a server, else answers -CROSSSLOT
                return argi >= 3 && (r.flags & NUMKEYS_BAD) == 0 && argi < 3 + r.integer;
            case MULTI:
                return argi >= c.first && (c.last < 0 || argi <= c.last);
            case NUMKEYS:
            case STREAMS:
            case STORE:
            case POOL:
            case SESSION:
                // every argument; finish() keeps the keys (POOL: the arguments, for SCAN's rewrite)
                return true;
            default:
                return false;
        }
    }

    private static boolean isNumkeys(Msg r, int argi) {
        return argi == 2 && kind(r) == RedisCommand.Kind.EVAL;
    }

    /** Adds a digit (or sign) of a redis string2ll number to the parse state. */
    private static void numByte(Msg r, byte ch) {
        int f = r.flags;
        if ((f & NUM_BAD) != 0) {
            return;
        }
        if (ch == '-' && (f & (NUM_ANY | NUM_NEG)) == 0) {
            r.flags = f | NUM_NEG;
            return;
        }
        if (ch < '0' || ch > '9' || (f & NUM_LEAD0) != 0) {
            r.flags = f | NUM_BAD;
            return;
        }
        if ((f & NUM_ANY) == 0) {
            if (ch == '0') {
                f |= NUM_LEAD0;
            }
            f |= NUM_ANY;
        }
        long v = r.rlen * 10 + (ch - '0');
        if (v > (1L << 40)) {
            f |= NUM_BAD; // far beyond any valid length or count
        }
        r.rlen = v;
        r.flags = f;
    }

    /** The number parsed so far, or Long.MIN_VALUE when it is not a valid string2ll. */
    private static long numValue(Msg r) {
        int f = r.flags;
        if ((f & (NUM_BAD | NUM_ANY)) != NUM_ANY) {
            return Long.MIN_VALUE;
        }
        if ((f & NUM_NEG) != 0) {
            if ((f & NUM_LEAD0) != 0) {
                return Long.MIN_VALUE; // "-0"
            }
            return -r.rlen;
        }
        return r.rlen;
    }

    private static void numReset(Msg r) {
        r.flags &= ~(NUM_NEG | NUM_BAD | NUM_LEAD0 | NUM_ANY);
        r.rlen = 0;
        r.llen = 0;
    }

    private static int error(Msg r, int perr, int p) {
        r.perr = perr;
        r.pos = p;
        return ParseResult.ERROR;
    }

    /** Mirrors redis_parse_req(). */
    public static int parseRequest(Msg r) {
        Mbuf b = r.mhdr.last();
        ByteBuf buf = b.byteBuf();
        int p = r.pos;
        final int last = b.last();
        int state = r.state;

        while (p < last) {
            byte ch = buf.getByte(p);
            switch (state) {
                case SW_START:
                    r.narg = 0;
                    r.argi = 0;
                    r.type = 0;
                    r.integer = 0;
                    r.flags = 0;
                    if (ch == '*') {
                        numReset(r);
                        state = SW_NARG;
                        p++;
                    } else {
                        r.llen = 0;
                        r.token = p;
                        state = SW_INLINE_SPACE;
                    }
                    break;

                case SW_NARG:
                    if (ch == '\r') {
                        long n = numValue(r);
                        if (n == Long.MIN_VALUE || n > PROTO_MAX_MBULK) {
                            return error(r, PERR_MBULK_LEN, p);
                        }
                        if (n <= 0) {
                            r.perr = PERR_IGNORE;
                            r.narg = 0;
                        } else {
                            r.narg = (int) n;
                        }
                        state = SW_NARG_LF;
                    } else {
                        if (++r.llen > PROTO_INLINE_MAX_SIZE) {
                            return error(r, PERR_MBULK_BIG, p);
                        }
                        numByte(r, ch);
                    }
                    p++;
                    break;

                case SW_NARG_LF:
                    p++; // redis skips the byte after '\r' without looking at it
                    if (r.narg == 0) {
                        r.state = SW_START;
                        r.pos = p;
                        r.noforward = true;
                        return ParseResult.OK;
                    }
                    state = SW_ARG_LEN_START;
                    break;

                case SW_ARG_LEN_START:
                    if (ch != '$') {
                        r.integer = ch & 0xff;
                        return error(r, PERR_DOLLAR, p);
                    }
                    numReset(r);
                    state = SW_ARG_LEN;
                    p++;
                    break;

                case SW_ARG_LEN:
                    if (ch == '\r') {
                        long n = numValue(r);
                        if (n < 0 || n > PROTO_MAX_BULK_LEN) {
                            return error(r, PERR_BULK_LEN, p);
                        }
                        r.rlen = n;
                        state = SW_ARG_LEN_LF;
                    } else {
                        if (++r.llen > PROTO_INLINE_MAX_SIZE) {
                            return error(r, PERR_BULK_BIG, p);
                        }
                        numByte(r, ch);
                    }
                    p++;
                    break;

                case SW_ARG_LEN_LF: {
                    p++;
                    int argi = r.argi;
                    if (argi == 0) {
                        if (r.rlen > 0 && r.rlen <= RedisCommand.MAX_NAME) {
                            state = SW_CMD;
                        } else {
                            r.type = 0; // cannot be a known command
                            state = r.rlen == 0 ? SW_ARG_CR : SW_ARG;
                        }
                    } else {
                        if (isKey(r, argi)) {
                            r.addKey(b, p, (int) r.rlen);
                        }
                        if (isNumkeys(r, argi)) {
                            r.integer = 0;
                            r.llen = 0;
                            r.flags &= ~(NUM_NEG | NUM_BAD | NUM_LEAD0 | NUM_ANY);
                            state = r.rlen == 0 ? SW_ARG_CR : SW_ARG_NUM;
                            if (r.rlen == 0) {
                                r.flags |= NUMKEYS_BAD;
                            }
                        } else {
                            state = r.rlen == 0 ? SW_ARG_CR : SW_ARG;
                        }
                    }
                    break;
                }

                case SW_CMD: {
                    int len = (int) r.rlen;
                    if (last - p < len) {
                        r.state = state;
                        r.pos = p;
                        return b.full() ? ParseResult.REPAIR : ParseResult.AGAIN;
                    }
                    RedisCommand c = RedisCommand.lookup(buf, p, len);
                    r.type = c == null ? 0 : c.type();
                    p += len;
                    r.rlen = 0;
                    state = SW_ARG_CR;
                    break;
                }

                case SW_ARG: {
                    long n = Math.min(r.rlen, last - p);
                    p += (int) n;
                    r.rlen -= n;
                    if (r.rlen == 0) {
                        state = SW_ARG_CR;
                    }
                    break;
                }

                case SW_ARG_NUM:
                    numkeysByte(r, ch);
                    p++;
                    if (--r.rlen == 0) {
                        finishNumkeys(r);
                        state = SW_ARG_CR;
                    }
                    break;

                case SW_ARG_CR:
                    p++;
                    state = SW_ARG_LF;
                    break;

                case SW_ARG_LF:
                    p++;
                    if (++r.argi == r.narg) {
                        r.state = SW_START;
                        r.pos = p;
                        finish(r);
                        return ParseResult.OK;
                    }
                    state = SW_ARG_LEN_START;
                    break;

                // inline form: a line of space separated tokens

                case SW_INLINE_SPACE:
                    if (ch == '\n') {
                        p++;
                        return inlineDone(r, p);
                    }
                    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == 0x0b) {
                        p++;
                        if (++r.llen > PROTO_INLINE_MAX_SIZE) {
                            return error(r, PERR_INLINE_BIG, p);
                        }
                        break;
                    }
                    // a token starts
                    r.flags &= ~(TOK_KEY | TOK_NUM | NUM_NEG | NUM_BAD | NUM_LEAD0 | NUM_ANY);
                    r.rlen = 0;
                    if (r.argi == 0 && ch != '"' && ch != '\'') {
                        r.token = p;
                        state = SW_INLINE_CMD;
                        break;
                    }
                    if (ch == '"' || ch == '\'') {
                        p++;
                        r.llen++;
                        state = ch == '"' ? SW_INLINE_DQ : SW_INLINE_SQ;
                    } else {
                        state = SW_INLINE_TOKEN;
                    }
                    if (isKey(r, r.argi)) {
                        r.flags |= TOK_KEY;
                        r.addKey(b, p, 0);
                    } else if (isNumkeys(r, r.argi)) {
                        r.flags |= TOK_NUM;
                        r.integer = 0;
                    }
                    break;

                case SW_INLINE_CMD: {
                    // p is always the start of the name here (a repair may have moved it to a new mbuf)
                    r.token = p;
                    int q = p;
                    int max = p + RedisCommand.MAX_NAME + 1;
                    while (q < last && q < max) {
                        byte c = buf.getByte(q);
                        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0x0b) {
                            break;
                        }
                        q++;
                    }
                    if (q == last && q < max) {
                        // the name may continue: it must be contiguous to be looked up
                        r.state = state;
                        r.pos = r.token;
                        p = r.token;
                        if (r.llen + (last - p) > PROTO_INLINE_MAX_SIZE) {
                            return error(r, PERR_INLINE_BIG, p);
                        }
                        return b.full() ? ParseResult.REPAIR : ParseResult.AGAIN;
                    }
                    int len = q - r.token;
                    if (q < max) {
                        RedisCommand c = RedisCommand.lookup(buf, r.token, len);
                        r.type = c == null ? 0 : c.type();
                        r.argi = 1;
                        r.llen += len;
                        p = q;
                        state = SW_INLINE_SPACE;
                    } else {
                        // longer than any command: unknown, skip the rest of the token
                        r.type = 0;
                        r.llen += len;
                        p = q;
                        state = SW_INLINE_TOKEN;
                    }
                    break;
                }

                case SW_INLINE_TOKEN:
                    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == 0x0b) {
                        endToken(r);
                        state = SW_INLINE_SPACE;
                        break; // the delimiter is handled in SW_INLINE_SPACE
                    }
                    tokenByte(r, ch);
                    p++;
                    if (++r.llen > PROTO_INLINE_MAX_SIZE) {
                        return error(r, PERR_INLINE_BIG, p);
                    }
                    break;

                case SW_INLINE_DQ:
                case SW_INLINE_SQ:
                    if (ch == '\n') {
                        return error(r, PERR_QUOTES, p);
                    }
                    p++;
                    if (++r.llen > PROTO_INLINE_MAX_SIZE) {
                        return error(r, PERR_INLINE_BIG, p);
                    }
                    if (ch == '\\') {
                        tokenByte(r, ch);
                        state = state == SW_INLINE_DQ ? SW_INLINE_DQ_ESC : SW_INLINE_SQ_ESC;
                    } else if ((ch == '"' && state == SW_INLINE_DQ) || (ch == '\'' && state == SW_INLINE_SQ)) {
                        endToken(r);
                        state = SW_INLINE_QEND;
                    } else {
                        tokenByte(r, ch);
                    }
                    break;

                case SW_INLINE_DQ_ESC:
                case SW_INLINE_SQ_ESC:
                    if (ch == '\n') {
                        return error(r, PERR_QUOTES, p);
                    }
                    tokenByte(r, ch);
                    p++;
                    if (++r.llen > PROTO_INLINE_MAX_SIZE) {
                        return error(r, PERR_INLINE_BIG, p);
                    }
                    state = state == SW_INLINE_DQ_ESC ? SW_INLINE_DQ : SW_INLINE_SQ;
                    break;

                case SW_INLINE_QEND:
                    // a closing quote must be followed by a space or the end of the line
                    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == 0x0b) {
                        state = SW_INLINE_SPACE;
                        break;
                    }
                    return error(r, PERR_QUOTES, p);

                default:
                    throw new IllegalStateException("redis request parser in state " + state);
            }
        }
        r.state = state;
        r.pos = p;
        return ParseResult.AGAIN;
    }

    private static void tokenByte(Msg r, byte ch) {
        int f = r.flags;
        if ((f & TOK_KEY) != 0) {
            r.keyLen[r.nkeys - 1]++;
        } else if ((f & TOK_NUM) != 0) {
            numkeysByte(r, ch);
        }
    }

    private static void endToken(Msg r) {
        if ((r.flags & TOK_NUM) != 0) {
            finishNumkeys(r);
        }
        r.flags &= ~(TOK_KEY | TOK_NUM);
        r.argi++;
    }

    /** EVAL numkeys digits go to Msg.integer; their validity to NUMKEYS_BAD (NUM_* bits track the form). */
    private static void numkeysByte(Msg r, byte ch) {
        int f = r.flags;
        if ((f & NUMKEYS_BAD) != 0) {
            return;
        }
        if (ch == '-' && (f & (NUM_ANY | NUM_NEG)) == 0) {
            r.flags = f | NUM_NEG;
            return;
        }
        if (ch < '0' || ch > '9' || (f & NUM_LEAD0) != 0 || r.integer > Integer.MAX_VALUE) {
            r.flags = f | NUMKEYS_BAD;
            return;
        }
        if ((f & NUM_ANY) == 0 && ch == '0') {
            f |= NUM_LEAD0;
        }
        r.flags = f | NUM_ANY;
        r.integer = r.integer * 10 + (ch - '0');
    }

    private static void finishNumkeys(Msg r) {
        int f = r.flags;
        if ((f & NUM_ANY) == 0 || ((f & NUM_NEG) != 0 && (f & NUM_LEAD0) != 0)) {
            r.flags = f | NUMKEYS_BAD;
        } else if ((f & NUM_NEG) != 0) {
            r.integer = -r.integer;
        }
        r.flags &= ~(NUM_NEG | NUM_LEAD0 | NUM_ANY);
    }

    private static int inlineDone(Msg r, int p) {
        r.state = SW_START;
        r.pos = p;
        r.narg = r.argi;
        if (r.narg == 0) {
            r.perr = PERR_IGNORE;
            r.noforward = true;
            return ParseResult.OK;
        }
        finish(r);
        return ParseResult.OK;
    }

    /** Checks a whole request as redis-server would (unknown command, arity) and marks local ones. */
    private static void finish(Msg r) {
        RedisCommand c = RedisCommand.of(r.type);
        r.rlen = 0;
        if (c == null) {
            r.noforward = true;
            r.perr = PERR_UNKNOWN;
            return;
        }
        int argc = r.narg;
        if (!c.arityOk(argc) || (c == RedisCommand.PING && argc > 2)
                || (c == RedisCommand.MSET && (argc & 1) == 0)) {
            r.noforward = true;
            r.perr = PERR_ARITY;
            return;
        }
        if (c.kind == RedisCommand.Kind.ARGKVX) {
            r.keyStep = 2;
        }
        switch (c.kind) {
            case MULTI:
                if (c.last < 0 && r.nkeys > 0) {
                    r.nkeys = Math.max(0, r.nkeys - (-c.last - 1));
                }
                if (c.step == 2) {
                    r.keyStep = 2; // MSETNX: keys and values alternate; only the keys route
                    r.nkeys &= ~1;
                }
                return;
            case NUMKEYS:
                numkeysKeys(r, c);
                return;
            case STREAMS:
                streamsKeys(r);
                return;
            case STORE:
                storeKeys(r, c);
                return;
            case SESSION:
                sessionKeys(r, c);
                return;
            case REFUSED:
                r.noforward = true;
                r.perr = PERR_REFUSED;
                return;
            case LOCAL:
                r.noforward = true;
                if (c == RedisCommand.QUIT) {
                    r.quit = true;
                }
                return;
            case EVAL:
                if ((r.flags & NUMKEYS_BAD) != 0) {
                    r.noforward = true;
                    r.perr = PERR_NOTINT;
                } else if (r.integer < 0) {
                    r.noforward = true;
                    r.perr = PERR_EVAL_NEG;
                } else if (r.integer > argc - 3) {
                    r.noforward = true;
                    r.perr = PERR_EVAL_KEYS;
                }
                return;
            default:
                return;
        }
    }

    // co-located commands whose keys are known only once the whole request is parsed: every argument was
    // recorded (entry i is argument i+1), and the entries that are not keys are dropped here, in place

    /** Moves key entry {@code from} to position {@code to} (to <= from): compaction in place. */
    private static void moveKey(Msg r, int from, int to) {
        r.keyMbuf[to] = r.keyMbuf[from];
        r.keyStart[to] = r.keyStart[from];
        r.keyLen[to] = r.keyLen[from];
    }

    /** Drops every key entry from {@code n} on. */
    private static void truncateKeys(Msg r, int n) {
        for (int j = n; j < r.nkeys; j++) {
            r.keyMbuf[j] = null;
        }
        r.nkeys = n;
    }

    /** Keeps entries [from, to) and, when {@code dest}, entry 0, compacted in place (no allocation). */
    private static void keepRange(Msg r, boolean dest, int from, int to) {
        to = Math.min(to, r.nkeys);
        int n = dest && r.nkeys > 0 ? 1 : 0;
        for (int i = Math.max(from, n); i < to; i++) {
            moveKey(r, i, n++);
        }
        truncateKeys(r, n);
    }

    /** Byte {@code k} of key entry {@code i} (which may continue in later mbufs). */
    private static byte entryByte(Msg r, int i, int k) {
        Mbuf m = r.keyMbuf[i];
        int p = r.keyStart[i] + k;
        while (p >= m.last()) {
            p -= m.last();
            m = m.next();
            p += m.pos();
        }
        return m.getByte(p);
    }

    /** True when key entry {@code i} is {@code word} (upper case), compared in place, ignoring ASCII case. */
    private static boolean entryIs(Msg r, int i, String word) {
        if (i >= r.nkeys || r.keyLen[i] != word.length()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            byte b = entryByte(r, i, k);
            if (b >= 'a' && b <= 'z') {
                b -= 32;
            }
            if (b != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Key entry {@code i} as a non-negative decimal of at most 10 digits, or -1. */
    private static long entryCount(Msg r, int i) {
        int len = r.keyLen[i];
        if (len == 0 || len > 10) {
            return -1;
        }
        long v = 0;
        for (int k = 0; k < len; k++) {
            byte b = entryByte(r, i, k);
            if (b < '0' || b > '9') {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    /** NUMKEYS: numkeys at argument {@code c.first}, its keys right after, and a destination at 1 if any. */
    private static void numkeysKeys(Msg r, RedisCommand c) {
        int ni = c.first - 1;
        long nk = ni < r.nkeys ? entryCount(r, ni) : -1;
        if (nk <= 0) {
            keepRange(r, c.last == 1, 0, 0); // the server answers the bad numkeys
            return;
        }
        keepRange(r, c.last == 1, ni + 1, (int) Math.min(Integer.MAX_VALUE, ni + 1 + nk));
    }

    /** STREAMS: XREAD [COUNT n] [BLOCK ms] STREAMS k.. id..; XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK]. */
    private static void streamsKeys(Msg r) {
        int i = 0;
        int s = -1;
        while (i < r.nkeys) {
            if (entryIs(r, i, "STREAMS")) {
                s = i;
                break;
            } else if (entryIs(r, i, "BLOCK")) {
                // a blocking read: on the client's session connection, for at most this many ms (0 for ever)
                r.flags |= BLOCKING;
                r.integer = i + 1 < r.nkeys ? RedisSession.millis(r, i + 1) : 0;
                i += 2;
            } else if (entryIs(r, i, "GROUP")) {
                i += 3;
            } else if (entryIs(r, i, "COUNT")) {
                i += 2;
            } else {
                i++;
            }
        }
        int rest = s < 0 ? 0 : r.nkeys - s - 1;
        if (rest <= 0 || (rest & 1) != 0) {
            keepRange(r, false, 0, 0); // the server answers the syntax error
            return;
        }
        keepRange(r, false, s + 1, s + 1 + rest / 2);
    }

    /**
     * SESSION: the keys of a session command (the channels of SUBSCRIBE, a pattern of PSUBSCRIBE, the channel
     * of PUBLISH, every argument of PUBSUB), and a blocking command's block time in ms in {@code Msg.integer}
     * (0 blocks for ever; a bad time leaves 0 and the server answers the error).
     */
    private static void sessionKeys(Msg r, RedisCommand c) {
        r.integer = 0;
        int n = r.nkeys;
        switch (c) {
            case BLPOP:
            case BRPOP:
            case BZPOPMIN:
            case BZPOPMAX:
                r.integer = n > 0 ? RedisSession.seconds(r, n - 1) : 0;
                keepRange(r, false, 0, n - 1);
                return;
            case BLMOVE:
                r.integer = n > 4 ? RedisSession.seconds(r, 4) : 0;
                keepRange(r, false, 0, 2);
                return;
            case BRPOPLPUSH:
                r.integer = n > 2 ? RedisSession.seconds(r, 2) : 0;
                keepRange(r, false, 0, 2);
                return;
            case BLMPOP:
            case BZMPOP: {
                r.integer = n > 0 ? RedisSession.seconds(r, 0) : 0;
                long nk = n > 1 ? entryCount(r, 1) : -1;
                if (nk <= 0) {
                    keepRange(r, false, 0, 0); // the server answers the bad numkeys
                } else {
                    keepRange(r, false, 2, (int) Math.min(Integer.MAX_VALUE, 2 + nk));
                }
                return;
            }
            case WAIT:
                r.integer = n > 1 ? RedisSession.millis(r, 1) : 0;
                keepRange(r, false, 0, 0);
                return;
            case PUBLISH:
            case SPUBLISH:
                keepRange(r, false, 0, 1);
                return;
            case MULTI:
            case EXEC:
            case DISCARD:
            case UNWATCH:
            case RESET:
                keepRange(r, false, 0, 0);
                return;
            default:
                return; // WATCH, (P|S)(UN)SUBSCRIBE, PUBSUB: every argument
        }
    }

    /** STORE: the key, and the argument after each STORE/STOREDIST from argument {@code c.first} on. */
    private static void storeKeys(Msg r, RedisCommand c) {
        int n = r.nkeys > 0 ? 1 : 0;
        for (int i = c.first - 1; i < r.nkeys - 1; i++) {
            if (entryIs(r, i, "STORE") || entryIs(r, i, "STOREDIST")) {
                moveKey(r, ++i, n++); // n <= i: in place
            } else if (entryIs(r, i, "BY") || entryIs(r, i, "GET")) {
                i++;
            } else if (entryIs(r, i, "LIMIT")) {
                i += 2;
            }
        }
        truncateKeys(r, n);
    }

    // responses

    static final int SW_RSP_START = 0;
    static final int SW_RSP_LINE = 1;        // +status, -error up to \r
    static final int SW_RSP_INT = 2;         // :integer up to \r
    static final int SW_RSP_LINE_LF = 3;     // the \n ending a line
    static final int SW_RSP_NUM = 4;         // $len or *count up to \r
    static final int SW_RSP_NUM_LF = 5;
    static final int SW_RSP_BULK = 6;        // bulk data
    static final int SW_RSP_BULK_CR = 7;
    static final int SW_RSP_BULK_LF = 8;

    /** Response types (Msg.type). */
    public static final int RSP_STATUS = 1;
    public static final int RSP_ERROR = 2;
    public static final int RSP_INTEGER = 3;
    public static final int RSP_BULK = 4;
    public static final int RSP_MULTIBULK = 5;

    // Msg.flags bits of a response, while parsing a number
    private static final int RSP_NUM_BULK = 1;   // '$' (else '*')
    private static final int RSP_NUM_NEG = 2;    // a '-' was seen
    private static final int RSP_NUM_ANY = 4;    // a digit was seen

    private static int rspError(Msg r, int p) {
        r.pos = p;
        return ParseResult.ERROR;
    }

    /**
     * Mirrors redis_parse_rsp(): one RESP2 reply, nested arrays included, strictly framed (a server that
     * breaks framing is closed). An error reply's first 8 bytes are kept in {@code Msg.integer} (their count
     * in {@code Msg.llen}) for {@link RedisProto#failure}; an integer reply's value in {@code Msg.integer}; the
     * elements of an array reply as key entries ({@code keyMbuf/keyStart/keyLen}, {@code nkeys} of them).
     */
    public static int parseResponse(Msg r) {
        Mbuf b = r.mhdr.last();
        ByteBuf buf = b.byteBuf();
        int p = r.pos;
        final int last = b.last();
        int state = r.state;

        while (p < last) {
            byte ch = buf.getByte(p);
            switch (state) {
                case SW_RSP_START:
                    if (r.depth == 1) {
                        r.addKey(b, p, 0); // an element of the top-level array starts: its span, for coalesce
                    }
                    p++;
                    r.flags = 0;
                    switch (ch) {
                        case '+':
                        case '-':
                            if (r.depth == 0) {
                                r.type = ch == '+' ? RSP_STATUS : RSP_ERROR;
                                r.integer = 0;
                                r.llen = 0;
                            }
                            state = SW_RSP_LINE;
                            break;
                        case ':':
                            if (r.depth == 0) {
                                r.type = RSP_INTEGER;
                                r.integer = 0;
                            }
                            state = SW_RSP_INT;
                            break;
                        case '$':
                        case '*':
                            if (r.depth == 0) {
                                r.type = ch == '$' ? RSP_BULK : RSP_MULTIBULK;
                            }
                            r.flags = ch == '$' ? RSP_NUM_BULK : 0;
                            r.rlen = 0;
                            state = SW_RSP_NUM;
                            break;
                        default:
                            return rspError(r, p - 1);
                    }
                    break;

                case SW_RSP_LINE:
                    p++;
                    if (ch == '\r') {
                        state = SW_RSP_LINE_LF;
                    } else if (ch == '\n') {
                        return rspError(r, p - 1);
                    } else if (r.depth == 0 && r.type == RSP_ERROR && r.llen < 8) {
                        r.integer = (r.integer << 8) | (ch & 0xff);
                        r.llen++;
                    }
                    break;

                case SW_RSP_INT:
                    p++;
                    if (ch == '\r') {
                        if ((r.flags & RSP_NUM_ANY) == 0) {
                            return rspError(r, p - 1);
                        }
                        if (r.depth == 0 && (r.flags & RSP_NUM_NEG) != 0) {
                            r.integer = -r.integer;
                        }
                        state = SW_RSP_LINE_LF;
                    } else if (ch == '-' && r.flags == 0) {
                        r.flags = RSP_NUM_NEG;
                    } else if (ch >= '0' && ch <= '9') {
                        r.flags |= RSP_NUM_ANY;
                        if (r.depth == 0) {
                            r.integer = r.integer * 10 + (ch - '0'); // the value, for coalesce (sums)
                        }
                    } else {
                        return rspError(r, p - 1);
                    }
                    break;

                case SW_RSP_LINE_LF:
                    p++;
                    if (ch != '\n') {
                        return rspError(r, p - 1);
                    }
                    if (elementDone(r, b, p)) {
                        r.state = SW_RSP_START;
                        r.pos = p;
                        return ParseResult.OK;
                    }
                    state = SW_RSP_START;
                    break;

                case SW_RSP_NUM:
                    p++;
                    if (ch == '\r') {
                        if ((r.flags & RSP_NUM_ANY) == 0) {
                            return rspError(r, p - 1);
                        }
                        state = SW_RSP_NUM_LF;
                    } else if (ch == '-' && (r.flags & (RSP_NUM_NEG | RSP_NUM_ANY)) == 0) {
                        r.flags |= RSP_NUM_NEG;
                    } else if (ch >= '0' && ch <= '9') {
                        r.flags |= RSP_NUM_ANY;
                        r.rlen = r.rlen * 10 + (ch - '0');
                        if (r.rlen > (1L << 40)) {
                            return rspError(r, p - 1);
                        }
                    } else {
                        return rspError(r, p - 1);
                    }
                    break;

                case SW_RSP_NUM_LF: {
                    p++;
                    if (ch != '\n') {
                        return rspError(r, p - 1);
                    }
                    boolean nil = (r.flags & RSP_NUM_NEG) != 0;
                    long n = r.rlen;
                    if (nil && n != 1) {
                        return rspError(r, p - 1); // only -1 means nil
                    }
                    if ((r.flags & RSP_NUM_BULK) != 0) {
                        if (nil) {
                            if (elementDone(r, b, p)) {
                                r.state = SW_RSP_START;
                                r.pos = p;
                                return ParseResult.OK;
                            }
                            state = SW_RSP_START;
                        } else if (n == 0) {
                            state = SW_RSP_BULK_CR;
                        } else {
                            state = SW_RSP_BULK;
                        }
                    } else {
                        if (nil || n == 0) {
                            if (elementDone(r, b, p)) {
                                r.state = SW_RSP_START;
                                r.pos = p;
                                return ParseResult.OK;
                            }
                        } else {
                            push(r, (int) n);
                        }
                        state = SW_RSP_START;
                    }
                    break;
                }

                case SW_RSP_BULK: {
                    long n = Math.min(r.rlen, last - p);
                    p += (int) n;
                    r.rlen -= n;
                    if (r.rlen == 0) {
                        state = SW_RSP_BULK_CR;
                    }
                    break;
                }

                case SW_RSP_BULK_CR:
                    if (ch != '\r') {
                        return rspError(r, p);
                    }
                    p++;
                    state = SW_RSP_BULK_LF;
                    break;

                case SW_RSP_BULK_LF:
                    if (ch != '\n') {
                        return rspError(r, p);
                    }
                    p++;
                    if (elementDone(r, b, p)) {
                        r.state = SW_RSP_START;
                        r.pos = p;
                        return ParseResult.OK;
                    }
                    state = SW_RSP_START;
                    break;

                default:
                    throw new IllegalStateException("redis response parser in state " + state);
            }
        }
        r.state = state;
        r.pos = p;
        return ParseResult.AGAIN;
    }

    private static void push(Msg r, int n) {
        if (r.depth == r.stack.length) {
            r.stack = java.util.Arrays.copyOf(r.stack, r.depth << 1);
        }
        r.stack[r.depth++] = n;
    }

    /**
     * One element finished just before {@code p} in {@code b}: true when it completes the whole reply. An element
     * of the top-level array gets the length of its span (recorded as a key entry of the response: mbuf, start,
     * length, possibly over several mbufs), so coalesce splices elements without parsing the reply again.
     */
    private static boolean elementDone(Msg r, Mbuf b, int p) {
        while (r.depth > 0) {
            if (r.depth == 1) {
                int i = r.nkeys - 1;
                Mbuf m = r.keyMbuf[i];
                int start = r.keyStart[i];
                int len;
                if (m == b) {
                    len = p - start;
                } else {
                    len = m.last() - start;
                    for (Mbuf x = m.next(); x != b; x = x.next()) {
                        len += x.length();
                    }
                    len += p - b.pos();
                }
                r.keyLen[i] = len;
            }
            if (--r.stack[r.depth - 1] > 0) {
                return false;
            }
            r.depth--;
        }
        return true;
    }
}
