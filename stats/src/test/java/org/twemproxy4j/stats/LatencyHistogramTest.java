package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void bucketsTileTheValuesWithoutGaps() {
        assertEquals(0, LatencyHistogram.lowestValue(0));
        for (int b = 0; b < LatencyHistogram.NBUCKETS - 1; b++) {
            assertEquals(LatencyHistogram.highestValue(b) + 1, LatencyHistogram.lowestValue(b + 1), "bucket " + b);
            assertEquals(b, LatencyHistogram.bucket(LatencyHistogram.lowestValue(b)));
            assertEquals(b, LatencyHistogram.bucket(LatencyHistogram.highestValue(b)));
        }
        assertEquals(LatencyHistogram.MAX_TRACKABLE, LatencyHistogram.highestValue(LatencyHistogram.NBUCKETS - 1));
        assertEquals(LatencyHistogram.NBUCKETS - 1, LatencyHistogram.bucket(Long.MAX_VALUE));
        assertEquals(0, LatencyHistogram.bucket(-5));
    }

    @Test
    void bucketWidthIsAtMostOneSixteenthOfItsValues() {
        for (int b = LatencyHistogram.SUB_BUCKETS; b < LatencyHistogram.NBUCKETS; b++) {
            long lo = LatencyHistogram.lowestValue(b);
            long width = LatencyHistogram.highestValue(b) - lo + 1;
            assertTrue(width * 16 <= lo, "bucket " + b + " [" + lo + ", +" + width + ")");
        }
    }

    @Test
    void smallValuesAreExact() {
        long[] h = LatencyHistogram.create();
        for (int v = 0; v < 10; v++) {
            LatencyHistogram.record(h, v);
        }
        assertEquals(10, h[LatencyHistogram.COUNT]);
        assertEquals(45, h[LatencyHistogram.SUM]);
        assertEquals(9, h[LatencyHistogram.MAX]);
        assertEquals(4, LatencyHistogram.quantile(h, 0.5));
        assertEquals(8, LatencyHistogram.quantile(h, 0.9));
        assertEquals(9, LatencyHistogram.quantile(h, 0.99));
        assertEquals(9, LatencyHistogram.quantile(h, 1.0));
    }

    @Test
    void quantilesOfAShuffledUniformSetWithinTheBucketError() {
        int n = 100_000;
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = i + 1;
        }
        Random r = new Random(7);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
        long[] h = LatencyHistogram.create();
        for (long v : values) {
            LatencyHistogram.record(h, v);
        }
        Arrays.sort(values);
        for (double q : new double[] {0.5, 0.9, 0.99, 0.999}) {
            long exact = values[(int) Math.ceil(q * n) - 1];
            long got = LatencyHistogram.quantile(h, q);
            assertTrue(got >= exact && got <= exact + exact / 16, q + ": " + got + " vs " + exact);
        }
        assertEquals(n, LatencyHistogram.quantile(h, 1.0));
        assertEquals(n, h[LatencyHistogram.MAX]);
    }

    @Test
    void aQuantileNeverExceedsTheMaximum() {
        long[] h = LatencyHistogram.create();
        LatencyHistogram.record(h, 1000);
        assertEquals(1000, LatencyHistogram.quantile(h, 0.5));
        assertEquals(1000, LatencyHistogram.quantile(h, 0.999));
    }

    @Test
    void skewedDistribution() {
        long[] h = LatencyHistogram.create();
        for (int i = 0; i < 990; i++) {
            LatencyHistogram.record(h, 100);
        }
        for (int i = 0; i < 10; i++) {
            LatencyHistogram.record(h, 50_000);
        }
        assertTrue(LatencyHistogram.quantile(h, 0.5) >= 100 && LatencyHistogram.quantile(h, 0.5) <= 103);
        assertTrue(LatencyHistogram.quantile(h, 0.99) <= 103);
        assertEquals(50_000, LatencyHistogram.quantile(h, 0.999));
    }

    @Test
    void emptyAndAdd() {
        long[] a = LatencyHistogram.create();
        assertEquals(0, LatencyHistogram.quantile(a, 0.5));
        long[] b = LatencyHistogram.create();
        LatencyHistogram.record(a, 10);
        LatencyHistogram.record(b, 20);
        LatencyHistogram.record(b, -3);
        LatencyHistogram.add(a, b);
        assertEquals(3, a[LatencyHistogram.COUNT]);
        assertEquals(30, a[LatencyHistogram.SUM]);
        assertEquals(20, a[LatencyHistogram.MAX]);
        assertEquals(0, LatencyHistogram.quantile(a, 0.1));
        assertEquals(20, LatencyHistogram.quantile(a, 1));
    }
}
