package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * S3-FIFO: a small FIFO (10% of the bytes) filters one-hit wonders, a main FIFO with 2-bit frequencies
 * reinserts reused objects, a ghost FIFO of evicted ids sends returning objects straight to main
 * (<a href="https://doi.org/10.1145/3600006.3613147">Yang et al., SOSP 2023</a>).
 */
public final class S3FifoPolicy extends SizedPolicy {
    static final double SMALL_SHARE = 0.10;
    static final int MAX_FREQUENCY = 3;

    private static final class Node {
        final long id;
        final long size;
        int frequency;

        Node(long id, long size) {
            this.id = id;
            this.size = size;
        }
    }

    private final HashMap<Long, Node> resident = new HashMap<>();
    private final ArrayDeque<Node> small = new ArrayDeque<>();
    private final ArrayDeque<Node> main = new ArrayDeque<>();
    private final LinkedHashMap<Long, Long> ghost = new LinkedHashMap<>();
    private final long smallCapacity;
    private final long ghostCapacity;
    private long smallBytes;
    private long mainBytes;
    private long ghostBytes;

    /** Creates an S3-FIFO cache of the given bytes. */
    public S3FifoPolicy(long capacity) {
        super("s3fifo", capacity);
        smallCapacity = Math.max(1, (long) (capacity * SMALL_SHARE));
        // The ghost remembers as many bytes of evicted objects as the main queue holds.
        ghostCapacity = capacity - smallCapacity;
    }

    @Override
    public void record(Request request) {
        Node node = resident.get(request.id());
        if (node != null) {
            stats.recordHit(request.size());
            node.frequency = Math.min(node.frequency + 1, MAX_FREQUENCY);
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        while (usedBytes + request.size() > capacity) {
            evict();
        }
        node = new Node(request.id(), request.size());
        Long remembered = ghost.remove(request.id());
        if (remembered != null) {
            ghostBytes -= remembered;
            main.addFirst(node);
            mainBytes += node.size;
        } else {
            small.addFirst(node);
            smallBytes += node.size;
        }
        resident.put(node.id, node);
        usedBytes += node.size;
    }

    private void evict() {
        if (smallBytes >= smallCapacity || main.isEmpty()) {
            if (evictSmall()) {
                return;
            }
        }
        evictMain();
    }

    /** Moves reused objects from small to main and evicts the first one-hit object into the ghost; false if none. */
    private boolean evictSmall() {
        while (!small.isEmpty()) {
            Node tail = small.pollLast();
            smallBytes -= tail.size;
            // One hit while in small is enough, as in libCacheSim's S3FIFO (move-to-main threshold 1).
            if (tail.frequency >= 1) {
                tail.frequency = 0;
                main.addFirst(tail);
                mainBytes += tail.size;
            } else {
                resident.remove(tail.id);
                usedBytes -= tail.size;
                stats.recordEviction();
                remember(tail);
                return true;
            }
        }
        return false;
    }

    private void evictMain() {
        while (!main.isEmpty()) {
            Node tail = main.pollLast();
            if (tail.frequency > 0) {
                tail.frequency--;
                main.addFirst(tail);
            } else {
                mainBytes -= tail.size;
                resident.remove(tail.id);
                usedBytes -= tail.size;
                stats.recordEviction();
                return;
            }
        }
    }

    private void remember(Node evicted) {
        Long previous = ghost.put(evicted.id, evicted.size);
        ghostBytes += evicted.size - (previous == null ? 0 : previous);
        Iterator<Map.Entry<Long, Long>> oldest = ghost.entrySet().iterator();
        while (ghostBytes > ghostCapacity && oldest.hasNext()) {
            ghostBytes -= oldest.next().getValue();
            oldest.remove();
        }
    }

    @Override
    public void finished() {
        super.finished();
        if (smallBytes + mainBytes != usedBytes || small.size() + main.size() != resident.size()) {
            throw new IllegalStateException("s3fifo: queues hold " + (smallBytes + mainBytes) + " bytes in "
                    + (small.size() + main.size()) + " objects, tracked " + usedBytes + " bytes in " + resident.size());
        }
    }

    @Override
    protected long residentBytes() {
        return small.stream().mapToLong(node -> node.size).sum() + main.stream().mapToLong(node -> node.size).sum();
    }
}
