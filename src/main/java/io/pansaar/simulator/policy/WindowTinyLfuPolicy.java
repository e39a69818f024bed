package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;

/**
 * W-TinyLFU: a 1% window LRU in front of a segmented LRU (20% probation, 80% protected) whose admission
 * compares sketch frequencies of the window's outgoing candidate and main's victim
 * (<a href="https://doi.org/10.1145/3149371">Einziger, Friedman, Manes, ACM TOS 2017</a>).
 */
public final class WindowTinyLfuPolicy extends SizedPolicy {
    static final double WINDOW_SHARE = 0.01;
    static final double PROTECTED_SHARE = 0.80;

    private enum Segment { WINDOW, PROBATION, PROTECTED }

    private static final class Node {
        final long id;
        final long size;
        Segment segment;

        Node(long id, long size, Segment segment) {
            this.id = id;
            this.size = size;
            this.segment = segment;
        }
    }

    private final HashMap<Long, Node> resident = new HashMap<>();
    private final LinkedHashMap<Long, Node> window = new LinkedHashMap<>();
    private final LinkedHashMap<Long, Node> probation = new LinkedHashMap<>();
    private final LinkedHashMap<Long, Node> protectedSegment = new LinkedHashMap<>();
    private final ArrayDeque<Node> candidates = new ArrayDeque<>();
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
        Node node = resident.get(request.id());
        if (node != null) {
            stats.recordHit(request.size());
            onHit(node);
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        node = new Node(request.id(), request.size(), Segment.WINDOW);
        resident.put(node.id, node);
        window.put(node.id, node);
        windowBytes += node.size;
        usedBytes += node.size;
        while (windowBytes > windowCapacity && !window.isEmpty()) {
            Node outgoing = pollOldest(window);
            windowBytes -= outgoing.size;
            outgoing.segment = Segment.PROBATION;
            probation.put(outgoing.id, outgoing);
            candidates.addLast(outgoing);
        }
        evictFromMain();
        candidates.clear();
    }

    private void onHit(Node node) {
        switch (node.segment) {
            case WINDOW -> window.put(node.id, window.remove(node.id));
            case PROBATION -> {
                probation.remove(node.id);
                node.segment = Segment.PROTECTED;
                protectedSegment.put(node.id, node);
                protectedBytes += node.size;
                while (protectedBytes > protectedCapacity && protectedSegment.size() > 1) {
                    Node demoted = pollOldest(protectedSegment);
                    protectedBytes -= demoted.size;
                    demoted.segment = Segment.PROBATION;
                    probation.put(demoted.id, demoted);
                }
            }
            case PROTECTED -> protectedSegment.put(node.id, protectedSegment.remove(node.id));
        }
    }

    /** Evicts until the cache fits, each round keeping the more frequent of the oldest candidate and main's victim. */
    private void evictFromMain() {
        while (usedBytes > capacity) {
            Node victim = oldestOf(probation);
            if (victim == null) {
                victim = oldestOf(protectedSegment);
            }
            if (victim == null) {
                victim = oldestOf(window);
            }
            Node candidate = candidates.peekFirst();
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

    private static Node oldestOf(LinkedHashMap<Long, Node> segment) {
        return segment.isEmpty() ? null : segment.values().iterator().next();
    }

    private static Node pollOldest(LinkedHashMap<Long, Node> segment) {
        var oldest = segment.values().iterator();
        Node node = oldest.next();
        oldest.remove();
        return node;
    }

    private void evict(Node node) {
        switch (node.segment) {
            case WINDOW -> {
                window.remove(node.id);
                windowBytes -= node.size;
            }
            case PROBATION -> probation.remove(node.id);
            case PROTECTED -> {
                protectedSegment.remove(node.id);
                protectedBytes -= node.size;
            }
        }
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
        return resident.values().stream().mapToLong(node -> node.size).sum();
    }
}
