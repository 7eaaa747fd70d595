package org.twemproxy4j.stats;

/**
 * A fixed log-linear latency histogram kept in a plain {@code long[]} (twemproxy4j only; nutcracker has no
 * latency figures). Values are microseconds. Below {@link #SUB_BUCKETS} each microsecond has its own bucket;
 * above, every power of two is cut into {@link #SUB_BUCKETS} equal buckets, so a bucket's width is at most
 * 1/16 of its lower bound (a quantile read from it is at most 6.25% above the true value). Values above
 * {@link #MAX_TRACKABLE} (about 12.7 days) fall into the last bucket; the exact maximum is kept aside.
 *
 * <p>Layout of the array ({@link #LENGTH} longs): the bucket counts at {@code [0, NBUCKETS)}, then the number
 * of values at {@link #COUNT}, their sum at {@link #SUM} and the largest at {@link #MAX}. The counts are
 * cumulative since start: the array is never reset, so a copy of it is a consistent snapshot.
 *
 * <p>{@link #record} allocates nothing and takes no lock: it is meant for the event loop, which owns the
 * arrays it records into. The static readers work on copies (the aggregator's snapshot).
 */
public final class LatencyHistogram {
    /** log2 of the sub-buckets per power of two. */
    static final int SUB_BITS = 4;
    /** Sub-buckets per power of two; also the number of exact one-microsecond buckets at the bottom. */
    public static final int SUB_BUCKETS = 1 << SUB_BITS;
    /** Highest power of two tracked: values of 2^40 µs and above share the last bucket. */
    static final int MAX_EXP = 39;
    /** Largest value with its own bucket, in microseconds. */
    public static final long MAX_TRACKABLE = (1L << (MAX_EXP + 1)) - 1;
    /** Number of buckets. */
    public static final int NBUCKETS = ((MAX_EXP - SUB_BITS + 1) << SUB_BITS) + SUB_BUCKETS;
    /** Index of the number of recorded values. */
    public static final int COUNT = NBUCKETS;
    /** Index of the sum of the recorded values (µs). */
    public static final int SUM = NBUCKETS + 1;
    /** Index of the largest recorded value (µs). */
    public static final int MAX = NBUCKETS + 2;
    /** Length of a histogram array. */
    public static final int LENGTH = NBUCKETS + 3;

    private LatencyHistogram() {
    }

    /** A new, empty histogram array. */
    public static long[] create() {
        return new long[LENGTH];
    }

    /** The bucket of a value in microseconds (negative counts as 0). */
    public static int bucket(long micros) {
        if (micros < SUB_BUCKETS) {
            return micros <= 0 ? 0 : (int) micros;
        }
        if (micros > MAX_TRACKABLE) {
            return NBUCKETS - 1;
        }
        int e = 63 - Long.numberOfLeadingZeros(micros); // SUB_BITS .. MAX_EXP
        int sub = (int) (micros >>> (e - SUB_BITS)) & (SUB_BUCKETS - 1);
        return ((e - SUB_BITS + 1) << SUB_BITS) + sub;
    }

    /** The smallest value that falls into bucket {@code b}. */
    public static long lowestValue(int b) {
        if (b < SUB_BUCKETS) {
            return b;
        }
        int e = (b >>> SUB_BITS) + SUB_BITS - 1;
        long sub = b & (SUB_BUCKETS - 1);
        return (SUB_BUCKETS + sub) << (e - SUB_BITS);
    }

    /** The largest value that falls into bucket {@code b} (the last bucket also holds everything above). */
    public static long highestValue(int b) {
        if (b < SUB_BUCKETS) {
            return b;
        }
        int e = (b >>> SUB_BITS) + SUB_BITS - 1;
        return lowestValue(b) + (1L << (e - SUB_BITS)) - 1;
    }

    /** Records one value (µs) into {@code h}. Allocation-free; the caller owns {@code h}. */
    public static void record(long[] h, long micros) {
        if (micros < 0) {
            micros = 0;
        }
        h[bucket(micros)]++;
        h[COUNT]++;
        h[SUM] += micros;
        if (micros > h[MAX]) {
            h[MAX] = micros;
        }
    }

    /** Adds histogram {@code src} into {@code dst} (the pool's figures from its servers', or a merge). */
    public static void add(long[] dst, long[] src) {
        for (int i = 0; i < NBUCKETS; i++) {
            dst[i] += src[i];
        }
        dst[COUNT] += src[COUNT];
        dst[SUM] += src[SUM];
        if (src[MAX] > dst[MAX]) {
            dst[MAX] = src[MAX];
        }
    }

    /**
     * The value at quantile {@code q} (0 < q <= 1), in microseconds: the highest value of the bucket that holds
     * the value of rank ceil(q * count), but never above the recorded maximum; 0 when {@code h} is empty.
     */
    public static long quantile(long[] h, double q) {
        long count = h[COUNT];
        if (count <= 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * count);
        if (rank < 1) {
            rank = 1;
        } else if (rank > count) {
            rank = count;
        }
        long seen = 0;
        for (int b = 0; b < NBUCKETS; b++) {
            seen += h[b];
            if (seen >= rank) {
                return Math.min(highestValue(b), h[MAX]);
            }
        }
        return h[MAX];
    }
}
