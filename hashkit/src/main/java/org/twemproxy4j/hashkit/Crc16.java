package org.twemproxy4j.hashkit;

/**
 * Mirrors hashkit/nc_crc16.c: CRC-16/XMODEM (polynomial 0x1021, MSB first, initial value 0).
 *
 * <p>Quirk kept on purpose: twemproxy keeps the running value in a 32-bit register and never masks it to
 * 16 bits, so the bits shifted out to the left stay and results exceed 65535 once a key has more than two
 * bytes ({@code "apple"} gives 3662830516). Sign extension of the byte does not matter here, because the
 * table index is masked to 8 bits.
 */
final class Crc16 {
    /** CRC-16/XMODEM of each byte value; the same 256 entries as twemproxy's {@code crc16tab}. */
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

    private Crc16() {
    }

    static int hash(byte[] key, int off, int len) {
        int crc = 0;
        for (int i = off, end = off + len; i < end; i++) {
            crc = (crc << 8) ^ TABLE[((crc >>> 8) ^ key[i]) & 0xff];
        }
        return crc;
    }
}
