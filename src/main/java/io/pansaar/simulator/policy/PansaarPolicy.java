package io.pansaar.simulator.policy;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.algorithm.FreshnessTtl;
import io.pansaar.simulator.ChangeModel;
import io.pansaar.simulator.Freshness;
import io.pansaar.simulator.trace.Request;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pansaar's Algorithm as replayed by the simulator. Eviction and admission follow S3-FIFO over bytes: a small
 * FIFO (10% of the bytes) filters one-hit wonders, a main FIFO reinserts objects used since their last pass,
 * and a ghost of evicted ids admits returning objects straight into main. Each copy lives for a dynamic TTL
 * from {@link FreshnessTtl}: an expired copy is revalidated on its next request (a conditional fetch that
 * counts as an origin fetch), and what the revalidation shows (unchanged, or changed) lengthens or shortens
 * the next TTL within the segment's bounds. The ghost keeps the change history of evicted objects.
 */
public final class PansaarPolicy extends SizedPolicy {
    static final double SMALL_SHARE = 0.10;
    static final int MAX_FREQUENCY = 3;
    /** The share of hits allowed to be stale. */
    static final double FRESHNESS_BUDGET = 0.01;
    /** How many changes the segment's prior is worth in an image's TTL. */
    static final double PRIOR_WEIGHT = 0.25;
    /** How many changes the base TTL's prior is worth in the segment's mean change interval. */
    static final double SEGMENT_PRIOR_WEIGHT = 1;
    /** The share of the freshness budget the TTL aims at, leaving room for estimation error. */
    static final double BUDGET_TARGET = 0.7;
    /** The TTL bounds as multiples of the base TTL: a minute and a week around an hour. */
    static final long MINIMUM_TTL_DIVISOR = 60;
    static final long MAXIMUM_TTL_FACTOR = 168;

    private static final class Node {
        final long id;
        final long size;
        int frequency;
        long fetchedAt;
        long ttl;
        ChangeHistory history;

        Node(long id, long size, long fetchedAt, ChangeHistory history) {
            this.id = id;
            this.size = size;
            this.fetchedAt = fetchedAt;
            this.history = history;
        }
    }

    private record Ghost(long size, ChangeHistory history) {
    }

    private final HashMap<Long, Node> resident = new HashMap<>();
    private final ArrayDeque<Node> small = new ArrayDeque<>();
    private final ArrayDeque<Node> main = new ArrayDeque<>();
    private final LinkedHashMap<Long, Ghost> ghost = new LinkedHashMap<>();
    private final ChangeModel changes;
    private final FreshnessTtl ttlFormula;
    private final long minimumTtl;
    private final long maximumTtl;
    private final long smallCapacity;
    private final long ghostCapacity;
    private long smallBytes;
    private long mainBytes;
    private long ghostBytes;
    private long revalidations;
    private ChangeHistory segmentHistory;
    private final double segmentPriorChanges;

    /** Creates a Pansaar cache of the given bytes whose origin changes content as the freshness model says. */
    public PansaarPolicy(long capacity, Freshness freshness) {
        super("pansaar", capacity);
        this.changes = freshness.changes();
        long base = freshness.baseTtl();
        minimumTtl = Math.max(1, base / MINIMUM_TTL_DIVISOR);
        maximumTtl = base > Long.MAX_VALUE / MAXIMUM_TTL_FACTOR ? Long.MAX_VALUE : base * MAXIMUM_TTL_FACTOR;
        ttlFormula = new FreshnessTtl(FRESHNESS_BUDGET * BUDGET_TARGET, minimumTtl, maximumTtl, PRIOR_WEIGHT);
        // Before any revalidation the segment's prior gives a new image the base TTL.
        segmentHistory = new ChangeHistory(SEGMENT_PRIOR_WEIGHT * ttlFormula.priorFor(Math.min(base, maximumTtl)), 0);
        segmentPriorChanges = SEGMENT_PRIOR_WEIGHT;
        smallCapacity = Math.max(1, (long) (capacity * SMALL_SHARE));
        ghostCapacity = capacity - smallCapacity;
    }

    @Override
    public boolean managesFreshness() {
        return true;
    }

    @Override
    public void record(Request request) {
        long now = request.time();
        Node node = resident.get(request.id());
        if (node != null) {
            node.frequency = Math.min(node.frequency + 1, MAX_FREQUENCY);
            if (now - node.fetchedAt >= node.ttl) {
                // Expired: a conditional fetch; a 304 is evidence of stability, a 200 of change.
                revalidations++;
                stats.recordMiss(request.size());
                boolean changed = changes.changedBetween(node.id, node.fetchedAt, now);
                node.history = node.history.revalidated(now - node.fetchedAt, changed);
                segmentHistory = segmentHistory.revalidated(now - node.fetchedAt, changed);
                node.ttl = ttl(node.history);
                node.fetchedAt = now;
            } else {
                stats.recordHit(request.size());
            }
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        while (usedBytes + request.size() > capacity) {
            evict();
        }
        Ghost remembered = ghost.remove(request.id());
        node = new Node(request.id(), request.size(), now, remembered == null ? ChangeHistory.NONE : remembered.history());
        node.ttl = ttl(node.history);
        if (remembered != null) {
            ghostBytes -= remembered.size();
            main.addFirst(node);
            mainBytes += node.size;
        } else {
            small.addFirst(node);
            smallBytes += node.size;
        }
        resident.put(node.id, node);
        usedBytes += node.size;
    }

    private long ttl(ChangeHistory history) {
        return ttlFormula.ttl(history, segmentHistory.exposure() / (segmentHistory.changes() + segmentPriorChanges));
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
            Node tail = small.pollLast();
            smallBytes -= tail.size;
            if (tail.frequency >= 1) {
                tail.frequency = 0;
                main.addFirst(tail);
                mainBytes += tail.size;
            } else {
                drop(tail);
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
                drop(tail);
                return;
            }
        }
    }

    private void drop(Node evicted) {
        resident.remove(evicted.id);
        usedBytes -= evicted.size;
        stats.recordEviction();
        Ghost previous = ghost.put(evicted.id, new Ghost(evicted.size, evicted.history));
        ghostBytes += evicted.size - (previous == null ? 0 : previous.size());
        Iterator<Map.Entry<Long, Ghost>> oldest = ghost.entrySet().iterator();
        while (ghostBytes > ghostCapacity && oldest.hasNext()) {
            ghostBytes -= oldest.next().getValue().size();
            oldest.remove();
        }
    }

    /** Returns how many expired copies were revalidated at the origin. */
    long revalidations() {
        return revalidations;
    }

    @Override
    public void finished() {
        super.finished();
        if (smallBytes + mainBytes != usedBytes || small.size() + main.size() != resident.size()) {
            throw new IllegalStateException("pansaar: queues hold " + (smallBytes + mainBytes) + " bytes in "
                    + (small.size() + main.size()) + " objects, tracked " + usedBytes + " bytes in " + resident.size());
        }
        for (Node node : resident.values()) {
            if (node.ttl < minimumTtl || node.ttl > maximumTtl) {
                throw new IllegalStateException("pansaar: object " + node.id + " has TTL " + node.ttl
                        + " outside " + minimumTtl + ".." + maximumTtl);
            }
        }
        if (ghostBytes > ghostCapacity) {
            throw new IllegalStateException("pansaar: ghost remembers " + ghostBytes + " bytes, more than " + ghostCapacity);
        }
    }

    @Override
    protected long residentBytes() {
        return small.stream().mapToLong(node -> node.size).sum() + main.stream().mapToLong(node -> node.size).sum();
    }
}
