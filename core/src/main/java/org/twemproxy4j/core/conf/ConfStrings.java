package org.twemproxy4j.core.conf;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * The byte-string helpers nc_conf.c leans on (nc_string.c, nc_util.c), with C's exact integer behaviour.
 * Configuration values are compared and measured as the UTF-8 bytes libyaml hands to nutcracker.
 *
 * <p>Stateless; thread-safe.
 */
final class ConfStrings {
    /** {@code string_compare()}: length first, then the bytes as unsigned, stopping at a NUL as strncmp does. */
    static final Comparator<byte[]> STRING_COMPARE = ConfStrings::compare;

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private ConfStrings() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.UTF_8);
    }

    static int compare(byte[] s1, byte[] s2) {
        if (s1.length != s2.length) {
            return s1.length > s2.length ? 1 : -1;
        }
        for (int i = 0; i < s1.length; i++) {
            int c1 = s1[i] & 0xff;
            int c2 = s2[i] & 0xff;
            if (c1 != c2) {
                return c1 - c2;
            }
            if (c1 == 0) {
                return 0;
            }
        }
        return 0;
    }

    /**
     * {@code nc_atoi()}: decimal digits only, no sign, no blanks; -1 for anything else. Overflow wraps as
     * nutcracker's {@code int} does, so {@code 4294967297} reads as 1 and {@code 2147483648} as -1.
     */
    static int ncAtoi(byte[] b, int off, int len) {
        if (len <= 0) {
            return -1;
        }
        int value = 0;
        for (int i = off; i < off + len; i++) {
            int c = b[i];
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value < 0 ? -1 : value;
    }

    /** {@code nc_valid_port()}. */
    static boolean validPort(int n) {
        return n >= 1 && n <= 0xffff;
    }

    /** {@code nc_strrchr()} over {@code b[from..to]} inclusive, searching down from {@code to}; -1 if absent. */
    static int lastIndexOf(byte[] b, int from, int to, byte c) {
        for (int i = to; i >= from; i--) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code (mode_t)strtol(s, NULL, 8)} as glibc computes it: leading white space, an optional sign, octal
     * digits up to the first other byte (or NUL). Returns the value cast to 32 bits, or null where strtol sets
     * errno (overflow of a 64-bit long).
     */
    static Integer strtolOctal(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r'))) {
            i++;
        }
        boolean neg = false;
        if (i < end && (b[i] == '+' || b[i] == '-')) {
            neg = b[i] == '-';
            i++;
        }
        BigInteger v = BigInteger.ZERO;
        for (; i < end && b[i] >= '0' && b[i] <= '7'; i++) {
            v = v.shiftLeft(3).add(BigInteger.valueOf(b[i] - '0'));
        }
        if (neg) {
            v = v.negate();
        }
        if (v.compareTo(LONG_MIN) < 0 || v.compareTo(LONG_MAX) > 0) {
            return null; // ERANGE
        }
        return (int) v.longValue();
    }

    /**
     * glibc's {@code __inet_aton_exact()}, the first thing {@code getaddrinfo()} tries on a node name: one to
     * four parts separated by dots, each starting with a digit and read by {@code strtoul(.., 0)} (decimal, octal
     * after a leading 0, hex after 0x), nothing after them, the last part filling the remaining bytes.
     */
    static boolean inetAtonExact(String s) {
        int np = 0; // parts before the last one
        int i = 0;
        int n = s.length();
        long val;
        while (true) {
            if (i >= n || !isDigit(s.charAt(i))) {
                return false;
            }
            int base = 10;
            if (s.charAt(i) == '0') {
                if (i + 2 < n && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                        && hexDigit(s.charAt(i + 2)) >= 0) {
                    base = 16;
                    i += 2;
                } else {
                    base = 8;
                }
            }
            val = 0;
            while (i < n) {
                int d = base == 16 ? hexDigit(s.charAt(i)) : s.charAt(i) - '0';
                if (d < 0 || d >= base) {
                    break;
                }
                val = val * base + d;
                if (val > 0xffffffffL) {
                    return false;
                }
                i++;
            }
            if (i < n && s.charAt(i) == '.') {
                if (np > 2 || val > 0xff) {
                    return false;
                }
                np++;
                i++;
            } else {
                break;
            }
        }
        if (i != n) {
            return false;
        }
        long[] max = {0xffffffffL, 0xffffffL, 0xffffL, 0xffL};
        return val <= max[np];
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /**
     * The bytes nutcracker actually holds for a scalar: it copies scalars with {@code strndup()}, which stops at
     * the first NUL while the recorded length does not; what lies past that NUL is not the scalar. We read it as
     * zeros.
     */
    static byte[] cString(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                for (int k = i + 1; k < b.length; k++) {
                    b[k] = 0;
                }
                break;
            }
        }
        return b;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
