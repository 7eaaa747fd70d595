package org.twemproxy4j.hashkit;

/**
 * Mirrors hashkit/nc_modula.c: {@code hash % total_live_weight} over a table in which every live server
 * appears {@code weight} times, in server order. With weights 1, 2, 1 the table is {@code [0, 1, 1, 2]}.
 * An ejection rebuilds the table and so reshuffles most keys, as in nutcracker.
 *
 * <p>Thread-safe: immutable.
 */
final class Modula extends Continuum {
    static final int MODULA_POINTS_PER_SERVER = 1;

    private final int[] slots; // server index per slot
    private final int nlive;

    private Modula(int[] slots, int nlive) {
        this.slots = slots;
        this.nlive = nlive;
    }

    static Modula build(int[] weights, boolean[] live) {
        int nlive = 0;
        long total = 0;
        for (int i = 0; i < weights.length; i++) {
            if (isLive(live, i)) {
                nlive++;
                total += weights[i];
            }
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("total weight " + total + " is too large for modula");
        }
        int[] slots = new int[(int) total];
        int k = 0;
        for (int i = 0; i < weights.length; i++) {
            if (isLive(live, i)) {
                for (int w = 0; w < weights[i]; w++) {
                    slots[k++] = i;
                }
            }
        }
        return new Modula(slots, nlive);
    }

    @Override
    public int dispatch(int hash) {
        int[] s = slots;
        if (s.length == 0) {
            return -1;
        }
        return s[Integer.remainderUnsigned(hash, s.length)];
    }

    @Override
    public int nlive() {
        return nlive;
    }

    @Override
    public int ncontinuum() {
        return slots.length;
    }

    @Override
    public DistType distType() {
        return DistType.MODULA;
    }
}
