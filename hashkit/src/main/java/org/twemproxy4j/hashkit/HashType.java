package org.twemproxy4j.hashkit;

/**
 * Mirrors {@code HASH_CODEC} (hashkit/nc_hashkit.h): the twelve key hash functions of twemproxy, each with
 * the name the YAML {@code hash:} key uses. Every function returns twemproxy's {@code uint32_t} as a Java
 * {@code int}; compare such values with {@link Integer#compareUnsigned}.
 *
 * <p>{@link #hash} is the raw function, exactly as twemproxy's {@code hash_*()} computes it, for every
 * input including the empty key (e.g. {@code jenkins("")} is {@code 0xdeadbefc}). The pool-level rules
 * (hash tag, empty key hashes to 0) are in {@link KeyHash}.
 *
 * <p>Thread-safe: the functions hold no state and allocate nothing.
 */
public enum HashType implements Hash {
    ONE_AT_A_TIME("one_at_a_time") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return OneAtATime.hash(key, off, len);
        }
    },
    MD5("md5") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Md5.hash(key, off, len);
        }
    },
    CRC16("crc16") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Crc16.hash(key, off, len);
        }
    },
    CRC32("crc32") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Crc32.hash(key, off, len);
        }
    },
    CRC32A("crc32a") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Crc32.hashA(key, off, len);
        }
    },
    FNV1_64("fnv1_64") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Fnv.fnv1_64(key, off, len);
        }
    },
    FNV1A_64("fnv1a_64") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Fnv.fnv1a_64(key, off, len);
        }
    },
    FNV1_32("fnv1_32") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Fnv.fnv1_32(key, off, len);
        }
    },
    FNV1A_32("fnv1a_32") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Fnv.fnv1a_32(key, off, len);
        }
    },
    HSIEH("hsieh") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Hsieh.hash(key, off, len);
        }
    },
    MURMUR("murmur") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Murmur.hash(key, off, len);
        }
    },
    JENKINS("jenkins") {
        @Override
        public int hash(byte[] key, int off, int len) {
            return Jenkins.hash(key, off, len);
        }
    };

    private final String confName;

    HashType(String confName) {
        this.confName = confName;
    }

    /** The name used in the configuration file, e.g. {@code fnv1a_64}. */
    public String confName() {
        return confName;
    }

    /**
     * The hash of {@code key[off, off+len)}; allocates nothing. The range is not bounds-checked beyond what
     * the JVM does on each array access.
     */
    @Override
    public abstract int hash(byte[] key, int off, int len);

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
