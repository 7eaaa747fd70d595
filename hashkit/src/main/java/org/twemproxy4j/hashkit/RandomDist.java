package org.twemproxy4j.hashkit;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Mirrors hashkit/nc_random.c: each request goes to a live server drawn uniformly at random; weights and
 * the key are ignored (twemproxy does not even hash the key).
 *
 * <p>Deviation: C draws with {@code random()} seeded by {@code srandom(time(NULL))}; the sequence cannot be
 * reproduced and nobody depends on it, so this uses {@link ThreadLocalRandom} (no allocation, no
 * contention).
 *
 * <p>Thread-safe: immutable; the random source is per thread.
 */
final class RandomDist extends Continuum {
    static final int RANDOM_POINTS_PER_SERVER = 1;

    private final int[] slots; // index of each live server

    private RandomDist(int[] slots) {
        this.slots = slots;
    }

    static RandomDist build(int nserver, boolean[] live) {
        int nlive = 0;
        for (int i = 0; i < nserver; i++) {
            if (isLive(live, i)) {
                nlive++;
            }
        }
        int[] slots = new int[nlive];
        int k = 0;
        for (int i = 0; i < nserver; i++) {
            if (isLive(live, i)) {
                slots[k++] = i;
            }
        }
        return new RandomDist(slots);
    }

    @Override
    public int dispatch(int hash) {
        int[] s = slots;
        if (s.length == 0) {
            return -1;
        }
        return s.length == 1 ? s[0] : s[ThreadLocalRandom.current().nextInt(s.length)];
    }

    @Override
    public int nlive() {
        return slots.length;
    }

    @Override
    public int ncontinuum() {
        return slots.length;
    }

    @Override
    public DistType distType() {
        return DistType.RANDOM;
    }
}
