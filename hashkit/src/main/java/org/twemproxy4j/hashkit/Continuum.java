package org.twemproxy4j.hashkit;

/**
 * Mirrors {@code struct continuum} and the {@code *_update()}/{@code *_dispatch()} pairs of
 * hashkit/nc_{ketama,modula,random}.c: the lookup structure a pool's distribution builds from its servers,
 * and the mapping from a key hash to a server index.
 *
 * <p>Servers are given as parallel arrays in nutcracker's sorted server order (see {@link Placement#NAME_ORDER}):
 * node names, weights ({@code > 0}) and liveness. A server whose {@code live} flag is false (ejected, in
 * twemproxy's words {@code next_retry > now}) gets no share; indexes returned by {@link #dispatch} always
 * refer to the full arrays, as twemproxy's {@code server_index} does.
 *
 * <p>Deviation: in C the continuum is a field of {@code struct server_pool} rebuilt in place, and the update
 * functions read the pool's servers and the clock. Here a continuum is immutable and knows only names,
 * weights and liveness; rebuilding after an ejection or a re-admission means building a new one
 * ({@link Placement#update}). This keeps hashkit free of any other module.
 *
 * <p>Thread-safe: immutable once built; {@link #dispatch} allocates nothing.
 */
public abstract class Continuum {
    Continuum() {
    }

    /**
     * Builds the continuum of a distribution.
     *
     * @param dist the pool's {@code distribution:}
     * @param names the servers' node names, in nutcracker's sorted server order; ketama hashes them as UTF-8
     * @param weights the servers' weights, each {@code > 0}
     * @param live {@code live[i] == false} leaves server {@code i} out (an ejected server); {@code null} means
     *     every server is live
     * @throws IllegalArgumentException on empty or mismatched arrays or a weight {@code <= 0}
     */
    public static Continuum build(DistType dist, String[] names, int[] weights, boolean[] live) {
        if (names == null || weights == null || names.length == 0 || names.length != weights.length
                || (live != null && live.length != names.length)) {
            throw new IllegalArgumentException("names, weights and live must be non-empty arrays of one length");
        }
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null || weights[i] <= 0) {
                throw new IllegalArgumentException("server " + i + " has no name or a weight <= 0");
            }
        }
        switch (dist) {
            case KETAMA:
                return Ketama.build(names, weights, live);
            case MODULA:
                return Modula.build(weights, live);
            case RANDOM:
                return RandomDist.build(names.length, live);
            default:
                throw new IllegalArgumentException("unknown distribution " + dist);
        }
    }

    /**
     * The index (into the full server arrays) of the server for {@code hash}, or -1 when no server is live.
     * Allocation-free. For {@link DistType#RANDOM} the hash is ignored and a live server is drawn at random.
     */
    public abstract int dispatch(int hash);

    /** The number of live servers (twemproxy's {@code nlive_server}). */
    public abstract int nlive();

    /** The number of points (ketama) or slots (modula, random): twemproxy's {@code ncontinuum}. */
    public abstract int ncontinuum();

    /** The distribution this continuum implements. */
    public abstract DistType distType();

    /** True when the given array is null or has {@code live[i]} set. */
    static boolean isLive(boolean[] live, int i) {
        return live == null || live[i];
    }
}
