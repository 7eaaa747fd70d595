package org.twemproxy4j.hashkit;

/**
 * The Redis Cluster key slot: CRC-16/XMODEM (polynomial 0x1021, initial value 0, 16 bits) of the key's hash
 * tag, modulo 16384. The hash tag is the part between the first {@code '{'} and the first {@code '}'} after
 * it, when that part is not empty; otherwise the whole key. Unlike {@link Crc16} (twemproxy's unmasked
 * register), the value is a true 16-bit CRC, as the cluster computes it. Stateless; thread-safe.
 */
public final class ClusterKeySlot {
    /** Slots of a Redis Cluster. */
    public static final int SLOTS = 16384;

    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[i] = crc & 0xffff;
        }
    }

    private ClusterKeySlot() {
    }

    /** CRC-16/XMODEM of {@code key[off, off+len)}. */
    public static int crc16(byte[] key, int off, int len) {
        int crc = 0;
        for (int i = off, end = off + len; i < end; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ key[i]) & 0xff]) & 0xffff;
        }
        return crc;
    }

    /** The slot of {@code key[off, off+len)}, honouring the first non-empty {@code {...}} tag. */
    public static int slot(byte[] key, int off, int len) {
        int end = off + len;
        int s = off;
        while (s < end && key[s] != '{') {
            s++;
        }
        if (s < end) {
            int e = s + 1;
            while (e < end && key[e] != '}') {
                e++;
            }
            if (e < end && e != s + 1) {
                return crc16(key, s + 1, e - s - 1) & (SLOTS - 1);
            }
        }
        return crc16(key, off, len) & (SLOTS - 1);
    }
}
