package org.twemproxy4j.hashkit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian word reads shared by the hash functions (twemproxy's hashes assume x86 byte order). */
final class Bytes {
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private Bytes() {
    }

    /** The little-endian 32-bit word at {@code b[i, i+4)}. */
    static int le32(byte[] b, int i) {
        return (int) LE_INT.get(b, i);
    }
}
