package org.twemproxy4j.hashkit;

/**
 * Mirrors hashkit/nc_one_at_a_time.c: Bob Jenkins' one-at-a-time hash.
 *
 * <p>twemproxy widens each byte through a plain (signed, on x86-64) {@code char}, so bytes {@code >= 0x80}
 * enter sign-extended; Java's {@code byte} to {@code int} widening does the same, hence no {@code & 0xff}.
 */
final class OneAtATime {
    private OneAtATime() {
    }

    static int hash(byte[] key, int off, int len) {
        int value = 0;
        for (int i = off, end = off + len; i < end; i++) {
            value += key[i]; // sign-extended, as (uint32_t)(char)
            value += value << 10;
            value ^= value >>> 6;
        }
        value += value << 3;
        value ^= value >>> 11;
        value += value << 15;
        return value;
    }
}
