package io.pansaar.simulator.policy;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;
import java.util.function.ToIntFunction;

/**
 * A binary min-heap whose elements know their position in it, so that an element can be removed, or put back in order
 * after its key changed, in O(log n) without a search. An element may belong to several heaps at once, each keeping
 * its position in a field of its own.
 *
 * @param <T> the elements
 */
final class IndexedHeap<T> {

    /** The order of the heap: whether {@code a} comes out before {@code b}. It must be total, so that runs repeat. */
    interface Order<T> {
        boolean before(T a, T b);
    }

    /** Where an element keeps its position in this heap: -1 when it is not in it. */
    interface Positions<T> {
        int get(T element);

        void set(T element, int position);

        /** Returns the positions kept in a field of the element, read and written by the given functions. */
        static <T> Positions<T> of(ToIntFunction<T> getter, ObjIntConsumer<T> setter) {
            return new Positions<>() {
                @Override
                public int get(T element) {
                    return getter.applyAsInt(element);
                }

                @Override
                public void set(T element, int position) {
                    setter.accept(element, position);
                }
            };
        }
    }

    private final Order<T> order;
    private final Positions<T> positions;
    private Object[] elements = new Object[1024];
    private int size;

    /** Creates an empty heap in the given order, whose elements keep their position where {@code positions} says. */
    IndexedHeap(Order<T> order, Positions<T> positions) {
        this.order = order;
        this.positions = positions;
    }

    /** Returns how many elements the heap holds. */
    int size() {
        return size;
    }

    /** Returns whether the element is in the heap. */
    boolean contains(T element) {
        int position = positions.get(element);
        return position >= 0 && position < size && elements[position] == element;
    }

    /** Returns the first element, or null when the heap is empty. */
    T peek() {
        return size == 0 ? null : element(0);
    }

    /** Adds an element that is not in the heap. */
    void add(T element) {
        if (size == elements.length) {
            elements = Arrays.copyOf(elements, size * 2);
        }
        siftUp(size++, element);
    }

    /** Removes and returns the first element, or returns null when the heap is empty. */
    T poll() {
        if (size == 0) {
            return null;
        }
        T first = element(0);
        remove(first);
        return first;
    }

    /** Removes an element if it is in the heap. */
    void remove(T element) {
        if (!contains(element)) {
            return;
        }
        int position = positions.get(element);
        T last = element(--size);
        elements[size] = null;
        positions.set(element, -1);
        if (last != element) {
            siftUp(position, last);
            siftDown(positions.get(last), last);
        }
    }

    /** Puts an element of the heap back in order after its key changed. */
    void update(T element) {
        int position = positions.get(element);
        siftUp(position, element);
        siftDown(positions.get(element), element);
    }

    /** Runs the action for every element, in no particular order. */
    void forEach(Consumer<T> action) {
        for (int i = 0; i < size; i++) {
            action.accept(element(i));
        }
    }

    @SuppressWarnings("unchecked")
    private T element(int position) {
        return (T) elements[position];
    }

    private void siftUp(int position, T element) {
        while (position > 0) {
            int parent = (position - 1) >>> 1;
            T above = element(parent);
            if (!order.before(element, above)) {
                break;
            }
            place(above, position);
            position = parent;
        }
        place(element, position);
    }

    private void siftDown(int position, T element) {
        while (true) {
            int child = 2 * position + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && order.before(element(child + 1), element(child))) {
                child++;
            }
            T below = element(child);
            if (!order.before(below, element)) {
                break;
            }
            place(below, position);
            position = child;
        }
        place(element, position);
    }

    private void place(T element, int position) {
        elements[position] = element;
        positions.set(element, position);
    }
}
