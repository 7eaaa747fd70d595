package org.twemproxy4j.proto.memcache;

import static org.twemproxy4j.proto.memcache.MemcacheParser.F_BAD_CHUNK;
import static org.twemproxy4j.proto.memcache.MemcacheParser.F_LAST_NOREPLY;
import static org.twemproxy4j.proto.memcache.MemcacheParser.F_META_QUIET;
import static org.twemproxy4j.proto.memcache.MemcacheParser.F_PREV_CR;
import static org.twemproxy4j.proto.memcache.MemcacheParser.MEMCACHE_MAX_KEY_LENGTH;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_BAD_DATA_CHUNK;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_BAD_DELTA;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_BAD_EXPTIME;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_BAD_FORMAT;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_DELETE_USAGE;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_ERROR;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_FLAGS_TOO_LONG;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_MN;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_NONE;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_OK;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_SILENT;
import static org.twemproxy4j.proto.memcache.MemcacheParser.PERR_VERSION;
import static org.twemproxy4j.proto.memcache.MemcacheParser.Q_AT;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_ADD;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_APPEND;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_CAS;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_DECR;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_DELETE;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_FLUSH_ALL;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_GAT;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_GATS;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_GET;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_GETS;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_INCR;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_MA;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_MD;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_ME;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_MG;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_MN;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_MS;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_PREPEND;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_QUIT;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_REPLACE;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_SET;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_STATS;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_TOUCH;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_VERBOSITY;
import static org.twemproxy4j.proto.memcache.MemcacheParser.REQ_VERSION;
import static org.twemproxy4j.proto.memcache.MemcacheParser.UNKNOWN;

import org.twemproxy4j.core.msg.Msg;

/**
 * memcached 1.6's judgement of a request line (proto_text.c), kept apart from {@link MemcacheParser}'s byte
 * state machine (which mirrors memcache_parse_req()): the role of each word, numbers read as {@code safe_strto*}
 * reads them, and the verdict at the end of the line (forward it, or answer with memcached's own reply).
 * nutcracker closes the connection where these rules answer; every line nutcracker accepts is accepted here.
 *
 * <p>The parser calls {@link #wordStart}, {@link #wordByte} and {@link #wordEnd} for every word after the
 * command, and {@link #verdict} at the end of the line. State lives in the {@link Msg}: the line's facts in
 * {@code flags} (the {@code F_*} bits), the role of the current word in {@code depth}, the number being read
 * in {@code integer} with its sub-state ({@code NUM_*}) in {@code stack[NUM]}. Stateless: thread-safe.
 */
final class MemcachedRules {
    // word roles (Msg.depth while a word is read)
    static final int ROLE_OTHER = 0;
    static final int ROLE_KEY = 1;
    static final int ROLE_FLAGS = 2;      // safe_strtoul
    static final int ROLE_EXPTIME = 3;    // safe_strtol
    static final int ROLE_VLEN = 4;       // safe_strtol
    static final int ROLE_CAS = 5;        // safe_strtoull
    static final int ROLE_DELTA = 6;      // safe_strtoull
    static final int ROLE_MFLAG = 7;      // a meta command's flag (one letter, then its token if any)

    // facts of a request line (Msg.flags bits; F_PREV_CR, F_LAST_NOREPLY and F_BAD_CHUNK are the parser's)
    static final int F_MATCH_NOREPLY = 2;     // the word so far is a prefix of "noreply"
    static final int F_HOLD_ZERO = 8;         // delete's third word is "0"
    static final int F_BAD_KEY = 16;          // a key longer than 250 bytes
    static final int F_BAD_NUM = 32;          // flags, exptime or bytes is not a number (or bytes < 0)
    static final int F_BAD_CAS = 64;          // cas unique is not a number
    static final int F_BAD_DELTA = 128;       // incr/decr delta is not a number
    static final int F_BAD_EXPTIME = 256;     // touch/gat exptime is not a number
    static final int F_Q_WORD = 512;          // the meta flag word so far is "q"
    // facts of the number being read
    static final int F_NUM_NEG = 1 << 16;       // its sign was '-'
    static final int F_NUM_OVF = 1 << 17;       // more than 64 bits of magnitude
    static final int F_NUM_ANY_MINUS = 1 << 18; // a '-' anywhere in the word (strchr in safe_strtoul)

    /** Index in {@link Msg#stack} of the number reader's sub-state. */
    static final int NUM = 0;
    // the number reader's sub-states: strtol's own steps
    static final int NUM_LEAD = 0;        // leading white space
    static final int NUM_SIGN = 1;        // a sign was read
    static final int NUM_DIGITS = 2;      // digits are being read
    static final int NUM_TRAIL = 3;       // white space after the digits: the rest is ignored
    static final int NUM_BAD = 4;         // not a number

    /** An ms line of this many words or more has too many flags for memcached (it reads no block). */
    static final int MS_MAX_WORDS = 20;

    private static final long TWO63 = Long.MIN_VALUE; // 2^63 as an unsigned magnitude
    private static final byte[] NOREPLY = {'n', 'o', 'r', 'e', 'p', 'l', 'y'};

    private MemcachedRules() {
    }

    /** The role of word {@code argi} (0 = the command) of a request of {@code type}. */
    static int role(int type, int argi) {
        switch (type) {
            case UNKNOWN:
            case REQ_QUIT:
            case REQ_VERSION:
            case REQ_MN:
            case REQ_STATS:
                return ROLE_OTHER;
            case REQ_VERBOSITY:
                return argi == 1 ? ROLE_FLAGS : ROLE_OTHER;
            case REQ_FLUSH_ALL:
                return argi == 1 ? ROLE_EXPTIME : ROLE_OTHER;
            case REQ_GET:
            case REQ_GETS:
                return ROLE_KEY;
            case REQ_GAT:
            case REQ_GATS:
                return argi == 1 ? ROLE_EXPTIME : ROLE_KEY;
            case REQ_MS:
                return argi == 1 ? ROLE_KEY : argi == 2 ? ROLE_VLEN : ROLE_MFLAG;
            case REQ_MG:
            case REQ_MD:
            case REQ_MA:
            case REQ_ME:
                return argi == 1 ? ROLE_KEY : ROLE_MFLAG;
            default:
                break;
        }
        if (argi == 1) {
            return ROLE_KEY;
        }
        switch (type) {
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

    /** A word after the command starts: returns its role (also kept in {@code r.depth}). */
    static int wordStart(Msg r) {
        r.integer = 0;
        r.stack[NUM] = NUM_LEAD;
        r.flags = (r.flags & ~(F_NUM_NEG | F_NUM_OVF | F_NUM_ANY_MINUS | F_Q_WORD)) | F_MATCH_NOREPLY;
        int role = role(r.type, r.argi);
        r.depth = role;
        return role;
    }

    /** Byte {@code ch} of the current word, which holds {@code r.llen} bytes so far. */
    static void wordByte(Msg r, byte ch) {
        int len = r.llen;
        int f = r.flags;
        if ((f & F_MATCH_NOREPLY) != 0 && (len >= NOREPLY.length || NOREPLY[len] != ch)) {
            f &= ~F_MATCH_NOREPLY;
        }
        int role = r.depth;
        if (role == ROLE_MFLAG) {
            // the quiet flag is the word "q"; the first one is remembered (its offset in the request)
            if (len == 0 && ch == 'q' && (f & F_META_QUIET) == 0) {
                f |= F_Q_WORD;
                r.stack[Q_AT] = r.rnarg - 1;
            } else {
                f &= ~F_Q_WORD;
            }
        } else if (role != ROLE_KEY && role != ROLE_OTHER) {
            f = numByte(r, f, ch);
        } else if (r.argi == 2 && r.type == REQ_DELETE && len == 0 && ch == '0') {
            f |= F_HOLD_ZERO;
        }
        r.flags = f;
    }

    /** One byte of a number read as strtol/strtoul do (leading white space, sign, digits, then anything). */
    private static int numByte(Msg r, int f, byte ch) {
        if (ch == '-') {
            f |= F_NUM_ANY_MINUS;
        }
        switch (r.stack[NUM]) {
            case NUM_LEAD:
                if (isSpace(ch)) {
                    return f;
                }
                if (ch == '-' || ch == '+') {
                    r.stack[NUM] = NUM_SIGN;
                    return ch == '-' ? f | F_NUM_NEG : f;
                }
                // fall through
            case NUM_SIGN:
            case NUM_DIGITS:
                if (ch >= '0' && ch <= '9') {
                    long v = r.integer;
                    int d = ch - '0';
                    // unsigned 64-bit v * 10 + d, flagging overflow
                    if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) {
                        f |= F_NUM_OVF;
                    }
                    r.integer = v * 10 + d;
                    r.stack[NUM] = NUM_DIGITS;
                    return f;
                }
                r.stack[NUM] = r.stack[NUM] == NUM_DIGITS && isSpace(ch) ? NUM_TRAIL : NUM_BAD;
                return f;
            default:
                return f; // NUM_TRAIL ignores the rest; NUM_BAD stays bad
        }
    }

    /** The current word (of {@code r.llen > 0} bytes) ends: its facts are folded into the line's. */
    static void wordEnd(Msg r) {
        int len = r.llen;
        int f = r.flags;
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
                    int t = r.type;
                    f |= t == REQ_TOUCH || t == REQ_GAT || t == REQ_GATS ? F_BAD_EXPTIME : F_BAD_NUM;
                } else if (r.type == REQ_GAT || r.type == REQ_GATS || r.type == REQ_FLUSH_ALL) {
                    // gat's exptime and flush_all's delay, as memcached keeps them (an int32), for the fragments
                    r.rlen = (int) ((f & F_NUM_NEG) != 0 ? -r.integer : r.integer);
                }
                break;
            case ROLE_MFLAG:
                if ((f & F_Q_WORD) != 0) {
                    f = (f & ~F_Q_WORD) | F_META_QUIET;
                }
                break;
            case ROLE_VLEN:
                if (!strtol(r, f)) {
                    f |= F_BAD_NUM;
                } else {
                    long v = (f & F_NUM_NEG) != 0 ? -r.integer : r.integer;
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
                if (r.argi == 2 && r.type == REQ_DELETE && len != 1) {
                    f &= ~F_HOLD_ZERO;
                }
                break;
        }
        r.flags = f;
    }

    /** safe_strtoul / safe_strtoull on 64-bit Linux: the word read so far is a valid unsigned number. */
    private static boolean strtoul(Msg r, int f) {
        int n = r.stack[NUM];
        if ((n != NUM_DIGITS && n != NUM_TRAIL) || (f & F_NUM_OVF) != 0) {
            return false;
        }
        long v = (f & F_NUM_NEG) != 0 ? -r.integer : r.integer;
        // a value negative as a signed number is refused when the word has a '-'
        return v >= 0 || (f & F_NUM_ANY_MINUS) == 0;
    }

    /** safe_strtol on 64-bit Linux: a valid signed long (what is then kept is its low 32 bits). */
    private static boolean strtol(Msg r, int f) {
        int n = r.stack[NUM];
        if ((n != NUM_DIGITS && n != NUM_TRAIL) || (f & F_NUM_OVF) != 0) {
            return false;
        }
        long m = r.integer;
        if ((f & F_NUM_NEG) != 0) {
            return Long.compareUnsigned(m, TWO63) <= 0;
        }
        return m >= 0;
    }

    /**
     * The end of a request line: decides as memcached's process_command_ascii() would. Returns true when a
     * data block follows (its length in {@code r.rlen}), false when the request is complete (forwarded, or
     * refused with {@code noforward} and {@code perr} naming memcached's reply).
     */
    static boolean verdict(Msg r) {
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
                return false;

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
                return true;
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
                return false;

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
                return false;
            }

            case REQ_QUIT:
                r.quit = true;
                r.noforward = true;
                return false;

            case REQ_VERSION:
                // the proxy's own version (any further words are ignored, as memcached ignores them)
                return local(r, PERR_VERSION);

            case REQ_GAT:
            case REQ_GATS:
                if (words < 3) {
                    return refuse(r, PERR_ERROR);
                }
                if ((f & F_BAD_EXPTIME) != 0) {
                    return refuse(r, PERR_BAD_EXPTIME);
                }
                if ((f & F_BAD_KEY) != 0) {
                    return refuse(r, PERR_BAD_FORMAT);
                }
                return false;

            case REQ_MG:
            case REQ_MD:
            case REQ_MA:
            case REQ_ME:
                // the flags (and a key too long, base64 or not) are memcached's to judge: forwarded as they are
                if (words < 2) {
                    return refuse(r, PERR_ERROR);
                }
                return false;

            case REQ_MS:
                if (words < 2) {
                    return refuse(r, PERR_ERROR);
                }
                // refused before memcached knows the block's length: no block is consumed
                if (words == 2 || (f & F_BAD_KEY) != 0) {
                    return refuse(r, PERR_BAD_FORMAT);
                }
                if (words >= MS_MAX_WORDS) {
                    return refuse(r, PERR_FLAGS_TOO_LONG);
                }
                if ((f & F_BAD_NUM) != 0 || r.rlen < 0 || r.rlen > Integer.MAX_VALUE - 2) {
                    return refuse(r, PERR_BAD_FORMAT);
                }
                return true;

            case REQ_MN:
                return local(r, PERR_MN);

            case REQ_FLUSH_ALL: {
                if (words > 3) {
                    return refuse(r, PERR_ERROR);
                }
                // a delay is read unless the line is "flush_all" or "flush_all noreply"
                boolean bare = words == (lastNoreply ? 2 : 1);
                if (!bare && (f & F_BAD_NUM) != 0) {
                    return refuse(r, lastNoreply ? PERR_SILENT : PERR_BAD_FORMAT);
                }
                if (bare) {
                    r.rlen = 0;
                }
                // sent to every server with a reply expected; MemcacheParser.silent() keeps it from the client
                return false;
            }

            case REQ_VERBOSITY:
                // the level is read as safe_strtoul reads it; the proxy has no level to set
                if (words < 2 || words > 3) {
                    return refuse(r, PERR_ERROR);
                }
                if ((f & F_BAD_NUM) != 0) {
                    return refuse(r, lastNoreply ? PERR_SILENT : PERR_BAD_FORMAT);
                }
                return local(r, lastNoreply ? PERR_SILENT : PERR_OK);

            case REQ_STATS:
                // "stats" is the proxy's own summary; its sub-commands (items, slabs, reset ...) are not served
                return words == 1 ? false : refuse(r, PERR_ERROR);

            default:
                return refuse(r, PERR_ERROR);
        }
    }

    /** The proxy answers the request itself with {@code perr}'s reply. */
    private static boolean local(Msg r, int perr) {
        return refuse(r, perr);
    }

    private static boolean refuse(Msg r, int perr) {
        r.noforward = true;
        r.noreply = false;
        r.perr = perr;
        // keys of a refused request are not routed anywhere
        for (int i = 0; i < r.nkeys; i++) {
            r.keyMbuf[i] = null;
        }
        r.nkeys = 0;
        return false;
    }
}
