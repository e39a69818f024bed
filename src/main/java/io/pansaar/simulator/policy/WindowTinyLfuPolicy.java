package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.ArrayDeque;

/**
 * W-TinyLFU: a 1% window LRU in front of a segmented LRU (20% probation, 80% protected) whose admission
 * compares sketch frequencies of the window's outgoing candidate and main's victim
 * (<a href="https://doi.org/10.1145/3149371">Einziger, Friedman, Manes, ACM TOS 2017</a>).
 */
public final class WindowTinyLfuPolicy extends SizedPolicy {
    static final double WINDOW_SHARE = 0.01;
    static final double PROTECTED_SHARE = 0.80;

    private final LongHashMap<ObjectList.Node> resident = new LongHashMap<>();
    private final ObjectList window = new ObjectList();
    private final ObjectList probation = new ObjectList();
    private final ObjectList protectedSegment = new ObjectList();
    private final ArrayDeque<ObjectList.Node> candidates = new ArrayDeque<>();
    private final FrequencySketch sketch;
    private final long windowCapacity;
    private final long protectedCapacity;
    private long windowBytes;
    private long protectedBytes;

    /** Creates a W-TinyLFU cache of the given bytes, its sketch sized for objects of the given mean size. */
    public WindowTinyLfuPolicy(long capacity, double meanObjectSize) {
        super("wtinylfu", capacity);
        windowCapacity = Math.max(1, (long) (capacity * WINDOW_SHARE));
        protectedCapacity = (long) ((capacity - windowCapacity) * PROTECTED_SHARE);
        sketch = new FrequencySketch((long) Math.ceil(capacity / Math.max(1, meanObjectSize)));
    }

    @Override
    public void record(Request request) {
        sketch.increment(request.id());
        ObjectList.Node node = resident.get(request.id());
        if (node != null) {
            stats.recordHit(request.size());
            onHit(node);
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        node = new ObjectList.Node(request.id(), request.size());
        resident.put(node.id, node);
        window.addLast(node);
        windowBytes += node.size;
        usedBytes += node.size;
        while (windowBytes > windowCapacity && !window.isEmpty()) {
            ObjectList.Node outgoing = window.pollFirst();
            windowBytes -= outgoing.size;
            probation.addLast(outgoing);
            candidates.addLast(outgoing);
        }
        evictFromMain();
        candidates.clear();
    }

    private void onHit(ObjectList.Node node) {
        if (node.list() == window) {
            window.moveToLast(node);
        } else if (node.list() == probation) {
            probation.remove(node);
            protectedSegment.addLast(node);
            protectedBytes += node.size;
            while (protectedBytes > protectedCapacity && protectedSegment.size() > 1) {
                ObjectList.Node demoted = protectedSegment.pollFirst();
                protectedBytes -= demoted.size;
                probation.addLast(demoted);
            }
        } else {
            protectedSegment.moveToLast(node);
        }
    }

    /** Evicts until the cache fits, each round keeping the more frequent of the oldest candidate and main's victim. */
    private void evictFromMain() {
        while (usedBytes > capacity) {
            ObjectList.Node victim = probation.first();
            if (victim == null) {
                victim = protectedSegment.first();
            }
            if (victim == null) {
                victim = window.first();
            }
            ObjectList.Node candidate = candidates.peekFirst();
            if (candidate == null || candidate == victim) {
                candidates.remove(victim);
                evict(victim);
            } else if (sketch.frequency(candidate.id) > sketch.frequency(victim.id)) {
                evict(victim);
            } else {
                candidates.pollFirst();
                evict(candidate);
            }
        }
    }

    private void evict(ObjectList.Node node) {
        if (node.list() == window) {
            windowBytes -= node.size;
        } else if (node.list() == protectedSegment) {
            protectedBytes -= node.size;
        }
        node.list().remove(node);
        resident.remove(node.id);
        usedBytes -= node.size;
        stats.recordEviction();
    }

    @Override
    public void finished() {
        super.finished();
        if (window.size() + probation.size() + protectedSegment.size() != resident.size()) {
            throw new IllegalStateException("wtinylfu: segments hold a different number of objects than the index");
        }
        if (windowBytes > windowCapacity) {
            throw new IllegalStateException("wtinylfu: window holds " + windowBytes + " bytes over its " + windowCapacity);
        }
    }

    @Override
    protected long residentBytes() {
        return window.recountBytes() + probation.recountBytes() + protectedSegment.recountBytes();
    }
}
