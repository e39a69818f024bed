package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.Comparator;
import java.util.HashMap;
import java.util.TreeSet;

/** A cache that evicts the resident object of lowest priority; subclasses define the priority. */
abstract class PriorityPolicy extends SizedPolicy {

    /** A resident object and what its priority is computed from. */
    static final class Entry {
        final long id;
        final long size;
        long frequency;
        long lastAccess;
        double priority;

        Entry(long id, long size) {
            this.id = id;
            this.size = size;
        }
    }

    private static final Comparator<Entry> BY_PRIORITY = Comparator.<Entry>comparingDouble(entry -> entry.priority)
            .thenComparingLong(entry -> entry.lastAccess)
            .thenComparingLong(entry -> entry.id);

    private final HashMap<Long, Entry> entries = new HashMap<>();
    private final TreeSet<Entry> queue = new TreeSet<>(BY_PRIORITY);
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
            queue.remove(entry);
            touch(entry, now);
            queue.add(entry);
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
        queue.add(entry);
        usedBytes += entry.size;
    }

    private void evictWhile(long incomingBytes) {
        while (usedBytes + incomingBytes > capacity) {
            Entry victim = queue.pollFirst();
            entries.remove(victim.id);
            usedBytes -= victim.size;
            stats.recordEviction();
            evicted(victim);
        }
    }

    @Override
    public void finished() {
        super.finished();
        if (entries.size() != queue.size()) {
            throw new IllegalStateException(stats.name() + ": " + entries.size() + " entries but " + queue.size() + " queued");
        }
    }

    @Override
    protected long residentBytes() {
        return queue.stream().mapToLong(entry -> entry.size).sum();
    }
}
