package org.twemproxy4j.it.diff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What twemproxy4j (the candidate) must show for a case, given what nutcracker and a plain redis-server showed
 * for the same bytes. {@link #check} returns null when the candidate's outcome is right, else why not.
 *
 * <p>Most cases are {@link #same()}: byte-for-byte nutcracker's replies, the same close behaviour, and the keys
 * on the same backends afterwards. The documented fixes (NUTCRACKER.md "Fix") use the other forms.
 */
public abstract class Expect {
    static final String PROTOCOL_ERROR = "-ERR Protocol error: ";
    static final String WRONG_ARITY = "-ERR wrong number of arguments";
    static final byte[] PONG = Bytes.ascii("+PONG\r\n");

    /** One line for failure messages. */
    abstract String describe();

    /** Whether the case must also be run straight against a redis-server (the oracle). */
    abstract boolean needsRedis();

    /** Null when {@code cand} is acceptable, else the reason. {@code redis} is null unless {@link #needsRedis()}. */
    abstract String check(Outcome cand, Outcome nut, Outcome redis);

    /** Whether nutcracker's outcome is plausible for this expectation (a corpus sanity check), null when it is. */
    String checkReference(Outcome nut) {
        return null;
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Exactly nutcracker's bytes and end, and afterwards the same keys on the same backends. */
    static Expect same() {
        return new Expect() {
            @Override
            String describe() {
                return "the same bytes as nutcracker, the same close behaviour, the same keys on the same backends";
            }

            @Override
            boolean needsRedis() {
                return false;
            }

            @Override
            String checkReference(Outcome nut) {
                return nut.end == Outcome.End.CLOSED
                        ? "nutcracker closed the connection, so this is a 'Fix' case, not a plain SAME case" : null;
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                String d = compare(cand, nut);
                if (d != null) {
                    return "differs from nutcracker: " + d;
                }
                if (cand.snapshot != null && nut.snapshot != null && !cand.snapshot.equals(nut.snapshot)) {
                    return "same replies, but the keys landed on different backends:\n  nutcracker:  " + nut.snapshot
                            + "\n  twemproxy4j: " + cand.snapshot;
                }
                return null;
            }
        };
    }

    /** Exactly what a plain redis-server answers to the same bytes (redis's own wording), with its close behaviour. */
    static Expect redis() {
        return new Expect() {
            @Override
            String describe() {
                return "exactly redis-server's bytes and close behaviour (documented fix)";
            }

            @Override
            boolean needsRedis() {
                return true;
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                String d = compare(cand, redis);
                return d == null ? null : "differs from redis-server: " + d;
            }
        };
    }

    /** Exactly these bytes (probe reply included) and this end. */
    static Expect exact(byte[] bytes, Outcome.End end) {
        return new Expect() {
            @Override
            String describe() {
                return "exactly " + Bytes.show(bytes) + " then " + end;
            }

            @Override
            boolean needsRedis() {
                return false;
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                if (cand.end != end) {
                    return "ends " + cand.end + ", expected " + end;
                }
                if (!Arrays.equals(cand.bytes, bytes)) {
                    return "bytes differ at offset " + Bytes.firstDifference(cand.bytes, bytes) + ": expected "
                            + Bytes.show(bytes);
                }
                return null;
            }
        };
    }

    /** Exactly these replies to the case, then the connection stays open (the probe PING answered +PONG). */
    static Expect exactOpen(byte[]... replies) {
        return exact(Bytes.concat(Bytes.concat(replies), PONG), Outcome.End.OPEN);
    }

    /**
     * Malformed framing: every reply redis-server gives before its protocol error, then one
     * {@code -ERR Protocol error: ...} (any wording), then the connection is closed.
     */
    static Expect protocolError() {
        return new Expect() {
            @Override
            String describe() {
                return "redis-server's replies up to its protocol error, then '" + PROTOCOL_ERROR.trim()
                        + " ...' and close (documented fix)";
            }

            @Override
            boolean needsRedis() {
                return true;
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                List<byte[]> rr = redis.replies();
                if (redis.end != Outcome.End.CLOSED || rr.isEmpty()
                        || !Bytes.startsWith(rr.get(rr.size() - 1), PROTOCOL_ERROR)) {
                    return "corpus: redis-server itself does not end with a protocol error here";
                }
                return checkProtocolErrorAfter(rr.size() - 1, cand, redis);
            }
        };
    }

    /**
     * The first {@code k} replies as redis-server gives them, then {@code -ERR Protocol error: ...}, then close;
     * for input that redis-server tolerates but that a proxy may reject as malformed framing.
     */
    static Expect protocolErrorAfter(int k) {
        return new Expect() {
            @Override
            String describe() {
                return "redis-server's first " + k + " replies, then '" + PROTOCOL_ERROR.trim() + " ...' and close";
            }

            @Override
            boolean needsRedis() {
                return true;
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                return checkProtocolErrorAfter(k, cand, redis);
            }
        };
    }

    private static String checkProtocolErrorAfter(int k, Outcome cand, Outcome redis) {
        List<byte[]> cr = cand.replies();
        List<byte[]> rr = redis.replies();
        if (cand.end != Outcome.End.CLOSED) {
            return "expected a close after the protocol error, but the connection " + cand.end;
        }
        if (cr.size() != k + 1 || cand.trailing().length > 0) {
            return "expected " + k + " replies then one protocol error, got " + cr.size() + " replies"
                    + (cand.trailing().length > 0 ? " and stray bytes" : "");
        }
        for (int i = 0; i < k; i++) {
            if (!Arrays.equals(cr.get(i), rr.get(i))) {
                return "reply #" + i + " differs from redis-server's " + Bytes.show(rr.get(i));
            }
        }
        if (!Bytes.startsWith(cr.get(k), PROTOCOL_ERROR)) {
            return "reply #" + k + " should start with '" + PROTOCOL_ERROR + "'";
        }
        return null;
    }

    /**
     * For {@code PING ; <command with a wrong argument count> ; PING}: when redis-server answers the command with
     * its wrong-arity error, exactly redis's bytes; otherwise either redis's bytes (the proxy forwards it) or an
     * error reply in its place with both PINGs answered and the connection open.
     */
    static Expect arity(int i) {
        return new Expect() {
            @Override
            String describe() {
                return "reply #" + i + ": redis's wrong-arity error when redis gives one, else redis's reply or an"
                        + " error; every other reply as redis's; the connection stays open";
            }

            @Override
            boolean needsRedis() {
                return true;
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                String d = compare(cand, redis);
                if (d == null) {
                    return null;
                }
                List<byte[]> rr = redis.replies();
                if (i < rr.size() && Bytes.startsWith(rr.get(i), WRONG_ARITY)) {
                    return "differs from redis-server (which gives its wrong-arity error): " + d;
                }
                String e = checkErrorAt(i, cand, redis);
                return e == null ? null : "neither redis-server's reply nor an error in its place: " + d + "; " + e;
            }
        };
    }

    /** Reply #{@code i} is an error reply (any text), every other reply as redis-server's, the connection open. */
    static Expect errorAt(int i) {
        return new Expect() {
            @Override
            String describe() {
                return "reply #" + i + " an error reply, the others as redis-server's, the connection stays open";
            }

            @Override
            boolean needsRedis() {
                return true;
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                return checkErrorAt(i, cand, redis);
            }
        };
    }

    private static String checkErrorAt(int i, Outcome cand, Outcome redis) {
        List<byte[]> cr = cand.replies();
        List<byte[]> rr = redis.replies();
        if (cand.end != Outcome.End.OPEN || !Arrays.equals(cand.probeReply, redis.probeReply)) {
            return "expected the connection to stay open (probe answered like redis), it " + cand.end;
        }
        if (cr.size() != rr.size() || cand.trailing().length > 0) {
            return "expected " + rr.size() + " replies, got " + cr.size();
        }
        for (int j = 0; j < cr.size(); j++) {
            if (j == i) {
                if (!Bytes.startsWith(cr.get(j), "-")) {
                    return "reply #" + j + " should be an error reply";
                }
            } else if (!Arrays.equals(cr.get(j), rr.get(j))) {
                return "reply #" + j + " differs from redis-server's " + Bytes.show(rr.get(j));
            }
        }
        return null;
    }

    /** Reply #{@code i} an error, the replies before it as redis's, then the connection closed (nothing after). */
    static Expect errorThenClose(int i) {
        return new Expect() {
            @Override
            String describe() {
                return "redis-server's first " + i + " replies, then an error reply and close";
            }

            @Override
            boolean needsRedis() {
                return true;
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                List<byte[]> cr = cand.replies();
                List<byte[]> rr = redis.replies();
                if (cand.end != Outcome.End.CLOSED || cr.size() != i + 1 || cand.trailing().length > 0) {
                    return "expected " + i + " replies, an error and a close; got " + cr.size() + " replies, "
                            + cand.end;
                }
                for (int j = 0; j < i; j++) {
                    if (!Arrays.equals(cr.get(j), rr.get(j))) {
                        return "reply #" + j + " differs from redis-server's " + Bytes.show(rr.get(j));
                    }
                }
                return Bytes.startsWith(cr.get(i), "-") ? null : "reply #" + i + " should be an error reply";
            }
        };
    }

    /** nutcracker's bytes, but where nutcracker then closes the connection it must stay open. */
    static Expect sameBytesButOpen() {
        return new Expect() {
            @Override
            String describe() {
                return "nutcracker's reply bytes, but the connection stays open (nutcracker closes it; documented fix)";
            }

            @Override
            boolean needsRedis() {
                return false;
            }

            @Override
            String checkReference(Outcome nut) {
                return nut.end == Outcome.End.CLOSED ? null : "nutcracker did not close the connection here";
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                if (!Arrays.equals(cand.caseBytes(), nut.caseBytes())) {
                    return "reply bytes differ from nutcracker's at offset "
                            + Bytes.firstDifference(cand.caseBytes(), nut.caseBytes());
                }
                if (cand.end != Outcome.End.OPEN || !Arrays.equals(cand.probeReply, PONG)) {
                    return "expected the connection to stay open (probe PING -> +PONG), it " + cand.end;
                }
                return null;
            }
        };
    }

    /**
     * {@link #same()} where nutcracker serves the request; where it closes the connection instead (a limit that
     * depends on the mbuf size, such as a key longer than one mbuf), {@code fix}.
     */
    static Expect sameUnlessNutcrackerCloses(Expect fix) {
        Expect same = same();
        return new Expect() {
            @Override
            String describe() {
                return "as nutcracker where it serves this; where it closes: " + fix.describe();
            }

            @Override
            boolean needsRedis() {
                return fix.needsRedis();
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                return nut.end == Outcome.End.CLOSED ? fix.check(cand, nut, redis) : same.check(cand, nut, redis);
            }
        };
    }

    /** Any one of the alternatives (the behaviour is not pinned down beyond them). */
    static Expect anyOf(Expect... alternatives) {
        return new Expect() {
            @Override
            String describe() {
                StringBuilder sb = new StringBuilder("one of: ");
                for (int i = 0; i < alternatives.length; i++) {
                    sb.append(i == 0 ? "" : " | ").append(alternatives[i].describe());
                }
                return sb.toString();
            }

            @Override
            boolean needsRedis() {
                for (Expect e : alternatives) {
                    if (e.needsRedis()) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            String check(Outcome cand, Outcome nut, Outcome redis) {
                List<String> why = new ArrayList<>();
                for (Expect e : alternatives) {
                    String r = e.check(cand, nut, redis);
                    if (r == null) {
                        return null;
                    }
                    why.add(r);
                }
                return String.join("\n   OR ", why);
            }
        };
    }

    /** Null when a and b have the same bytes and end, else where they differ. */
    static String compare(Outcome a, Outcome b) {
        if (a.sameAs(b)) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        if (a.end != b.end) {
            sb.append("ends ").append(a.end).append(" instead of ").append(b.end).append("; ");
        }
        int m = Bytes.firstDifference(a.bytes, b.bytes);
        if (m >= 0) {
            sb.append("bytes differ from offset ").append(m).append(" (")
                    .append(a.bytes.length).append(" vs ").append(b.bytes.length).append(" bytes)");
            int reply = 0;
            while (reply < a.replyEnds.length && a.replyEnds[reply] <= m) {
                reply++;
            }
            sb.append(", in reply #").append(reply);
        }
        return sb.toString();
    }
}
