package org.twemproxy4j.it.diff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one client saw for one case: every byte it received, split into complete RESP replies (and any trailing
 * bytes that do not form one), and how the exchange ended.
 */
public final class Outcome {
    /** How the connection ended up after the replies. */
    public enum End {
        /** the connection stayed open: the probe PING sent after the expected replies was answered */
        OPEN,
        /** the peer closed the connection (EOF or reset) */
        CLOSED,
        /** the connection stayed open but nothing more arrived within the wait (also: fewer replies than expected) */
        SILENT
    }

    final String who;
    /** every byte received, the probe's reply included */
    final byte[] bytes;
    /** end offsets of the complete replies in {@link #bytes} */
    final int[] replyEnds;
    /** how many of the replies answer the case's request (the rest answer the probe or are unexpected) */
    final int caseReplies;
    final End end;
    /** the probe's reply when the probe was sent and answered (null otherwise) */
    final byte[] probeReply;
    /** a note for failure messages, e.g. "reset by peer" */
    final String note;
    /** keys per backend after the case, for the pool of the case (null when not taken) */
    String snapshot;

    Outcome(String who, byte[] bytes, int[] replyEnds, int caseReplies, End end, byte[] probeReply, String note) {
        this.who = who;
        this.bytes = bytes;
        this.replyEnds = replyEnds;
        this.caseReplies = caseReplies;
        this.end = end;
        this.probeReply = probeReply;
        this.note = note;
    }

    /** The bytes received in answer to the case (without the probe's reply). */
    byte[] caseBytes() {
        int to = probeReply == null ? bytes.length : bytes.length - probeReply.length;
        return Arrays.copyOf(bytes, to);
    }

    /** The complete replies to the case, in order. */
    List<byte[]> replies() {
        List<byte[]> r = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < caseReplies; i++) {
            r.add(Arrays.copyOfRange(bytes, from, replyEnds[i]));
            from = replyEnds[i];
        }
        return r;
    }

    /** Bytes after the last complete case reply that are not the probe's reply (partial or unparseable data). */
    byte[] trailing() {
        int from = caseReplies == 0 ? 0 : replyEnds[caseReplies - 1];
        byte[] c = caseBytes();
        return Arrays.copyOfRange(c, Math.min(from, c.length), c.length);
    }

    /** Same bytes and same end. */
    boolean sameAs(Outcome o) {
        return end == o.end && Arrays.equals(bytes, o.bytes);
    }

    /** One line per reply for failure messages. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(who).append(": ").append(caseReplies).append(" repl").append(caseReplies == 1 ? "y" : "ies");
        sb.append(", then ").append(end);
        if (probeReply != null) {
            sb.append(" (probe PING answered ").append(Bytes.show(probeReply)).append(')');
        }
        if (note != null) {
            sb.append(" [").append(note).append(']');
        }
        sb.append('\n');
        int from = 0;
        for (int i = 0; i < caseReplies; i++) {
            if (i < 12 || i >= caseReplies - 3) {
                sb.append("    #").append(i).append(' ').append(Bytes.show(bytes, from, replyEnds[i])).append('\n');
            } else if (i == 12) {
                sb.append("    ... (").append(caseReplies - 15).append(" more replies)\n");
            }
            from = replyEnds[i];
        }
        byte[] t = trailing();
        if (t.length > 0) {
            sb.append("    (not a complete reply) ").append(Bytes.show(t)).append('\n');
        }
        return sb.toString();
    }
}
