package io.pansaar.simulator.policy;

import java.util.ArrayDeque;

/**
 * S3-FIFO's queues over bytes, shared by the policies built on them: a small FIFO (10% of the bytes)
 * filters one-hit wonders, a main FIFO with 2-bit frequencies reinserts reused objects, and a ghost
 * FIFO of objects evicted from small sends returning objects straight to main
 * (<a href="https://doi.org/10.1145/3600006.3613147">Yang et al., SOSP 2023</a>).
 */
final class S3FifoQueues {

    static final double SMALL_SHARE = 0.10;
    static final int MAX_FREQUENCY = 3;

    /** One resident or remembered object. */
    static final class Entry {
        final long id;
        final long size;
        int frequency;

        private Entry(long id, long size) {
            this.id = id;
            this.size = size;
        }
    }

    private final long capacity;
    private final long smallCapacity;
    private final long ghostCapacity;
    private final Runnable onEviction;
    private final LongHashMap<Entry> resident = new LongHashMap<>();
    private final ArrayDeque<Entry> small = new ArrayDeque<>();
    private final ArrayDeque<Entry> main = new ArrayDeque<>();
    private final LongHashMap<Entry> ghost = new LongHashMap<>();
    /** The ghost's entries, oldest first; an entry no longer in the ghost (readmitted, or evicted again) is skipped. */
    private final ArrayDeque<Entry> ghostOrder = new ArrayDeque<>();
    private long smallBytes;
    private long mainBytes;
    private long ghostBytes;

    /** Queues for a cache of {@code capacity} bytes; {@code onEviction} runs for every evicted object. */
    S3FifoQueues(long capacity, Runnable onEviction) {
        this.capacity = capacity;
        this.onEviction = onEviction;
        smallCapacity = Math.max(1, (long) (capacity * SMALL_SHARE));
        // The ghost remembers as many bytes of evicted objects as the main queue holds.
        ghostCapacity = capacity - smallCapacity;
    }

    /** The resident entry of {@code id}, or null. */
    Entry get(long id) {
        return resident.get(id);
    }

    /** Counts a hit on a resident entry. */
    void touch(Entry entry) {
        entry.frequency = Math.min(entry.frequency + 1, MAX_FREQUENCY);
    }

    /** Admits an object that fits the capacity, evicting until it does; a remembered object goes straight to main. */
    Entry admit(long id, long size) {
        while (usedBytes() + size > capacity) {
            evict();
        }
        Entry remembered = ghost.remove(id);
        Entry entry = new Entry(id, size);
        if (remembered != null) {
            ghostBytes -= remembered.size;
            main.addFirst(entry);
            mainBytes += size;
        } else {
            small.addFirst(entry);
            smallBytes += size;
        }
        resident.put(id, entry);
        return entry;
    }

    /** Bytes of the resident objects, as the queues count them. */
    long usedBytes() {
        return smallBytes + mainBytes;
    }

    /** Sums the resident sizes from the queues themselves, independently of the byte counters. */
    long residentBytesRecounted() {
        return small.stream().mapToLong(entry -> entry.size).sum() + main.stream().mapToLong(entry -> entry.size).sum();
    }

    /** Throws when the queues, the resident map and the ghost disagree with their byte counters. */
    void checkInvariants(String policy) {
        if (small.size() + main.size() != resident.size()) {
            throw new IllegalStateException(policy + ": queues hold " + (small.size() + main.size())
                    + " objects, the resident map " + resident.size());
        }
        if (ghostBytes > ghostCapacity) {
            throw new IllegalStateException(policy + ": ghost remembers " + ghostBytes + " bytes, more than "
                    + ghostCapacity);
        }
    }

    private void evict() {
        if ((smallBytes >= smallCapacity || main.isEmpty()) && evictSmall()) {
            return;
        }
        evictMain();
    }

    /** Moves reused objects from small to main and evicts the first one-hit object into the ghost; false if none. */
    private boolean evictSmall() {
        while (!small.isEmpty()) {
            Entry tail = small.pollLast();
            smallBytes -= tail.size;
            // One hit while in small is enough, as in libCacheSim's S3FIFO (move-to-main threshold 1).
            if (tail.frequency >= 1) {
                tail.frequency = 0;
                main.addFirst(tail);
                mainBytes += tail.size;
            } else {
                drop(tail, true);
                return true;
            }
        }
        return false;
    }

    private void evictMain() {
        while (!main.isEmpty()) {
            Entry tail = main.pollLast();
            if (tail.frequency > 0) {
                tail.frequency--;
                main.addFirst(tail);
            } else {
                mainBytes -= tail.size;
                // The paper's ghost remembers only objects evicted from small.
                drop(tail, false);
                return;
            }
        }
    }

    private void drop(Entry evicted, boolean remember) {
        resident.remove(evicted.id);
        onEviction.run();
        if (!remember) {
            return;
        }
        Entry previous = ghost.put(evicted.id, evicted);
        ghostOrder.addLast(evicted);
        ghostBytes += evicted.size - (previous == null ? 0 : previous.size);
        while (ghostBytes > ghostCapacity && !ghostOrder.isEmpty()) {
            Entry oldest = ghostOrder.pollFirst();
            if (ghost.get(oldest.id) == oldest) {
                ghost.remove(oldest.id);
                ghostBytes -= oldest.size;
            }
        }
    }
}
