package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MinHeapTest {

    /** An entry as the reference keeps it: the heap keeps the rank, tie-breaker and stamp beside the element. */
    private record Entry(Object element, double rank, long tie, int stamp) {
    }

    private static final Comparator<Entry> ORDER = Comparator.comparingDouble(Entry::rank).thenComparingLong(Entry::tie);

    @Test
    void agreesWithASortedSetUnderRandomAddsPollsReranksAndFilters() {
        TreeSet<Entry> reference = new TreeSet<>(ORDER);
        MinHeap<Object> heap = new MinHeap<>();
        SplittableRandom random = new SplittableRandom(5);
        for (int step = 0; step < 50_000; step++) {
            int action = random.nextInt(8);
            if (action < 4 || reference.isEmpty()) {
                // Few distinct ranks, so that ties are common and the tie-breaker must decide; ties are unique.
                Entry entry = new Entry(new Object(), random.nextInt(100), step, random.nextInt(3));
                reference.add(entry);
                heap.add(entry.element(), entry.rank(), entry.tie(), entry.stamp());
            } else if (action < 6) {
                Entry first = reference.pollFirst();
                assertSame(first.element(), heap.poll());
            } else if (action == 6) {
                Entry first = reference.pollFirst();
                Entry reranked = new Entry(first.element(), random.nextInt(100), first.tie(), first.stamp());
                reference.add(reranked);
                heap.rankFirstAgain(reranked.rank());
            } else if (random.nextInt(50) == 0) {
                int dropped = random.nextInt(3);
                reference.removeIf(entry -> entry.stamp() == dropped);
                heap.retainIf((element, stamp) -> stamp != dropped);
            }
            assertEquals(reference.size(), heap.size());
            if (reference.isEmpty()) {
                assertNull(heap.peek());
            } else {
                assertSame(reference.first().element(), heap.peek());
                assertEquals(reference.first().rank(), heap.firstRank());
                assertEquals(reference.first().stamp(), heap.firstStamp());
            }
        }
    }

    @Test
    void countsWhatAFilterKeepsWithoutChangingTheHeap() {
        MinHeap<String> heap = new MinHeap<>();
        for (int i = 0; i < 10; i++) {
            heap.add("e" + i, 10 - i, i, i % 2);
        }
        assertEquals(5, heap.count((element, stamp) -> stamp == 1));
        assertEquals(10, heap.size());
        assertEquals("e9", heap.peek());
    }

    @Test
    void growsBeyondItsFirstArraysAndEmptiesInOrder() {
        MinHeap<Integer> heap = new MinHeap<>();
        for (int i = 5_000; i > 0; i--) {
            heap.add(i, i, i, 0);
        }
        long[] sum = {0};
        heap.forEach(element -> sum[0] += element);
        assertEquals(5_000L * 5_001 / 2, sum[0]);
        for (int i = 1; i <= 5_000; i++) {
            assertEquals(i, heap.poll());
        }
        assertNull(heap.poll());
        assertThrows(IllegalStateException.class, heap::firstRank);
    }
}
