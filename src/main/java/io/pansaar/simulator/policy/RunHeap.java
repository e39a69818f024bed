package io.pansaar.simulator.policy;

import java.util.function.Consumer;

/**
 * A min-priority queue for entries that mostly arrive in rank order, or as a few interleaved streams each in rank
 * order, ranked by a number, ties going to the lower tie-breaker, which must be unique. An entry joins one of a few
 * runs kept in arrival order, the one whose last entry is the latest ranked before it, if any run's is; any other goes
 * to a {@link MinHeap}. The first entry is the first of a run or of the heap, so the order is the same as one heap's,
 * but an entry that arrives in order and leaves first costs no sift. {@code pansaar} admits every copy ranked by its
 * request time, later than every copy of its kind before it: a new image's rank is dated back by the newcomer penalty
 * and a remembered one's is not, so each kind needs a run of its own, and most copies that leave without a second
 * request never enter the heap.
 *
 * @param <T> the elements
 */
final class RunHeap<T> {
    /** The first entry is the heap's, not a run's. */
    private static final int HEAP = -1;
    /** Where the first entry is has to be worked out again: the queue changed since. */
    private static final int UNKNOWN = -2;

    private final MinHeap<T> heap = new MinHeap<>();
    private final Run[] runs;
    /**
     * Where the first entry is, a run's index or {@link #HEAP}, or {@link #UNKNOWN}: an eviction asks for the first
     * entry's element, then its rank, then removes it, and each would otherwise compare every run's first with the heap's.
     */
    private int firstSource = UNKNOWN;

    /** Creates a queue with one run, for entries that arrive as one stream mostly in rank order. */
    RunHeap() {
        this(1);
    }

    /** Creates a queue with this many runs, for entries that arrive as that many interleaved streams in rank order. */
    RunHeap(int runCount) {
        if (runCount < 1) {
            throw new IllegalArgumentException("a run heap needs at least one run, got " + runCount);
        }
        runs = new Run[runCount];
        for (int i = 0; i < runCount; i++) {
            runs[i] = new Run();
        }
    }

    /** Returns how many entries the queue holds. */
    int size() {
        int size = heap.size();
        for (Run run : runs) {
            size += run.size;
        }
        return size;
    }

    /** Adds an entry for the element, ranked {@code rank}, ties broken by the lower {@code tie}. */
    void add(T element, double rank, long tie) {
        firstSource = UNKNOWN;
        Run joined = runToJoin(rank, tie);
        if (joined == null) {
            heap.add(element, rank, tie, 0);
        } else {
            joined.append(element, rank, tie);
        }
    }

    /**
     * Adds an entry to run {@code run} at its end if it ranks after the run's last entry or the run is empty, otherwise
     * to the heap: for entries that arrive as known streams, each in rank order, one run per stream. Choosing a run by
     * rank alone, as {@link #add} does, lets one stream's entries that tie on rank but arrive in falling tie-breaker
     * order take the other stream's run while it is empty, and the other stream's entries all go to the heap after it.
     */
    void add(T element, double rank, long tie, int run) {
        firstSource = UNKNOWN;
        Run stream = runs[run];
        if (stream.size == 0 || before(stream.lastRank(), stream.lastTie(), rank, tie)) {
            stream.append(element, rank, tie);
        } else {
            heap.add(element, rank, tie, 0);
        }
    }

    /**
     * Returns the run the entry may join at its end, or null if none: of the runs whose last entry is ranked before it,
     * the one whose last entry is the latest, so that the other runs stay open to entries ranked earlier; an empty run
     * only if no other takes it.
     */
    private Run runToJoin(double rank, long tie) {
        Run chosen = null;
        Run empty = null;
        for (Run run : runs) {
            if (run.size == 0) {
                empty = empty == null ? run : empty;
            } else if (before(run.lastRank(), run.lastTie(), rank, tie)
                    && (chosen == null || before(chosen.lastRank(), chosen.lastTie(), run.lastRank(), run.lastTie()))) {
                chosen = run;
            }
        }
        return chosen != null ? chosen : empty;
    }

    /** Returns the first entry's element, or null when the queue is empty. */
    T peek() {
        int first = firstSource();
        return first == HEAP ? heap.peek() : element(runs[first].firstElement());
    }

    /** Returns the first entry's rank; the queue must not be empty. */
    double firstRank() {
        int first = firstSource();
        return first == HEAP ? heap.firstRank() : runs[first].firstRank();
    }

    /**
     * Gives the first entry a new rank, keeping its element and tie-breaker; the queue must not be empty. An entry of
     * a run goes to the heap: a rank given again is out of the arrival order, and at the run's end it would send the
     * entries arriving after it to the heap.
     */
    void rankFirstAgain(double rank) {
        int first = firstSource();
        firstSource = UNKNOWN;
        if (first == HEAP) {
            heap.rankFirstAgain(rank);
        } else {
            Run run = runs[first];
            long tie = run.firstTie();
            heap.add(element(run.removeFirst()), rank, tie, 0);
        }
    }

    /** Removes the first entry and returns its element, or returns null when the queue is empty. */
    T poll() {
        int first = firstSource();
        firstSource = UNKNOWN;
        return first == HEAP ? heap.poll() : element(runs[first].removeFirst());
    }

    /** Runs the action for the element of every entry, in no particular order. */
    void forEach(Consumer<T> action) {
        for (Run run : runs) {
            for (int i = 0; i < run.size; i++) {
                action.accept(element(run.elements[run.slot(i)]));
            }
        }
        heap.forEach(action);
    }

    /**
     * Returns the index of the run whose first entry is the queue's first, or {@link #HEAP} when it is the heap's or the
     * queue is empty.
     */
    private int firstSource() {
        if (firstSource == UNKNOWN) {
            firstSource = findFirstSource();
        }
        return firstSource;
    }

    private int findFirstSource() {
        int first = HEAP;
        double firstRank = 0;
        long firstTie = 0;
        if (heap.size() > 0) {
            firstRank = heap.firstRank();
            firstTie = heap.firstTie();
        }
        for (int i = 0; i < runs.length; i++) {
            Run run = runs[i];
            if (run.size > 0 && (first == HEAP && heap.size() == 0
                    || before(run.firstRank(), run.firstTie(), firstRank, firstTie))) {
                first = i;
                firstRank = run.firstRank();
                firstTie = run.firstTie();
            }
        }
        return first;
    }

    @SuppressWarnings("unchecked")
    private T element(Object element) {
        return (T) element;
    }

    private static boolean before(double rank, long tie, double otherRank, long otherTie) {
        return rank < otherRank || rank == otherRank && tie < otherTie;
    }

    /** Entries in increasing (rank, tie): a ring buffer from head for size entries. */
    private static final class Run {
        private static final int FIRST_CAPACITY = 1024;

        Object[] elements = new Object[FIRST_CAPACITY];
        double[] ranks = new double[FIRST_CAPACITY];
        long[] ties = new long[FIRST_CAPACITY];
        int head;
        int size;

        double firstRank() {
            return ranks[head];
        }

        long firstTie() {
            return ties[head];
        }

        Object firstElement() {
            return elements[head];
        }

        double lastRank() {
            return ranks[slot(size - 1)];
        }

        long lastTie() {
            return ties[slot(size - 1)];
        }

        /** Adds an entry at the end; it must be ranked after the last one. */
        void append(Object element, double rank, long tie) {
            if (size == elements.length) {
                grow();
            }
            int slot = slot(size++);
            elements[slot] = element;
            ranks[slot] = rank;
            ties[slot] = tie;
        }

        /** Removes the first entry and returns its element; the run must not be empty. */
        Object removeFirst() {
            Object first = elements[head];
            elements[head] = null;
            head = (head + 1) & (elements.length - 1);
            size--;
            return first;
        }

        int slot(int index) {
            return (head + index) & (elements.length - 1);
        }

        /** Doubles the ring buffer, the run starting again at its first slot. */
        private void grow() {
            int capacity = elements.length * 2;
            Object[] newElements = new Object[capacity];
            double[] newRanks = new double[capacity];
            long[] newTies = new long[capacity];
            for (int i = 0; i < size; i++) {
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
}
