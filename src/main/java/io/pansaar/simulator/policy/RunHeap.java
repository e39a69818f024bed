package io.pansaar.simulator.policy;

import java.util.function.Consumer;

/**
 * A min-priority queue for entries that mostly arrive in rank order, ranked by a number, ties going to the lower
 * tie-breaker, which must be unique. An entry ranked after the last one queued joins a run kept in arrival order; any
 * other goes to a {@link MinHeap}. The first entry is the first of the run or of the heap, so the order is the same
 * as one heap's, but an entry that arrives in order and leaves first costs no sift. {@code pansaar} admits every copy
 * ranked by its request time, later than every copy before it: most copies that leave without a second request never
 * enter the heap.
 *
 * @param <T> the elements
 */
final class RunHeap<T> {
    private static final int FIRST_CAPACITY = 1024;

    private final MinHeap<T> heap = new MinHeap<>();
    // The run: a ring buffer of entries in increasing (rank, tie), from head for size entries.
    private Object[] elements = new Object[FIRST_CAPACITY];
    private double[] ranks = new double[FIRST_CAPACITY];
    private long[] ties = new long[FIRST_CAPACITY];
    private int head;
    private int runSize;

    /** Returns how many entries the queue holds. */
    int size() {
        return runSize + heap.size();
    }

    /** Adds an entry for the element, ranked {@code rank}, ties broken by the lower {@code tie}. */
    void add(T element, double rank, long tie) {
        if (runSize > 0) {
            int last = slot(runSize - 1);
            if (!before(ranks[last], ties[last], rank, tie)) {
                heap.add(element, rank, tie, 0);
                return;
            }
        }
        if (runSize == elements.length) {
            grow();
        }
        int slot = slot(runSize++);
        elements[slot] = element;
        ranks[slot] = rank;
        ties[slot] = tie;
    }

    /** Returns the first entry's element, or null when the queue is empty. */
    T peek() {
        if (runFirst()) {
            return element(head);
        }
        return heap.peek();
    }

    /** Returns the first entry's rank; the queue must not be empty. */
    double firstRank() {
        return runFirst() ? ranks[head] : heap.firstRank();
    }

    /**
     * Gives the first entry a new rank, keeping its element and tie-breaker; the queue must not be empty. An entry of
     * the run goes to the heap: a rank given again is out of the arrival order, and at the run's end it would send the
     * entries arriving after it to the heap.
     */
    void rankFirstAgain(double rank) {
        if (runFirst()) {
            T element = element(head);
            long tie = ties[head];
            removeRunHead();
            heap.add(element, rank, tie, 0);
        } else {
            heap.rankFirstAgain(rank);
        }
    }

    /** Removes the first entry and returns its element, or returns null when the queue is empty. */
    T poll() {
        if (runFirst()) {
            T first = element(head);
            removeRunHead();
            return first;
        }
        return heap.poll();
    }

    /** Runs the action for the element of every entry, in no particular order. */
    void forEach(Consumer<T> action) {
        for (int i = 0; i < runSize; i++) {
            action.accept(element(slot(i)));
        }
        heap.forEach(action);
    }

    /** Whether the first entry is the run's: the run has one ranked before the heap's first, or the heap is empty. */
    private boolean runFirst() {
        if (runSize == 0) {
            return false;
        }
        if (heap.size() == 0) {
            return true;
        }
        return before(ranks[head], ties[head], heap.firstRank(), heap.firstTie());
    }

    private void removeRunHead() {
        elements[head] = null;
        head = (head + 1) & (elements.length - 1);
        runSize--;
    }

    private int slot(int index) {
        return (head + index) & (elements.length - 1);
    }

    @SuppressWarnings("unchecked")
    private T element(int slot) {
        return (T) elements[slot];
    }

    private static boolean before(double rank, long tie, double otherRank, long otherTie) {
        return rank < otherRank || rank == otherRank && tie < otherTie;
    }

    /** Doubles the ring buffer, the run starting again at its first slot. */
    private void grow() {
        int capacity = elements.length * 2;
        Object[] newElements = new Object[capacity];
        double[] newRanks = new double[capacity];
        long[] newTies = new long[capacity];
        for (int i = 0; i < runSize; i++) {
            int from = slot(i);
            newElements[i] = elements[from];
            newRanks[i] = ranks[from];
            newTies[i] = ties[from];
        }
        elements = newElements;
        ranks = newRanks;
        ties = newTies;
        head = 0;
    }
}
