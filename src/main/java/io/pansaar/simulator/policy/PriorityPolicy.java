package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.Arrays;

/** A cache that evicts the resident object of lowest priority; subclasses define the priority. */
abstract class PriorityPolicy extends SizedPolicy {

    /** A resident object and what its priority is computed from. */
    static final class Entry {
        final long id;
        final long size;
        long frequency;
        long lastAccess;
        double priority;
        private int heapIndex;

        Entry(long id, long size) {
            this.id = id;
            this.size = size;
        }
    }

    private final LongHashMap<Entry> entries = new LongHashMap<>();
    /**
     * A binary min-heap of the entries by (priority, last access, id), each entry knowing its index so a hit
     * can re-sift it in place. The order is total, so the evicted entry is the same as a sorted set's first.
     */
    private Entry[] heap = new Entry[1024];
    private int heapSize;
    private final boolean newObjectMayLose;
    private long position;

    /**
     * @param newObjectMayLose whether the incoming object competes with the residents (and is not
     *     admitted when its priority is the lowest), rather than always being admitted
     */
    PriorityPolicy(String name, long capacity, boolean newObjectMayLose) {
        super(name, capacity);
        this.newObjectMayLose = newObjectMayLose;
    }

    /** Returns the priority of an entry whose frequency and last access were just updated; lowest is evicted first. */
    protected abstract double priority(Entry entry, long position);

    /** Called after an entry left the cache to make room. */
    protected void evicted(Entry entry) {
    }

    @Override
    public void record(Request request) {
        long now = position++;
        Entry entry = entries.get(request.id());
        if (entry != null) {
            stats.recordHit(request.size());
            touch(entry, now);
            siftUp(entry.heapIndex, entry);
            siftDown(entry.heapIndex, entry);
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        entry = new Entry(request.id(), request.size());
        touch(entry, now);
        if (newObjectMayLose) {
            admit(entry);
            evictWhile(0);
        } else {
            evictWhile(entry.size);
            admit(entry);
        }
    }

    private void touch(Entry entry, long now) {
        entry.frequency++;
        entry.lastAccess = now;
        entry.priority = priority(entry, now);
    }

    private void admit(Entry entry) {
        entries.put(entry.id, entry);
        if (heapSize == heap.length) {
            heap = Arrays.copyOf(heap, heapSize * 2);
        }
        siftUp(heapSize++, entry);
        usedBytes += entry.size;
    }

    private void evictWhile(long incomingBytes) {
        while (usedBytes + incomingBytes > capacity) {
            Entry victim = heap[0];
            Entry last = heap[--heapSize];
            heap[heapSize] = null;
            if (heapSize > 0) {
                siftDown(0, last);
            }
            entries.remove(victim.id);
            usedBytes -= victim.size;
            stats.recordEviction();
            evicted(victim);
        }
    }

    private static boolean before(Entry a, Entry b) {
        int byPriority = Double.compare(a.priority, b.priority);
        if (byPriority != 0) {
            return byPriority < 0;
        }
        if (a.lastAccess != b.lastAccess) {
            return a.lastAccess < b.lastAccess;
        }
        return a.id < b.id;
    }

    /** Places the entry at index or above it, moving the parents it precedes down. */
    private void siftUp(int index, Entry entry) {
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            if (!before(entry, heap[parent])) {
                break;
            }
            place(heap[parent], index);
            index = parent;
        }
        place(entry, index);
    }

    /** Places the entry at index or below it, moving the children that precede it up. */
    private void siftDown(int index, Entry entry) {
        while (true) {
            int child = 2 * index + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && before(heap[child + 1], heap[child])) {
                child++;
            }
            if (!before(heap[child], entry)) {
                break;
            }
            place(heap[child], index);
            index = child;
        }
        place(entry, index);
    }

    private void place(Entry entry, int index) {
        heap[index] = entry;
        entry.heapIndex = index;
    }

    @Override
    public void finished() {
        super.finished();
        if (entries.size() != heapSize) {
            throw new IllegalStateException(stats.name() + ": " + entries.size() + " entries but " + heapSize + " queued");
        }
        for (int i = 1; i < heapSize; i++) {
            if (before(heap[i], heap[(i - 1) >>> 1])) {
                throw new IllegalStateException(stats.name() + ": the eviction heap is out of order at " + i);
            }
        }
    }

    @Override
    protected long residentBytes() {
        long bytes = 0;
        for (int i = 0; i < heapSize; i++) {
            bytes += heap[i].size;
        }
        return bytes;
    }
}
