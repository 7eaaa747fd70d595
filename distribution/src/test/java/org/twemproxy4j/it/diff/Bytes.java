package org.twemproxy4j.it.diff;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.twemproxy4j.it.fixture.Resp;

/** Byte helpers for the differential suite: RESP encoding of commands, concatenation and readable escaping. */
public final class Bytes {
    /** Longest escaped rendering of one byte string in a failure message, before it is cut in the middle. */
    static final int SHOW = 600;

    private Bytes() {
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The multibulk encoding of one command whose arguments are given as byte strings. */
    public static byte[] cmd(byte[]... args) {
        return Resp.command(args);
    }

    /** The multibulk encoding of one command whose arguments are ISO-8859-1 strings (any byte is allowed). */
    public static byte[] cmd(String... args) {
        byte[][] raw = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            raw[i] = ascii(args[i]);
        }
        return Resp.command(raw);
    }

    /** The multibulk encoding of each command, concatenated (a pipeline). */
    public static byte[] pipeline(List<byte[][]> commands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[][] c : commands) {
            out.writeBytes(Resp.command(c));
        }
        return out.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A deterministic pseudo-random binary value of {@code len} bytes (all 256 byte values occur). */
    public static byte[] binary(int len, long seed) {
        byte[] b = new byte[len];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }

    public static boolean startsWith(byte[] b, String prefix) {
        byte[] p = ascii(prefix);
        return b.length >= p.length && Arrays.equals(b, 0, p.length, p, 0, p.length);
    }

    /** Readable rendering: printable ASCII as is, CR/LF/TAB as \r \n \t, other bytes as \xHH; long strings cut. */
    public static String show(byte[] b) {
        return show(b, 0, b.length);
    }

    public static String show(byte[] b, int from, int to) {
        int len = to - from;
        if (len > SHOW) {
            return escape(b, from, from + SHOW / 2) + " ...(" + (len - SHOW) + " bytes)... "
                    + escape(b, to - SHOW / 2, to) + " [" + len + " bytes]";
        }
        return escape(b, from, to);
    }

    static String escape(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        sb.append((char) c);
                    } else {
                        sb.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        return sb.toString();
    }

    /** Short form for test names: escaped, cut at {@code max} characters. */
    public static String label(byte[] b, int max) {
        String s = escape(b, 0, Math.min(b.length, max + 1));
        return s.length() > max ? s.substring(0, max) + "..." : s;
    }

    /** Index of the first differing byte of a and b, or -1 when equal. */
    public static int firstDifference(byte[] a, byte[] b) {
        int m = Arrays.mismatch(a, b);
        return m;
    }
}
