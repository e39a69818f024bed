package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RunHeapTest {

    private record Entry(Object element, double rank, long tie) {
    }

    private static final Comparator<Entry> ORDER = Comparator.comparingDouble(Entry::rank).thenComparingLong(Entry::tie);

    @Test
    void agreesWithASortedSetWhetherEntriesArriveInOrderOrNot() {
        for (int runs = 1; runs <= 3; runs++) {
            agreesWithASortedSet(new RunHeap<>(runs));
        }
    }

    private static void agreesWithASortedSet(RunHeap<Object> queue) {
        TreeSet<Entry> reference = new TreeSet<>(ORDER);
        SplittableRandom random = new SplittableRandom(9);
        double clock = 0;
        for (int step = 0; step < 60_000; step++) {
            int action = random.nextInt(10);
            if (action < 5 || reference.isEmpty()) {
                // Mostly later than everything queued so far (the run), sometimes earlier or tied (the heap).
                clock += random.nextInt(3);
                double rank = random.nextInt(8) == 0 ? clock - random.nextInt(50) : clock;
                Entry entry = new Entry(new Object(), rank, random.nextLong(1_000_000_000L));
                reference.add(entry);
                queue.add(entry.element(), entry.rank(), entry.tie());
            } else if (action < 8) {
                assertSame(reference.pollFirst().element(), queue.poll());
            } else {
                Entry first = reference.pollFirst();
                Entry reranked = new Entry(first.element(), first.rank() + random.nextInt(100), first.tie());
                reference.add(reranked);
                queue.rankFirstAgain(reranked.rank());
            }
            assertEquals(reference.size(), queue.size());
            if (reference.isEmpty()) {
                assertNull(queue.peek());
            } else {
                assertSame(reference.first().element(), queue.peek());
                assertEquals(reference.first().rank(), queue.firstRank());
            }
        }
        Set<Object> elements = new HashSet<>();
        queue.forEach(elements::add);
        assertEquals(reference.size(), elements.size());
        reference.forEach(entry -> assertEquals(true, elements.contains(entry.element())));
    }

    @Test
    void interleavedStreamsInOrderEachLeaveInOrderAcrossRuns() {
        TreeSet<Entry> reference = new TreeSet<>(ORDER);
        RunHeap<Object> queue = new RunHeap<>(2);
        SplittableRandom random = new SplittableRandom(11);
        for (int time = 0; time < 20_000; time++) {
            // As pansaar admits: a new image's rank dated back by a penalty, a remembered one's not.
            double rank = random.nextInt(4) == 0 ? time / 100.0 : time / 100.0 - 1;
            Entry entry = new Entry(new Object(), rank, time);
            reference.add(entry);
            queue.add(entry.element(), entry.rank(), entry.tie());
            if (random.nextInt(3) == 0) {
                assertSame(reference.pollFirst().element(), queue.poll());
            }
            if (random.nextInt(50) == 0) {
                Entry first = reference.pollFirst();
                Entry reranked = new Entry(first.element(), first.rank() + random.nextInt(20), first.tie());
                reference.add(reranked);
                queue.rankFirstAgain(reranked.rank());
            }
            assertTheFirstAgrees(reference, queue);
        }
        assertItEmptiesInOrder(reference, queue);
    }

    @Test
    void streamsNamingTheirRunsLeaveInOrderWhenTheyTieOnRankInNoTieOrder() {
        // As pansaar admits on a trace of many requests per clock unit: new images by rising id, a unit dated back, and
        // remembered images of the same unit in any id order, which the heap takes when their run cannot.
        TreeSet<Entry> reference = new TreeSet<>(ORDER);
        RunHeap<Object> queue = new RunHeap<>(2);
        SplittableRandom random = new SplittableRandom(13);
        long nextNewId = 1_000_000;
        for (int step = 0; step < 40_000; step++) {
            // 500 admissions a clock unit.
            double unit = Math.floorDiv(step, 500);
            boolean remembered = random.nextInt(5) == 0;
            Entry entry = remembered ? new Entry(new Object(), unit, random.nextLong(1_000_000))
                    : new Entry(new Object(), unit - 1, nextNewId++);
            if (reference.add(entry)) {
                queue.add(entry.element(), entry.rank(), entry.tie(), remembered ? 1 : 0);
            }
            if (random.nextInt(3) == 0) {
                assertSame(reference.pollFirst().element(), queue.poll());
            }
            assertTheFirstAgrees(reference, queue);
        }
        assertItEmptiesInOrder(reference, queue);
    }

    /** The queue holds as many entries as the sorted set, and its first is the set's. */
    private static void assertTheFirstAgrees(TreeSet<Entry> reference, RunHeap<Object> queue) {
        assertEquals(reference.size(), queue.size());
        assertSame(reference.first().element(), queue.peek());
        assertEquals(reference.first().rank(), queue.firstRank());
    }

    /** The queue gives up its entries in the sorted set's order, and then nothing. */
    private static void assertItEmptiesInOrder(TreeSet<Entry> reference, RunHeap<Object> queue) {
        while (!reference.isEmpty()) {
            assertSame(reference.pollFirst().element(), queue.poll());
        }
        assertNull(queue.poll());
    }

    @Test
    void aRunLongerThanItsFirstArraysLeavesInOrder() {
        RunHeap<Integer> queue = new RunHeap<>();
        for (int i = 0; i < 3_000; i++) {
            queue.add(i, i, i);
            if (i % 3 == 0) {
                assertEquals(i / 3, queue.poll());
            }
        }
        for (int i = 1_000; i < 3_000; i++) {
            assertEquals(i, queue.poll());
        }
        assertNull(queue.poll());
    }
}
