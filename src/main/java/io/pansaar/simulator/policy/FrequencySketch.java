package io.pansaar.simulator.policy;

/**
 * A count-min sketch of 4-bit counters, depth 4, that halves every counter after 10 × width additions so
 * old popularity fades (the TinyLFU "reset").
 */
final class FrequencySketch {
    private static final int DEPTH = 4;
    private static final int MAX_COUNT = 15;
    private static final long[] SEEDS = {0x97cb3127L, 0xc3a5c85c97cb3127L, 0xb492b66fbe98f273L, 0x9ae16a3b2f90404fL};

    private final byte[][] counters;
    private final int mask;
    private final long samplePeriod;
    private long additions;

    /** Sizes the sketch for about this many distinct resident objects. */
    FrequencySketch(long expectedEntries) {
        int width = Integer.highestOneBit((int) Math.min(1 << 26, Math.max(16, expectedEntries)) * 2 - 1);
        counters = new byte[DEPTH][width];
        mask = width - 1;
        samplePeriod = 10L * width;
    }

    /** Counts one occurrence of the id. */
    void increment(long id) {
        boolean added = false;
        for (int row = 0; row < DEPTH; row++) {
            int index = index(id, row);
            if (counters[row][index] < MAX_COUNT) {
                counters[row][index]++;
                added = true;
            }
        }
        if (added && ++additions >= samplePeriod) {
            halve();
        }
    }

    /** Returns the estimated count of the id, at most 15. */
    int frequency(long id) {
        int minimum = MAX_COUNT;
        for (int row = 0; row < DEPTH; row++) {
            minimum = Math.min(minimum, counters[row][index(id, row)]);
        }
        return minimum;
    }

    private void halve() {
        for (byte[] row : counters) {
            for (int i = 0; i < row.length; i++) {
                row[i] >>= 1;
            }
        }
        additions /= 2;
    }

    private int index(long id, int row) {
        long hash = (id + SEEDS[row]) * 0x9e3779b97f4a7c15L;
        hash ^= hash >>> 29;
        hash *= 0xbf58476d1ce4e5b9L;
        hash ^= hash >>> 32;
        return (int) hash & mask;
    }
}
