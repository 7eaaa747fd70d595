package org.twemproxy4j.hashkit;

/**
 * The key-hashing rules of a pool, from {@code server_pool_idx()} and {@code server_pool_hash()}
 * (nc_server.c), on top of the raw functions of {@link HashType}:
 * <ol>
 *   <li><b>hash tag</b>: when the pool has a two-byte {@code hash_tag} (say {@code "{}"}), find the first
 *       occurrence of the opening byte in the key, then the first occurrence of the closing byte after it.
 *       If both exist and enclose at least one byte, only the enclosed bytes are hashed ({@code "x{b}y"}
 *       hashes {@code "b"}). Otherwise the whole key is hashed: no opening byte, no closing byte after it
 *       ({@code "{c"}), or an empty tag ({@code "{}z"}).</li>
 *   <li><b>empty key</b>: a key (after the tag rule) of length 0 hashes to 0 without calling the function.</li>
 * </ol>
 * The one-server-pool shortcut (no hashing at all) is applied by {@link Placement}.
 *
 * <p>Thread-safe; allocates nothing.
 */
public final class KeyHash {
    private KeyHash() {
    }

    /**
     * The hash twemproxy's {@code server_pool_idx()} feeds to the distribution for {@code key[off, off+len)}.
     *
     * @param h the pool's hash function
     * @param hashTag the pool's two tag bytes, or {@code null} (or empty) when the pool has no hash tag
     * @return the {@code uint32_t} hash as an {@code int}
     */
    public static int hashKey(HashType h, byte[] hashTag, byte[] key, int off, int len) {
        if (hashTag != null && hashTag.length >= 2) {
            int end = off + len;
            int tagStart = indexOf(key, off, end, hashTag[0]);
            if (tagStart >= 0) {
                int tagEnd = indexOf(key, tagStart + 1, end, hashTag[1]);
                if (tagEnd >= 0 && tagEnd - tagStart > 1) {
                    off = tagStart + 1;
                    len = tagEnd - off;
                }
            }
        }
        if (len == 0) {
            return 0;
        }
        return h.hash(key, off, len);
    }

    /** The index of the first {@code c} in {@code b[from, to)}, or -1 (the C {@code nc_strchr}). */
    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
