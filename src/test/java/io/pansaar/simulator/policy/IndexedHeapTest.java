package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class IndexedHeapTest {

    /** An element in two heaps at once: by key and by id descending. */
    private static final class Item {
        final int id;
        double key;
        int byKey = -1;
        int byIdDescending = -1;

        Item(int id, double key) {
            this.id = id;
            this.key = key;
        }
    }

    private static IndexedHeap<Item> byKey() {
        return new IndexedHeap<>((a, b) -> a.key < b.key || a.key == b.key && a.id < b.id,
                IndexedHeap.Positions.of(item -> item.byKey, (item, position) -> item.byKey = position));
    }

    private static IndexedHeap<Item> byIdDescending() {
        return new IndexedHeap<>((a, b) -> a.id > b.id,
                IndexedHeap.Positions.of(item -> item.byIdDescending, (item, position) -> item.byIdDescending = position));
    }

    @Test
    void agreesWithASortedSetUnderRandomAddsUpdatesRemovesAndPolls() {
        Comparator<Item> order = Comparator.<Item>comparingDouble(item -> item.key).thenComparingInt(item -> item.id);
        TreeSet<Item> reference = new TreeSet<>(order);
        IndexedHeap<Item> heap = byKey();
        List<Item> items = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(5);
        for (int step = 0; step < 50_000; step++) {
            int action = random.nextInt(4);
            if (action == 0 || items.isEmpty()) {
                // Few distinct keys, so that ties are common and the id must break them.
                Item item = new Item(step, random.nextInt(100));
                items.add(item);
                reference.add(item);
                heap.add(item);
            } else if (action == 1) {
                Item item = items.get(random.nextInt(items.size()));
                reference.remove(item);
                item.key = random.nextInt(100);
                reference.add(item);
                heap.update(item);
            } else if (action == 2) {
                Item item = items.remove(random.nextInt(items.size()));
                reference.remove(item);
                heap.remove(item);
                assertFalse(heap.contains(item));
            } else {
                Item first = heap.poll();
                assertSame(reference.pollFirst(), first);
                items.remove(first);
            }
            assertEquals(reference.size(), heap.size());
            assertSame(reference.isEmpty() ? null : reference.first(), heap.peek());
        }
    }

    @Test
    void anElementMayBelongToTwoHeapsAtOnce() {
        IndexedHeap<Item> keys = byKey();
        IndexedHeap<Item> ids = byIdDescending();
        Item[] items = {new Item(1, 30), new Item(2, 10), new Item(3, 20)};
        for (Item item : items) {
            keys.add(item);
            ids.add(item);
        }
        ids.remove(items[2]);
        assertTrue(keys.contains(items[2]));
        assertFalse(ids.contains(items[2]));
        assertSame(items[1], keys.poll());
        assertSame(items[1], ids.poll());
        assertSame(items[2], keys.poll());
        assertSame(items[0], ids.poll());
        assertNull(ids.poll());
        assertNull(ids.peek());
        // Removing what is not there changes nothing.
        ids.remove(items[0]);
        assertEquals(0, ids.size());
        assertEquals(1, keys.size());
    }

    @Test
    void growsBeyondItsFirstArray() {
        IndexedHeap<Item> heap = byKey();
        for (int i = 5_000; i > 0; i--) {
            heap.add(new Item(i, i));
        }
        double[] sum = {0};
        heap.forEach(item -> sum[0] += item.key);
        assertEquals(5_000 * 5_001 / 2.0, sum[0]);
        for (int i = 1; i <= 5_000; i++) {
            assertEquals(i, heap.poll().id);
        }
    }
}
