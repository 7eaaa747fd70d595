package org.twemproxy4j.hashkit;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Mirrors hashkit/nc_ketama.c: the consistent-hashing ring.
 *
 * <p>Build ({@code ketama_update}): for each live server, in server order, the number of points is
 * {@code floorf(pct * 160 / 4 * nlive + 1e-10) * 4} with {@code pct = weight / total_live_weight}, all in
 * float32 except the double addend (so it is computed with the same roundings here). For
 * {@code i = 0 .. points/4 - 1} the string {@code "<name>-<i>"} (truncated to
 * {@link #KETAMA_MAX_HOSTLEN}{@code  - 1} bytes, as snprintf does) is MD5-hashed, and the digest's four
 * little-endian words become four points owned by that server. The weight never appears in the string.
 * Points are sorted by unsigned value; equal values keep their insertion order (glibc's {@code qsort} is a
 * stable merge sort for arrays this size), so a tie goes to the lower server index.
 *
 * <p>Dispatch ({@code ketama_dispatch}): the first point whose value is {@code >=} the hash (unsigned), or
 * the first point when the hash is above every point.
 *
 * <p>Thread-safe: immutable.
 */
final class Ketama extends Continuum {
    static final int KETAMA_CONTINUUM_ADDITION = 10; // slack slots in C; no use here
    static final int KETAMA_POINTS_PER_SERVER = 160; // 40 md5 digests of 4 points
    static final int KETAMA_MAX_HOSTLEN = 273; // snprintf buffer, so at most 272 bytes are hashed
    static final int POINTS_PER_HASH = 4;

    private final int[] values; // point values (uint32), sorted unsigned
    private final int[] index; // server index owning each point
    private final int nlive;

    private Ketama(int[] values, int[] index, int nlive) {
        this.values = values;
        this.index = index;
        this.nlive = nlive;
    }

    /**
     * The points a live server gets, exactly as {@code ketama_update} computes {@code pointer_per_server}:
     * float32 arithmetic with a double addend.
     */
    static int pointsPerServer(int weight, int totalWeight, int nlive) {
        float pct = (float) Integer.toUnsignedLong(weight) / (float) Integer.toUnsignedLong(totalWeight);
        float f = pct * KETAMA_POINTS_PER_SERVER;
        f = f / 4;
        f = f * (float) Integer.toUnsignedLong(nlive);
        float g = (float) ((double) f + 0.0000000001);
        float points = (float) Math.floor(g) * 4;
        return (int) points;
    }

    static Ketama build(String[] names, int[] weights, boolean[] live) {
        int nserver = names.length;
        int nlive = 0;
        int totalWeight = 0;
        for (int i = 0; i < nserver; i++) {
            if (isLive(live, i)) {
                nlive++;
                totalWeight += weights[i];
            }
        }
        if (nlive == 0) {
            return new Ketama(new int[0], new int[0], 0);
        }

        int[] perServer = new int[nserver];
        int npoints = 0;
        for (int i = 0; i < nserver; i++) {
            if (isLive(live, i)) {
                perServer[i] = pointsPerServer(weights[i], totalWeight, nlive);
                npoints += perServer[i];
            }
        }

        // sort key: unsigned value in bits 31..62, insertion order in bits 0..30 (ties stay in order)
        long[] keyed = new long[npoints];
        int[] owner = new int[npoints];
        int[] words = new int[4];
        int k = 0;
        for (int i = 0; i < nserver; i++) {
            if (!isLive(live, i)) {
                continue;
            }
            byte[] name = names[i].getBytes(StandardCharsets.UTF_8);
            byte[] host = new byte[name.length + 12]; // room for "-" and a uint32
            for (int p = 0; p < perServer[i] / POINTS_PER_HASH; p++) {
                int n = hostString(name, p, host);
                if (n >= KETAMA_MAX_HOSTLEN) {
                    n = KETAMA_MAX_HOSTLEN - 1;
                }
                Md5.digestWords(host, 0, n, words);
                for (int x = 0; x < POINTS_PER_HASH; x++) {
                    keyed[k] = (Integer.toUnsignedLong(words[x]) << 31) | k;
                    owner[k] = i;
                    k++;
                }
            }
        }
        Arrays.sort(keyed);
        int[] values = new int[npoints];
        int[] index = new int[npoints];
        for (int j = 0; j < npoints; j++) {
            values[j] = (int) (keyed[j] >>> 31);
            index[j] = owner[(int) (keyed[j] & 0x7fffffffL)];
        }
        return new Ketama(values, index, nlive);
    }

    /** Writes {@code "<name>-<p>"} into {@code out} and returns its length. */
    private static int hostString(byte[] name, int p, byte[] out) {
        System.arraycopy(name, 0, out, 0, name.length);
        int n = name.length;
        out[n++] = '-';
        byte[] digits = Integer.toString(p).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, out, n, digits.length);
        return n + digits.length;
    }

    @Override
    public int dispatch(int hash) {
        int[] v = values;
        int n = v.length;
        if (n == 0) {
            return -1;
        }
        // lower bound: the first point >= hash, comparing as uint32
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.compareUnsigned(v[mid], hash) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo == n) {
            lo = 0; // above every point: wrap to the first
        }
        return index[lo];
    }

    @Override
    public int nlive() {
        return nlive;
    }

    @Override
    public int ncontinuum() {
        return values.length;
    }

    @Override
    public DistType distType() {
        return DistType.KETAMA;
    }

    /** The value of point {@code i} in sorted order (tests). */
    int pointValue(int i) {
        return values[i];
    }

    /** The server owning point {@code i} in sorted order (tests). */
    int pointIndex(int i) {
        return index[i];
    }
}
