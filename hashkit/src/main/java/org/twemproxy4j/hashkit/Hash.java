package org.twemproxy4j.hashkit;

/**
 * Mirrors {@code hash_t} (nc_server.h): a key hash over a byte range, returning twemproxy's {@code uint32_t}
 * as a Java {@code int} (compare with {@link Integer#compareUnsigned}, print with
 * {@link Integer#toUnsignedString}).
 *
 * <p>Implementations must not allocate and must be safe to call from any thread. {@link HashType} is the
 * implementation for the twelve functions a pool's {@code hash:} key names.
 */
@FunctionalInterface
public interface Hash {
    /** The hash of {@code key[off, off+len)}. */
    int hash(byte[] key, int off, int len);
}
