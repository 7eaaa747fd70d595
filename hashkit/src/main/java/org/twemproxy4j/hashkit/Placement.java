package org.twemproxy4j.hashkit;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * Everything {@code server_pool_idx()} (nc_server.c) does for one pool: from a key to the index of the
 * server that holds it. Combines the pool's {@link HashType}, optional hash tag ({@link KeyHash}) and
 * {@link Continuum}.
 *
 * <p>Servers are given in nutcracker's sorted order ({@link #NAME_ORDER}: byte length first, then bytes),
 * which is not the order of the configuration file; indexes refer to that sorted order. A pool with a
 * single server always answers 0 without hashing, even when that server is ejected.
 *
 * <p>Example:
 * <pre>{@code
 * String[] names = {"127.0.0.1:7250", "127.0.0.1:7251", "127.0.0.1:7253"}; // sorted by NAME_ORDER
 * Placement p = new Placement(HashType.FNV1A_64, null, DistType.KETAMA, names, new int[] {1, 1, 1});
 * byte[] key = "apple".getBytes(StandardCharsets.UTF_8);
 * String server = names[p.serverIndex(key, 0, key.length)]; // "127.0.0.1:7251", as nutcracker
 * }</pre>
 *
 * <p>Threading: {@link #serverIndex} allocates nothing and may run on any thread; {@link #update} replaces
 * the continuum with a plain field write, so it must run on the thread that calls {@link #serverIndex}
 * (twemproxy4j's event loop), or be published by the caller.
 */
public final class Placement {
    /**
     * nutcracker's order of server node names and pool names ({@code string_compare()}, nc_string.c): shorter
     * UTF-8 byte length first, then unsigned byte comparison. So {@code "a" < "ccc" < "bbbb"}.
     */
    public static final Comparator<String> NAME_ORDER = Placement::compareNames;

    private final HashType hashType;
    private final byte[] hashTag; // two bytes or null
    private final DistType distType;
    private final String[] names;
    private final int[] weights;
    private Continuum continuum;

    /**
     * @param hashType the pool's {@code hash:}
     * @param hashTag the pool's {@code hash_tag:} as two bytes, or {@code null} (or empty) for none
     * @param distType the pool's {@code distribution:}
     * @param names the servers' node names in {@link #NAME_ORDER} (explicit name, else {@code host:port},
     *     else {@code host} for port 11211; see {@link #nodeName})
     * @param weights the servers' weights ({@code > 0}), parallel to {@code names}
     * @throws IllegalArgumentException on a hash tag that is not two bytes, or bad server arrays
     */
    public Placement(HashType hashType, byte[] hashTag, DistType distType, String[] names, int[] weights) {
        if (hashType == null || distType == null) {
            throw new IllegalArgumentException("hash and distribution are required");
        }
        if (hashTag != null && hashTag.length != 0 && hashTag.length != 2) {
            throw new IllegalArgumentException("a hash tag has exactly two bytes, not " + hashTag.length);
        }
        this.hashType = hashType;
        this.hashTag = hashTag == null || hashTag.length == 0 ? null : hashTag.clone();
        this.distType = distType;
        this.names = names.clone();
        this.weights = weights.clone();
        this.continuum = Continuum.build(distType, this.names, this.weights, null);
    }

    /**
     * Rebuilds the distribution for a new set of live servers (after an ejection or a re-admission), as
     * {@code server_pool_run()} does. {@code live == null} means all servers are live.
     */
    public void update(boolean[] live) {
        continuum = Continuum.build(distType, names, weights, live);
    }

    /**
     * The index of the server for {@code key[off, off+len)}, or -1 when no server is live (twemproxy then
     * fails the request with {@code ECONNREFUSED}). Allocation-free.
     */
    public int serverIndex(byte[] key, int off, int len) {
        if (names.length == 1) {
            return 0; // one server: no hashing, no dispatch
        }
        if (distType == DistType.RANDOM) {
            return continuum.dispatch(0);
        }
        return continuum.dispatch(KeyHash.hashKey(hashType, hashTag, key, off, len));
    }

    /** The hash the distribution sees for this key (after the hash tag and empty-key rules). */
    public int hash(byte[] key, int off, int len) {
        return KeyHash.hashKey(hashType, hashTag, key, off, len);
    }

    /** The current continuum. */
    public Continuum continuum() {
        return continuum;
    }

    /** The number of servers, live or not. */
    public int nserver() {
        return names.length;
    }

    /** The node name of server {@code i}. */
    public String name(int i) {
        return names[i];
    }

    public HashType hashType() {
        return hashType;
    }

    public DistType distType() {
        return distType;
    }

    /**
     * A server's node name as nutcracker derives it ({@code conf_add_server()}, nc_conf.c): the explicit
     * name when the server line has one; else {@code host} alone when the port is 11211 (libmemcached
     * compatibility); else {@code host:port}. For a unix socket (port 0) it is {@code path:}. The weight is
     * never part of the name.
     */
    public static String nodeName(String host, int port, String explicitName) {
        if (explicitName != null && !explicitName.isEmpty()) {
            return explicitName;
        }
        if (port == 11211) {
            return host;
        }
        return port == 0 ? host + ":" : host + ":" + port;
    }

    private static int compareNames(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        if (x.length != y.length) {
            return x.length < y.length ? -1 : 1;
        }
        for (int i = 0; i < x.length; i++) {
            if (x[i] != y[i]) {
                return (x[i] & 0xff) - (y[i] & 0xff);
            }
        }
        return 0;
    }
}
