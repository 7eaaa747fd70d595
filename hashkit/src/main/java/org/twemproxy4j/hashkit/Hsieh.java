package org.twemproxy4j.hashkit;

/**
 * Mirrors hashkit/nc_hsieh.c: Paul Hsieh's SuperFastHash.
 *
 * <p>Byte handling differs per step, exactly as in twemproxy: 16-bit words and a one-byte tail are read
 * unsigned, but the third byte of a three-byte tail goes through a plain {@code char} and is
 * sign-extended before the shift. The empty key hashes to 0.
 */
final class Hsieh {
    private Hsieh() {
    }

    /** Unsigned little-endian 16-bit word at {@code b[i, i+2)} (the C {@code get16bits}). */
    private static int get16bits(byte[] b, int i) {
        return ((b[i + 1] & 0xff) << 8) + (b[i] & 0xff);
    }

    static int hash(byte[] key, int off, int len) {
        if (len <= 0) {
            return 0;
        }
        int hash = 0;
        int rem = len & 3;
        int p = off;
        for (int n = len >>> 2; n > 0; n--) {
            hash += get16bits(key, p);
            int tmp = (get16bits(key, p + 2) << 11) ^ hash;
            hash = (hash << 16) ^ tmp;
            p += 4;
            hash += hash >>> 11;
        }
        switch (rem) {
            case 3:
                hash += get16bits(key, p);
                hash ^= hash << 16;
                hash ^= key[p + 2] << 18; // signed char, sign-extended
                hash += hash >>> 11;
                break;
            case 2:
                hash += get16bits(key, p);
                hash ^= hash << 11;
                hash += hash >>> 17;
                break;
            case 1:
                hash += key[p] & 0xff; // unsigned char here
                hash ^= hash << 10;
                hash += hash >>> 1;
                break;
            default:
                break;
        }
        hash ^= hash << 3;
        hash += hash >>> 5;
        hash ^= hash << 4;
        hash += hash >>> 17;
        hash ^= hash << 25;
        hash += hash >>> 6;
        return hash;
    }
}
