package org.twemproxy4j.hashkit;

/**
 * Mirrors hashkit/nc_fnv.c: the four Fowler/Noll/Vo hashes. Every byte enters through a plain
 * (signed, on x86-64) {@code char}, so bytes {@code >= 0x80} are sign-extended; Java's {@code byte}
 * widening does the same.
 *
 * <p>Quirk kept on purpose: twemproxy's {@code fnv1a_64} (the default hash) is not FNV-1a-64. It runs in
 * 32-bit arithmetic with the 64-bit offset basis and prime truncated to 32 bits ({@code 0x84222325} and
 * {@code 0x1b3}). {@code fnv1_64} really is 64-bit, truncated to its low 32 bits at the end.
 */
final class Fnv {
    static final long FNV_64_INIT = 0xcbf29ce484222325L;
    static final long FNV_64_PRIME = 0x100000001b3L;
    static final int FNV_32_INIT = 0x811c9dc5; // 2166136261
    static final int FNV_32_PRIME = 16777619;

    private Fnv() {
    }

    static int fnv1_64(byte[] key, int off, int len) {
        long hash = FNV_64_INIT;
        for (int i = off, end = off + len; i < end; i++) {
            hash *= FNV_64_PRIME;
            hash ^= key[i]; // sign-extended to 64 bits, as (uint64_t)(char)
        }
        return (int) hash;
    }

    static int fnv1a_64(byte[] key, int off, int len) {
        int hash = (int) FNV_64_INIT;
        final int prime = (int) FNV_64_PRIME;
        for (int i = off, end = off + len; i < end; i++) {
            hash ^= key[i];
            hash *= prime;
        }
        return hash;
    }

    static int fnv1_32(byte[] key, int off, int len) {
        int hash = FNV_32_INIT;
        for (int i = off, end = off + len; i < end; i++) {
            hash *= FNV_32_PRIME;
            hash ^= key[i];
        }
        return hash;
    }

    static int fnv1a_32(byte[] key, int off, int len) {
        int hash = FNV_32_INIT;
        for (int i = off, end = off + len; i < end; i++) {
            hash ^= key[i];
            hash *= FNV_32_PRIME;
        }
        return hash;
    }
}
