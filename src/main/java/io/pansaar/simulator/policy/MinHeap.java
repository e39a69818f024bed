package io.pansaar.simulator.policy;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A four-ary min-heap of elements ranked by a number, ties going to the lower tie-breaker, each entry carrying a stamp
 * its owner uses to tell a current entry from an outdated one. The ranks, tie-breakers and stamps live in arrays beside
 * the elements, so that sifting reads and writes no element: on a replay the elements are scattered over the JVM's
 * heap, and touching one per level of a sift was most of a sift's time. Without positions kept in the elements an
 * entry cannot be found by its element; owners rank only the first one again ({@link #rankFirstAgain}) and leave
 * outdated entries to be skipped when they come out, or dropped by {@link #retainIf}.
 *
 * @param <T> the elements
 */
final class MinHeap<T> {

    /** Whether an entry, its element and its stamp, is kept. */
    interface EntryFilter<T> {
        boolean keep(T element, int stamp);
    }

    private static final int FIRST_CAPACITY = 1024;
    /**
     * Children per entry. Four halve a binary heap's depth, and an entry's children lie side by side in the arrays:
     * a poll, which moves one entry per level, moves half as many.
     */
    private static final int ARITY = 4;

    private Object[] elements = new Object[FIRST_CAPACITY];
    private double[] ranks = new double[FIRST_CAPACITY];
    private long[] ties = new long[FIRST_CAPACITY];
    private int[] stamps = new int[FIRST_CAPACITY];
    private int size;

    /** Returns how many entries the heap holds. */
    int size() {
        return size;
    }

    /** Returns the first entry's element, or null when the heap is empty. */
    T peek() {
        return size == 0 ? null : element(0);
    }

    /** Returns the first entry's rank; the heap must not be empty. */
    double firstRank() {
        requireNotEmpty();
        return ranks[0];
    }

    /** Returns the first entry's tie-breaker; the heap must not be empty. */
    long firstTie() {
        requireNotEmpty();
        return ties[0];
    }

    /** Returns the first entry's stamp; the heap must not be empty. */
    int firstStamp() {
        requireNotEmpty();
        return stamps[0];
    }

    /** Adds an entry for the element, ranked {@code rank}, ties broken by the lower {@code tie}. */
    void add(T element, double rank, long tie, int stamp) {
        if (size == elements.length) {
            elements = Arrays.copyOf(elements, size * 2);
            ranks = Arrays.copyOf(ranks, size * 2);
            ties = Arrays.copyOf(ties, size * 2);
            stamps = Arrays.copyOf(stamps, size * 2);
        }
        int position = size++;
        while (position > 0) {
            int parent = (position - 1) / ARITY;
            if (!before(rank, tie, ranks[parent], ties[parent])) {
                break;
            }
            move(parent, position);
            position = parent;
        }
        place(position, element, rank, tie, stamp);
    }

    /** Removes the first entry and returns its element, or returns null when the heap is empty. */
    T poll() {
        if (size == 0) {
            return null;
        }
        T first = element(0);
        int last = --size;
        T lastElement = element(last);
        elements[last] = null;
        if (size > 0) {
            siftDown(0, lastElement, ranks[last], ties[last], stamps[last]);
        }
        return first;
    }

    /** Gives the first entry a new rank, keeping its element, tie-breaker and stamp; the heap must not be empty. */
    void rankFirstAgain(double rank) {
        requireNotEmpty();
        siftDown(0, element(0), rank, ties[0], stamps[0]);
    }

    /** Keeps only the entries the filter keeps, in O(n). */
    void retainIf(EntryFilter<T> filter) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (filter.keep(element(i), stamps[i])) {
                move(i, kept++);
            }
        }
        Arrays.fill(elements, kept, size, null);
        size = kept;
        // Floyd's heap construction: sift every parent down, the deepest first.
        for (int parent = size < 2 ? -1 : (size - 2) / ARITY; parent >= 0; parent--) {
            siftDown(parent, element(parent), ranks[parent], ties[parent], stamps[parent]);
        }
    }

    /** Runs the action for the element of every entry, in no particular order. */
    void forEach(Consumer<T> action) {
        for (int i = 0; i < size; i++) {
            action.accept(element(i));
        }
    }

    /** Runs the filter's test on every entry and returns how many it keeps, changing nothing. */
    int count(EntryFilter<T> filter) {
        int count = 0;
        for (int i = 0; i < size; i++) {
            if (filter.keep(element(i), stamps[i])) {
                count++;
            }
        }
        return count;
    }

    @SuppressWarnings("unchecked")
    private T element(int position) {
        return (T) elements[position];
    }

    private void requireNotEmpty() {
        if (size == 0) {
            throw new IllegalStateException("the heap is empty");
        }
    }

    private static boolean before(double rank, long tie, double otherRank, long otherTie) {
        return rank < otherRank || rank == otherRank && tie < otherTie;
    }

    /**
     * Places the entry at {@code position}, whose subtree it must be sifted into, bottom-up (Floyd): the hole first
     * runs down to a leaf along the smallest children, then the entry rises from there. An entry sifted down from the
     * top, the last one after a poll or a first one ranked again, mostly belongs near the leaves, so the descent makes
     * no comparison with it, and the few that decide where it stops are on the way up.
     */
    private void siftDown(int position, T element, double rank, long tie, int stamp) {
        int top = position;
        int first;
        while ((first = ARITY * position + 1) < size) {
            int smallest;
            if (first + ARITY <= size) {
                smallest = firstOfFour(first);
            } else {
                smallest = first;
                for (int child = first + 1; child < size; child++) {
                    if (before(ranks[child], ties[child], ranks[smallest], ties[smallest])) {
                        smallest = child;
                    }
                }
            }
            move(smallest, position);
            position = smallest;
        }
        while (position > top) {
            int parent = (position - 1) / ARITY;
            if (!before(rank, tie, ranks[parent], ties[parent])) {
                break;
            }
            move(parent, position);
            position = parent;
        }
        place(position, element, rank, tie, stamp);
    }

    /**
     * Returns the position of the first of the four entries from {@code first}, the lower position among equals, as a
     * scan from the left finds it: the first of each pair, then the first of the two. Which child is smallest is a coin
     * toss on a replay, so the picks are conditional moves rather than branches the processor mispredicts half the time.
     */
    private int firstOfFour(int first) {
        int left = first + (precedes(first + 1, first) ? 1 : 0);
        int right = first + 2 + (precedes(first + 3, first + 2) ? 1 : 0);
        return precedes(right, left) ? right : left;
    }

    /** Whether the entry at {@code position} is ranked before the one at {@code other}, as {@link #before}, branch-free. */
    private boolean precedes(int position, int other) {
        double rank = ranks[position];
        double otherRank = ranks[other];
        return rank < otherRank | rank == otherRank & ties[position] < ties[other];
    }

    private void move(int from, int to) {
        elements[to] = elements[from];
        ranks[to] = ranks[from];
        ties[to] = ties[from];
        stamps[to] = stamps[from];
    }

    private void place(int position, T element, double rank, long tie, int stamp) {
        elements[position] = element;
        ranks[position] = rank;
        ties[position] = tie;
        stamps[position] = stamp;
    }
}
