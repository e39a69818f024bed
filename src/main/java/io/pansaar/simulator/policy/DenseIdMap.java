package io.pansaar.simulator.policy;

import java.util.Arrays;
import java.util.Objects;

/**
 * A map from long ids to non-null values for ids that are mostly small and non-negative, as a loaded trace's are
 * (dense from 0, see {@code Trace}): an id below {@link #DIRECT_LIMIT} indexes an array, so that a lookup reads one
 * slot and a removal clears it, where a hash map probes two arrays and shifts the entries after a removed one. Any
 * other id goes to a {@link LongHashMap}, so every long is a valid key.
 *
 * @param <V> the values
 */
final class DenseIdMap<V> {
    /** The ids below this are held in the array, which grows to the next power of two above the largest: 4 Mi slots. */
    static final long DIRECT_LIMIT = 1L << 22;
    private static final int FIRST_CAPACITY = 1024;

    private Object[] direct = new Object[FIRST_CAPACITY];
    private int directSize;
    private final LongHashMap<V> others = new LongHashMap<>();

    /** Returns the value of the id, or null when the id is absent. */
    V get(long id) {
        if (id >= 0 && id < direct.length) {
            return element((int) id);
        }
        return id >= 0 && id < DIRECT_LIMIT ? null : others.get(id);
    }

    /** Maps the id to the value and returns the value it replaced, or null. */
    V put(long id, V value) {
        Objects.requireNonNull(value, "value");
        if (id < 0 || id >= DIRECT_LIMIT) {
            return others.put(id, value);
        }
        if (id >= direct.length) {
            direct = Arrays.copyOf(direct, Integer.highestOneBit((int) id) * 2);
        }
        V previous = element((int) id);
        direct[(int) id] = value;
        if (previous == null) {
            directSize++;
        }
        return previous;
    }

    /** Removes the id and returns its value, or null when it was absent. */
    V remove(long id) {
        if (id < 0 || id >= DIRECT_LIMIT) {
            return others.remove(id);
        }
        if (id >= direct.length) {
            return null;
        }
        V removed = element((int) id);
        if (removed != null) {
            direct[(int) id] = null;
            directSize--;
        }
        return removed;
    }

    /** Returns how many ids are mapped. */
    int size() {
        return directSize + others.size();
    }

    @SuppressWarnings("unchecked")
    private V element(int id) {
        return (V) direct[id];
    }
}
