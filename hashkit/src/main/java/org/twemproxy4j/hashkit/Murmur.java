package org.twemproxy4j.hashkit;

/**
 * Mirrors hashkit/nc_murmur.c: MurmurHash2 (32-bit, {@code m = 0x5bd1e995}, {@code r = 24}) with
 * twemproxy's length-dependent seed {@code 0xdeadbeef * len}. Bytes are read unsigned, four at a time
 * little-endian.
 */
final class Murmur {
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private Murmur() {
    }

    static int hash(byte[] key, int off, int len) {
        int seed = 0xdeadbeef * len;
        int h = seed ^ len;
        int p = off;
        int n = len;
        while (n >= 4) {
            int k = Bytes.le32(key, p);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
            p += 4;
            n -= 4;
        }
        switch (n) {
            case 3:
                h ^= (key[p + 2] & 0xff) << 16;
                // fall through
            case 2:
                h ^= (key[p + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= key[p] & 0xff;
                h *= M;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }
}
