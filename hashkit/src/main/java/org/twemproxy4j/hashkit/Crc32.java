package org.twemproxy4j.hashkit;

/**
 * Mirrors hashkit/nc_crc32.c: the reflected CRC-32 (polynomial 0xEDB88320, as zlib) in two flavours.
 * <ul>
 *   <li>{@code crc32} ({@link #hash}): libmemcached's variant, which keeps only bits 16..30 of the final
 *       CRC, so it yields 15 bits (0..32767). With ketama this sends nearly every key to the server owning
 *       the lowest point; that is what nutcracker does, so it is kept.</li>
 *   <li>{@code crc32a} ({@link #hashA}): the full standard CRC-32.</li>
 * </ul>
 */
final class Crc32 {
    /** CRC-32 of each byte value; the same 256 entries as twemproxy's {@code crc32tab}. */
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
            }
            TABLE[i] = crc;
        }
    }

    private Crc32() {
    }

    /** The standard CRC-32 register after {@code key[off, off+len)}, before the final inversion. */
    private static int update(byte[] key, int off, int len) {
        int crc = -1;
        for (int i = off, end = off + len; i < end; i++) {
            crc = (crc >>> 8) ^ TABLE[(crc ^ key[i]) & 0xff];
        }
        return crc;
    }

    /** {@code crc32}: 15 bits of the CRC, as libmemcached computes it. */
    static int hash(byte[] key, int off, int len) {
        return ((~update(key, off, len)) >>> 16) & 0x7fff;
    }

    /** {@code crc32a}: the standard CRC-32. */
    static int hashA(byte[] key, int off, int len) {
        return ~update(key, off, len);
    }
}
