package org.twemproxy4j.core.util;

import java.nio.charset.StandardCharsets;

/**
 * msg_get_error()'s replies for one protocol: {@code prefix + strerror(errno) + "\r\n"} (redis
 * {@code -ERR Connection refused}, memcache {@code SERVER_ERROR Connection refused}), built once per errno so
 * that an error reply allocates nothing. Immutable; thread-safe.
 */
public final class ErrorReplies {
    private static final int NERRNO = 128;

    private final String prefix;
    private final byte[][] replies = new byte[NERRNO][];

    public ErrorReplies(String prefix) {
        this.prefix = prefix;
        for (int i = 0; i < NERRNO; i++) {
            replies[i] = text(i);
        }
    }

    /** The reply for {@code errno}. */
    public byte[] of(int errno) {
        return errno >= 0 && errno < NERRNO ? replies[errno] : text(errno);
    }

    private byte[] text(int errno) {
        return (prefix + NcErrno.strerror(errno) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }
}
