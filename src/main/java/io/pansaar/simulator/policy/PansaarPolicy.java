package io.pansaar.simulator.policy;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.algorithm.FreshnessTtl;
import io.pansaar.simulator.ChangeModel;
import io.pansaar.simulator.Freshness;
import io.pansaar.simulator.trace.Request;

/**
 * Pansaar's Algorithm as replayed by the simulator. Eviction and admission follow S3-FIFO over bytes: a small
 * FIFO (10% of the bytes) filters one-hit wonders, a main FIFO reinserts objects used since their last pass,
 * and a ghost of evicted ids admits returning objects straight into main. Each copy lives for a dynamic TTL
 * from {@link FreshnessTtl}: an expired copy is revalidated on its next request (a conditional fetch that
 * counts as an origin fetch), and what the revalidation shows (unchanged, or changed) lengthens or shortens
 * the next TTL within the segment's bounds. The ghost keeps the change history of evicted objects.
 */
public final class PansaarPolicy extends SizedPolicy {
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

    /** What the policy keeps with each object; the ghost keeps it too, for its change history. */
    private static final class Copy {
        long fetchedAt;
        long ttl;
        ChangeHistory history;

        Copy(long fetchedAt, ChangeHistory history) {
            this.fetchedAt = fetchedAt;
            this.history = history;
        }
    }

    private final S3FifoQueues<Copy> queues;
    private final ChangeModel changes;
    private final FreshnessTtl ttlFormula;
    private final long minimumTtl;
    private final long maximumTtl;
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
        // Objects evicted from main are remembered too, so a returning image keeps its change history.
        queues = new S3FifoQueues<>(capacity, stats::recordEviction, true);
    }

    @Override
    public boolean managesFreshness() {
        return true;
    }

    @Override
    public void record(Request request) {
        long now = request.time();
        S3FifoQueues.Entry<Copy> entry = queues.get(request.id());
        if (entry != null) {
            queues.touch(entry);
            Copy copy = entry.data;
            if (now - copy.fetchedAt >= copy.ttl) {
                // Expired: a conditional fetch; a 304 is evidence of stability, a 200 of change.
                revalidations++;
                stats.recordMiss(request.size());
                boolean changed = changes.changedBetween(entry.id, copy.fetchedAt, now);
                copy.history = copy.history.revalidated(now - copy.fetchedAt, changed);
                segmentHistory = segmentHistory.revalidated(now - copy.fetchedAt, changed);
                copy.ttl = ttl(copy.history);
                copy.fetchedAt = now;
            } else {
                stats.recordHit(request.size());
            }
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        Copy copy = queues.admit(request.id(), request.size(),
                remembered -> new Copy(now, remembered == null ? ChangeHistory.NONE : remembered.history)).data;
        copy.ttl = ttl(copy.history);
        usedBytes = queues.usedBytes();
    }

    private long ttl(ChangeHistory history) {
        return ttlFormula.ttl(history, segmentHistory.exposure() / (segmentHistory.changes() + segmentPriorChanges));
    }

    /** Returns how many expired copies were revalidated at the origin. */
    long revalidations() {
        return revalidations;
    }

    @Override
    public void finished() {
        super.finished();
        queues.checkInvariants("pansaar");
        for (S3FifoQueues.Entry<Copy> entry : queues.residents()) {
            if (entry.data.ttl < minimumTtl || entry.data.ttl > maximumTtl) {
                throw new IllegalStateException("pansaar: object " + entry.id + " has TTL " + entry.data.ttl
                        + " outside " + minimumTtl + ".." + maximumTtl);
            }
        }
    }

    @Override
    protected long residentBytes() {
        return queues.residentBytesRecounted();
    }
}
