package org.twemproxy4j.hashkit;

/**
 * Mirrors hashkit/nc_jenkins.c: Bob Jenkins' lookup3 {@code hashlittle()} with the initial value
 * {@code 0xdeadbeef + len + 13}. Bytes are unsigned and read little-endian; the C code's aligned and
 * unaligned read paths give the same value, which this single path reproduces. The empty key returns the
 * initial value unmixed ({@code 0xdeadbefc}).
 */
final class Jenkins {
    static final int JENKINS_INITVAL = 13;

    private Jenkins() {
    }

    static int hash(byte[] key, int off, int len) {
        int a = 0xdeadbeef + len + JENKINS_INITVAL;
        int b = a;
        int c = a;
        int p = off;
        int n = len;

        // all but the last block of 12 bytes
        while (n > 12) {
            a += Bytes.le32(key, p);
            b += Bytes.le32(key, p + 4);
            c += Bytes.le32(key, p + 8);
            // mix(a, b, c)
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            n -= 12;
            p += 12;
        }

        // the last block: 1..12 bytes, each case adds its byte then falls through to the lower ones
        switch (n) {
            case 12: c += (key[p + 11] & 0xff) << 24; // fall through
            case 11: c += (key[p + 10] & 0xff) << 16; // fall through
            case 10: c += (key[p + 9] & 0xff) << 8; // fall through
            case 9: c += key[p + 8] & 0xff; // fall through
            case 8: b += (key[p + 7] & 0xff) << 24; // fall through
            case 7: b += (key[p + 6] & 0xff) << 16; // fall through
            case 6: b += (key[p + 5] & 0xff) << 8; // fall through
            case 5: b += key[p + 4] & 0xff; // fall through
            case 4: a += (key[p + 3] & 0xff) << 24; // fall through
            case 3: a += (key[p + 2] & 0xff) << 16; // fall through
            case 2: a += (key[p + 1] & 0xff) << 8; // fall through
            case 1: a += key[p] & 0xff;
                break;
            default:
                return c; // zero length: no mixing
        }

        // final(a, b, c)
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }
}
