package org.twemproxy4j.hashkit;

/**
 * Mirrors hashkit/nc_md5.c: MD5 (RFC 1321) over a byte range, computed with local variables only, so a
 * call allocates nothing and the class is thread-safe ({@code java.security.MessageDigest} would allocate
 * an instance per use).
 *
 * <p>twemproxy reads the digest as little-endian 32-bit words: {@code hash_md5} is word 0
 * ({@code d[3]<<24 | d[2]<<16 | d[1]<<8 | d[0]}), and ketama takes words 0..3 as four continuum points
 * (the C {@code ketama_hash(key, len, alignment)}). Those words are exactly MD5's final state registers
 * A, B, C, D.
 */
final class Md5 {
    private Md5() {
    }

    /** {@code md5}: the first little-endian word of the digest. */
    static int hash(byte[] key, int off, int len) {
        return digest(key, off, len, null);
    }

    /**
     * Stores the digest's four little-endian words in {@code words[0..3]} (word {@code x} is the C
     * {@code ketama_hash(key, len, x)}).
     */
    static void digestWords(byte[] key, int off, int len, int[] words) {
        digest(key, off, len, words);
    }

    /** Runs MD5 over {@code key[off, off+len)}; returns word 0 and, when {@code out} is not null, fills it. */
    private static int digest(byte[] key, int off, int len, int[] out) {
        int a0 = 0x67452301;
        int b0 = 0xefcdab89;
        int c0 = 0x98badcfe;
        int d0 = 0x10325476;
        // the padded message: key, 0x80, zeros, 64-bit little-endian bit length; a multiple of 64 bytes
        int total = ((len + 8) / 64 + 1) * 64;
        long bitLen = (long) len << 3;
        for (int blk = 0; blk < total; blk += 64) {
            int x0 = word(key, off, len, total, bitLen, blk);
            int x1 = word(key, off, len, total, bitLen, blk + 4);
            int x2 = word(key, off, len, total, bitLen, blk + 8);
            int x3 = word(key, off, len, total, bitLen, blk + 12);
            int x4 = word(key, off, len, total, bitLen, blk + 16);
            int x5 = word(key, off, len, total, bitLen, blk + 20);
            int x6 = word(key, off, len, total, bitLen, blk + 24);
            int x7 = word(key, off, len, total, bitLen, blk + 28);
            int x8 = word(key, off, len, total, bitLen, blk + 32);
            int x9 = word(key, off, len, total, bitLen, blk + 36);
            int x10 = word(key, off, len, total, bitLen, blk + 40);
            int x11 = word(key, off, len, total, bitLen, blk + 44);
            int x12 = word(key, off, len, total, bitLen, blk + 48);
            int x13 = word(key, off, len, total, bitLen, blk + 52);
            int x14 = word(key, off, len, total, bitLen, blk + 56);
            int x15 = word(key, off, len, total, bitLen, blk + 60);

            int a = a0;
            int b = b0;
            int c = c0;
            int d = d0;

            // round 1
            a = ff(a, b, c, d, x0, 7, 0xd76aa478);
            d = ff(d, a, b, c, x1, 12, 0xe8c7b756);
            c = ff(c, d, a, b, x2, 17, 0x242070db);
            b = ff(b, c, d, a, x3, 22, 0xc1bdceee);
            a = ff(a, b, c, d, x4, 7, 0xf57c0faf);
            d = ff(d, a, b, c, x5, 12, 0x4787c62a);
            c = ff(c, d, a, b, x6, 17, 0xa8304613);
            b = ff(b, c, d, a, x7, 22, 0xfd469501);
            a = ff(a, b, c, d, x8, 7, 0x698098d8);
            d = ff(d, a, b, c, x9, 12, 0x8b44f7af);
            c = ff(c, d, a, b, x10, 17, 0xffff5bb1);
            b = ff(b, c, d, a, x11, 22, 0x895cd7be);
            a = ff(a, b, c, d, x12, 7, 0x6b901122);
            d = ff(d, a, b, c, x13, 12, 0xfd987193);
            c = ff(c, d, a, b, x14, 17, 0xa679438e);
            b = ff(b, c, d, a, x15, 22, 0x49b40821);
            // round 2
            a = gg(a, b, c, d, x1, 5, 0xf61e2562);
            d = gg(d, a, b, c, x6, 9, 0xc040b340);
            c = gg(c, d, a, b, x11, 14, 0x265e5a51);
            b = gg(b, c, d, a, x0, 20, 0xe9b6c7aa);
            a = gg(a, b, c, d, x5, 5, 0xd62f105d);
            d = gg(d, a, b, c, x10, 9, 0x02441453);
            c = gg(c, d, a, b, x15, 14, 0xd8a1e681);
            b = gg(b, c, d, a, x4, 20, 0xe7d3fbc8);
            a = gg(a, b, c, d, x9, 5, 0x21e1cde6);
            d = gg(d, a, b, c, x14, 9, 0xc33707d6);
            c = gg(c, d, a, b, x3, 14, 0xf4d50d87);
            b = gg(b, c, d, a, x8, 20, 0x455a14ed);
            a = gg(a, b, c, d, x13, 5, 0xa9e3e905);
            d = gg(d, a, b, c, x2, 9, 0xfcefa3f8);
            c = gg(c, d, a, b, x7, 14, 0x676f02d9);
            b = gg(b, c, d, a, x12, 20, 0x8d2a4c8a);
            // round 3
            a = hh(a, b, c, d, x5, 4, 0xfffa3942);
            d = hh(d, a, b, c, x8, 11, 0x8771f681);
            c = hh(c, d, a, b, x11, 16, 0x6d9d6122);
            b = hh(b, c, d, a, x14, 23, 0xfde5380c);
            a = hh(a, b, c, d, x1, 4, 0xa4beea44);
            d = hh(d, a, b, c, x4, 11, 0x4bdecfa9);
            c = hh(c, d, a, b, x7, 16, 0xf6bb4b60);
            b = hh(b, c, d, a, x10, 23, 0xbebfbc70);
            a = hh(a, b, c, d, x13, 4, 0x289b7ec6);
            d = hh(d, a, b, c, x0, 11, 0xeaa127fa);
            c = hh(c, d, a, b, x3, 16, 0xd4ef3085);
            b = hh(b, c, d, a, x6, 23, 0x04881d05);
            a = hh(a, b, c, d, x9, 4, 0xd9d4d039);
            d = hh(d, a, b, c, x12, 11, 0xe6db99e5);
            c = hh(c, d, a, b, x15, 16, 0x1fa27cf8);
            b = hh(b, c, d, a, x2, 23, 0xc4ac5665);
            // round 4
            a = ii(a, b, c, d, x0, 6, 0xf4292244);
            d = ii(d, a, b, c, x7, 10, 0x432aff97);
            c = ii(c, d, a, b, x14, 15, 0xab9423a7);
            b = ii(b, c, d, a, x5, 21, 0xfc93a039);
            a = ii(a, b, c, d, x12, 6, 0x655b59c3);
            d = ii(d, a, b, c, x3, 10, 0x8f0ccc92);
            c = ii(c, d, a, b, x10, 15, 0xffeff47d);
            b = ii(b, c, d, a, x1, 21, 0x85845dd1);
            a = ii(a, b, c, d, x8, 6, 0x6fa87e4f);
            d = ii(d, a, b, c, x15, 10, 0xfe2ce6e0);
            c = ii(c, d, a, b, x6, 15, 0xa3014314);
            b = ii(b, c, d, a, x13, 21, 0x4e0811a1);
            a = ii(a, b, c, d, x4, 6, 0xf7537e82);
            d = ii(d, a, b, c, x11, 10, 0xbd3af235);
            c = ii(c, d, a, b, x2, 15, 0x2ad7d2bb);
            b = ii(b, c, d, a, x9, 21, 0xeb86d391);

            a0 += a;
            b0 += b;
            c0 += c;
            d0 += d;
        }
        if (out != null) {
            out[0] = a0;
            out[1] = b0;
            out[2] = c0;
            out[3] = d0;
        }
        return a0;
    }

    /** The little-endian word at {@code pos} of the padded message (see {@link #digest}). */
    private static int word(byte[] key, int off, int len, int total, long bitLen, int pos) {
        if (pos + 4 <= len) {
            return Bytes.le32(key, off + pos);
        }
        if (pos > len) {
            // past the 0x80 marker: zeros, then the bit length in the last two words
            int lenPos = pos - (total - 8);
            if (lenPos < 0) {
                return 0;
            }
            return lenPos == 0 ? (int) bitLen : (int) (bitLen >>> 32);
        }
        return padded(key, off, len, total, bitLen, pos)
                | padded(key, off, len, total, bitLen, pos + 1) << 8
                | padded(key, off, len, total, bitLen, pos + 2) << 16
                | padded(key, off, len, total, bitLen, pos + 3) << 24;
    }

    /** The unsigned byte at {@code pos} of the padded message. */
    private static int padded(byte[] key, int off, int len, int total, long bitLen, int pos) {
        if (pos < len) {
            return key[off + pos] & 0xff;
        }
        if (pos == len) {
            return 0x80;
        }
        int lenPos = pos - (total - 8);
        if (lenPos >= 0) {
            return (int) (bitLen >>> (lenPos << 3)) & 0xff;
        }
        return 0;
    }

    private static int ff(int a, int b, int c, int d, int x, int s, int t) {
        return b + Integer.rotateLeft(a + (d ^ (b & (c ^ d))) + x + t, s);
    }

    private static int gg(int a, int b, int c, int d, int x, int s, int t) {
        return b + Integer.rotateLeft(a + (c ^ (d & (b ^ c))) + x + t, s);
    }

    private static int hh(int a, int b, int c, int d, int x, int s, int t) {
        return b + Integer.rotateLeft(a + (b ^ c ^ d) + x + t, s);
    }

    private static int ii(int a, int b, int c, int d, int x, int s, int t) {
        return b + Integer.rotateLeft(a + (c ^ (b | ~d)) + x + t, s);
    }
}
