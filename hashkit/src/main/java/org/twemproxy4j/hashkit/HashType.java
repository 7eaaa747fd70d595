package org.twemproxy4j.hashkit;

/**
 * Mirrors {@code HASH_CODEC} (hashkit/nc_hashkit.h): the twelve key hash functions of twemproxy, each with
 * the name the YAML {@code hash:} key uses. Every function returns twemproxy's {@code uint32_t} as a Java
 * {@code int}; compare such values with {@link Integer#compareUnsigned}.
 *
 * <p>Thread-safe: the functions hold no state.
 */
public enum HashType {
    ONE_AT_A_TIME("one_at_a_time"),
    MD5("md5"),
    CRC16("crc16"),
    CRC32("crc32"),
    CRC32A("crc32a"),
    FNV1_64("fnv1_64"),
    FNV1A_64("fnv1a_64"),
    FNV1_32("fnv1_32"),
    FNV1A_32("fnv1a_32"),
    HSIEH("hsieh"),
    MURMUR("murmur"),
    JENKINS("jenkins");

    private final String confName;

    HashType(String confName) {
        this.confName = confName;
    }

    /** The name used in the configuration file, e.g. {@code fnv1a_64}. */
    public String confName() {
        return confName;
    }

    /** The hash of {@code key[off, off+len)}; allocates nothing. */
    public int hash(byte[] key, int off, int len) {
        throw new UnsupportedOperationException("not yet implemented: " + confName);
    }

    /** The type whose configuration name is {@code name} (exact, case-sensitive), or {@code null}. */
    public static HashType fromConfName(String name) {
        for (HashType t : values()) {
            if (t.confName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
