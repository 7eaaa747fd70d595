package org.twemproxy4j.it.diff;

/**
 * Finds where one RESP2 reply ends in a byte array that may hold a partial reply (a reply is never copied or
 * decoded; the suite compares raw bytes).
 */
final class RespScanner {
    /** More bytes are needed to complete the reply. */
    static final int INCOMPLETE = -1;
    /** The bytes are not a RESP reply (the rest of the stream is kept as unparsed bytes). */
    static final int MALFORMED = -2;

    private RespScanner() {
    }

    /** The end offset (exclusive) of the reply starting at {@code pos}, or INCOMPLETE / MALFORMED. */
    static int end(byte[] b, int pos, int limit) {
        return end(b, pos, limit, 0);
    }

    private static int end(byte[] b, int pos, int limit, int depth) {
        if (depth > 64) {
            return MALFORMED;
        }
        if (pos >= limit) {
            return INCOMPLETE;
        }
        int eol = lineEnd(b, pos, limit);
        if (eol < 0) {
            return eol;
        }
        byte type = b[pos];
        switch (type) {
            case '+', '-', ':' -> {
                return eol;
            }
            case '$' -> {
                long n = number(b, pos + 1, eol - 2);
                if (n == Long.MIN_VALUE || n < -1) {
                    return MALFORMED;
                }
                if (n == -1) {
                    return eol;
                }
                long end = eol + n + 2;
                if (end > limit) {
                    return INCOMPLETE;
                }
                if (b[(int) end - 2] != '\r' || b[(int) end - 1] != '\n') {
                    return MALFORMED;
                }
                return (int) end;
            }
            case '*' -> {
                long n = number(b, pos + 1, eol - 2);
                if (n == Long.MIN_VALUE || n < -1) {
                    return MALFORMED;
                }
                int p = eol;
                for (long i = 0; i < n; i++) {
                    p = end(b, p, limit, depth + 1);
                    if (p < 0) {
                        return p;
                    }
                }
                return p;
            }
            default -> {
                return MALFORMED;
            }
        }
    }

    /** Offset just past the CRLF that ends the line starting at pos. */
    private static int lineEnd(byte[] b, int pos, int limit) {
        for (int i = pos; i < limit; i++) {
            if (b[i] == '\n') {
                return i > pos && b[i - 1] == '\r' ? i + 1 : MALFORMED;
            }
        }
        return limit - pos > 1024 ? MALFORMED : INCOMPLETE;
    }

    private static long number(byte[] b, int from, int to) {
        if (from >= to) {
            return Long.MIN_VALUE;
        }
        boolean neg = b[from] == '-';
        int i = neg ? from + 1 : from;
        if (i >= to || to - i > 18) {
            return Long.MIN_VALUE;
        }
        long v = 0;
        for (; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return Long.MIN_VALUE;
            }
            v = v * 10 + d;
        }
        return neg ? -v : v;
    }
}
