package io.pansaar.simulator.policy;

import java.util.Objects;

/**
 * A hash map from long keys to non-null values that keeps its keys unboxed (open addressing, linear
 * probing). The replay looks an object up on every request, and a {@code HashMap<Long, V>} allocates a
 * boxed key and an entry for each insertion, which dominated the cost of the simple policies.
 *
 * @param <V> the values
 */
public final class LongHashMap<V> {
    private static final int MINIMUM_CAPACITY = 16;

    private long[] keys;
    private V[] values;
    private int size;
    private int shift;

    /** Creates an empty map. */
    public LongHashMap() {
        allocate(MINIMUM_CAPACITY);
    }

    /** Returns the value of the key, or null when the key is absent. */
    public V get(long key) {
        int mask = values.length - 1;
        for (int slot = slot(key); ; slot = (slot + 1) & mask) {
            V value = values[slot];
            if (value == null || keys[slot] == key) {
                return value;
            }
        }
    }

    /** Maps the key to the value and returns the value it replaced, or null. */
    public V put(long key, V value) {
        Objects.requireNonNull(value, "value");
        int mask = values.length - 1;
        int slot = slot(key);
        while (values[slot] != null) {
            if (keys[slot] == key) {
                V previous = values[slot];
                values[slot] = value;
                return previous;
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        values[slot] = value;
        // At most half full, so probe sequences stay short.
        if (++size > values.length / 2) {
            resize(values.length * 2);
        }
        return null;
    }

    /** Removes the key and returns its value, or null when it was absent. */
    public V remove(long key) {
        int mask = values.length - 1;
        int slot = slot(key);
        while (values[slot] != null && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        V removed = values[slot];
        if (removed == null) {
            return null;
        }
        // Backward-shift deletion: move later entries of the probe run into the hole when their home allows.
        int hole = slot;
        for (int next = (hole + 1) & mask; values[next] != null; next = (next + 1) & mask) {
            int home = slot(keys[next]);
            boolean homeBetweenHoleAndNext = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeBetweenHoleAndNext) {
                keys[hole] = keys[next];
                values[hole] = values[next];
                hole = next;
            }
        }
        values[hole] = null;
        size--;
        return removed;
    }

    /** Returns how many keys are mapped. */
    public int size() {
        return size;
    }

    private int slot(long key) {
        // Fibonacci hashing: the high bits of the product mix every bit of the key.
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    @SuppressWarnings("unchecked")
    private void allocate(int capacity) {
        keys = new long[capacity];
        values = (V[]) new Object[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private void resize(int capacity) {
        long[] oldKeys = keys;
        V[] oldValues = values;
        allocate(capacity);
        int mask = capacity - 1;
        for (int i = 0; i < oldValues.length; i++) {
            if (oldValues[i] != null) {
                int slot = slot(oldKeys[i]);
                while (values[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }
}
