package io.pansaar.simulator.policy;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.algorithm.TokenBucket;
import io.pansaar.algorithm.DynamicTtl;
import io.pansaar.simulator.trace.Request;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.SplittableRandom;

/**
 * Pansaar's Algorithm as production runs it, replayed over a trace. Every request that finds a copy adds to the
 * image's decayed request count ({@link AccessPriority}); a new image is always admitted, and while the bytes exceed
 * the capacity the resident of lowest priority S - a·log2(size) leaves, never the image just written. Each copy
 * lives for a dynamic TTL from {@link DynamicTtl}, and falls due for an early refresh at XFetch's due time
 * ({@link EarlyRefresh}); a due copy expected to be requested often enough over one more TTL is refreshed within a
 * token-bucket budget, the others are left to expire. An expired copy is revalidated on its next request (a
 * conditional fetch, counted as a miss). Every revalidation, early or not, lengthens the TTL of an unchanged image
 * and shortens that of a changed one; a ghost as large as the resident set keeps the change history of evicted
 * images.
 *
 * <p>With a fold interval F above 0, a request that finds a fresh copy counts as production counts a hit: it waits
 * in a counter, and every F clock units all waiting requests are folded into their copies' scores at once, dated
 * the fold. Requests of expired copies and admissions count at once, as production's {@code pansaar_get} does.
 */
public final class PansaarPolicy extends SizedPolicy {
    // Chosen on the AdaptSize trace and the Zipf 0.9 synthetic trace at 1, 5, 10 and 25% of their unique bytes
    // (docs/simulation.md), one parameter at a time around the others' values; points are of byte hit ratio.

    /**
     * The half-life of the decayed request count, in clock units. Against 3600: +0.9 to +3.4 points on Zipf, whose
     * popularity does not drift, and -0.7 to +0.5 on AdaptSize; 100000 loses 0.1-1.3 on AdaptSize against 3600.
     */
    static final double HALF_LIFE = 10_000;
    /**
     * The size exponent a of the priority. 0, since the goal puts byte hit ratio first: at 1%, a = 0.25 costs 2.9
     * points of it on AdaptSize and 5.3 on Zipf for 1.5 and 2.0 points of object hit ratio; from 5% up it moves
     * either by less than a point.
     */
    static final double SIZE_EXPONENT = 0;
    /** XFetch's beta, as in the paper; with no fetch times in the traces it only spreads due times. */
    static final double BETA = 1;
    /** The fetch time every copy is assumed to take, in clock units: the traces record none. */
    static final long FETCH_TIME = 10;
    /** The lead of a refresh over its due time, in clock units: the scheduler's tick and queue wait. */
    static final long LEAD = 10;
    /**
     * The requests expected over the next TTL that make a refresh worth an origin fetch. At 1, warm images expire:
     * 0.9-1.6 points less, for 3100-4900 fewer refreshes on AdaptSize. 0.25 gains 0.4-3.3 points more but makes up
     * to 41% more origin fetches (Zipf 25%: 0.80M against 0.57M), more than any baseline.
     */
    static final double MINIMUM_EXPECTED_REQUESTS = 0.5;
    /**
     * The refresh budget: refreshes per clock unit, and how many may be saved up. Generous (the traces carry about
     * one request per unit), so that the worth-it test decides; the budget is for an origin that needs protecting.
     * At 0.05 per unit pansaar loses up to 0.8 points on AdaptSize and 3.0 on Zipf, at 0.01 up to 1.7 and 5.0.
     */
    static final double REFRESHES_PER_UNIT = 1;
    static final double REFRESH_BURST = 100;
    /** The seed of the draws that spread due times, so that runs repeat. */
    static final long SEED = 0x5EED;

    /** The tunable parameters; {@link #DEFAULT} holds the constants above. */
    record Parameters(double halfLife, double sizeExponent, double beta, long fetchTime, long lead,
            double minimumExpectedRequests, double refreshesPerUnit, double refreshBurst, DynamicTtl.Parameters ttl) {
        static final Parameters DEFAULT = new Parameters(HALF_LIFE, SIZE_EXPONENT, BETA, FETCH_TIME, LEAD,
                MINIMUM_EXPECTED_REQUESTS, REFRESHES_PER_UNIT, REFRESH_BURST, DynamicTtl.Parameters.DEFAULT);
    }

    /** A resident copy: its score, its freshness and when it falls due for a refresh. */
    private static final class Copy {
        final long id;
        final long size;
        double score = AccessPriority.NEVER_REQUESTED;
        double priority;
        long fetchedAt;
        long ttl;
        long due;
        ChangeHistory history;
        int priorityPosition = -1;
        int duePosition = -1;
        /** Hits since the last fold, not yet in the score. */
        long unfoldedRequests;

        Copy(long id, long size, ChangeHistory history) {
            this.id = id;
            this.size = size;
            this.history = history;
        }
    }

    private final ChangeModel changes;
    private final AccessPriority access;
    private final EarlyRefresh earlyRefresh;
    private final DynamicTtl dynamicTtl;
    private final long fetchTime;
    private final double refreshesPerUnit;
    private final double refreshBurst;
    private final long minimumTtl;
    private final long maximumTtl;
    private final SplittableRandom random = new SplittableRandom(SEED);
    private final LongHashMap<Copy> residents = new LongHashMap<>();
    // Ties go to the lower id, so that every run evicts and refreshes in the same order.
    private final IndexedHeap<Copy> byPriority = new IndexedHeap<>(
            (a, b) -> a.priority < b.priority || a.priority == b.priority && a.id < b.id,
            IndexedHeap.Positions.of(copy -> copy.priorityPosition, (copy, position) -> copy.priorityPosition = position));
    private final IndexedHeap<Copy> byDue = new IndexedHeap<>(
            (a, b) -> a.due < b.due || a.due == b.due && a.id < b.id,
            IndexedHeap.Positions.of(copy -> copy.duePosition, (copy, position) -> copy.duePosition = position));
    private final LinkedHashMap<Long, ChangeHistory> ghost = new LinkedHashMap<>();
    /** Created at the first due copy, full: the run starts with the whole burst saved up. */
    private TokenBucket refreshBudget;
    private long revalidations;
    private long justAdmittedEvictions;
    /** 0: every request counts at once; else how many clock units hits wait before they are folded in. */
    private final long foldInterval;
    private long nextFold = Long.MIN_VALUE;
    /** The copies with hits waiting for the next fold, each once. */
    private final List<Copy> unfolded = new ArrayList<>();

    /** Creates a Pansaar cache of the given bytes whose origin changes content as the freshness model says. */
    public PansaarPolicy(long capacity, Freshness freshness) {
        this(capacity, freshness, 0);
    }

    /** Creates a Pansaar cache whose hits count at folds every {@code foldInterval} clock units (0: at once). */
    public PansaarPolicy(long capacity, Freshness freshness, long foldInterval) {
        this(capacity, freshness, Parameters.DEFAULT, foldInterval);
    }

    /** Creates a Pansaar cache with other parameters than the defaults, to measure them. */
    PansaarPolicy(long capacity, Freshness freshness, Parameters parameters) {
        this(capacity, freshness, parameters, 0);
    }

    private PansaarPolicy(long capacity, Freshness freshness, Parameters parameters, long foldInterval) {
        super("pansaar", capacity);
        if (foldInterval < 0) {
            throw new IllegalArgumentException("fold interval must be 0 or more clock units, got " + foldInterval);
        }
        this.foldInterval = foldInterval;
        this.changes = freshness.changes();
        long base = freshness.baseTtl();
        // The budget and TTL bounds of a production segment that sets none of its own.
        minimumTtl = DynamicTtl.floorOf(base);
        maximumTtl = DynamicTtl.ceilingOf(base);
        dynamicTtl = new DynamicTtl(DynamicTtl.DEFAULT_FRESHNESS_BUDGET, base, minimumTtl, maximumTtl, parameters.ttl());
        access = new AccessPriority(parameters.halfLife(), parameters.sizeExponent());
        earlyRefresh = new EarlyRefresh(parameters.beta(), parameters.lead(), parameters.minimumExpectedRequests());
        fetchTime = parameters.fetchTime();
        refreshesPerUnit = parameters.refreshesPerUnit();
        refreshBurst = parameters.refreshBurst();
    }

    @Override
    public boolean managesFreshness() {
        return true;
    }

    @Override
    public long fetchedAt(long id) {
        Copy copy = residents.get(id);
        if (copy == null) {
            throw new IllegalArgumentException("pansaar: object " + id + " is not resident");
        }
        return copy.fetchedAt;
    }

    @Override
    public void record(Request request) {
        long now = request.time();
        foldWaitingHits(now);
        refreshDueCopies(now);
        Copy copy = residents.get(request.id());
        if (copy != null) {
            boolean expired = now - copy.fetchedAt >= copy.ttl;
            if (expired || foldInterval == 0) {
                copy.score = access.afterRequest(copy.score, now);
                copy.priority = access.priority(copy.score, copy.size);
                byPriority.update(copy);
            } else if (copy.unfoldedRequests++ == 0) {
                unfolded.add(copy);
            }
            if (expired) {
                // Expired and not refreshed: a conditional fetch that the reader waits for.
                stats.recordMiss(request.size());
                byDue.remove(copy);
                revalidate(copy, now);
            } else {
                stats.recordHit(request.size());
            }
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        ChangeHistory remembered = ghost.remove(request.id());
        copy = new Copy(request.id(), request.size(), remembered == null ? ChangeHistory.NONE : remembered);
        copy.score = access.afterRequest(AccessPriority.NEVER_REQUESTED, now);
        copy.priority = access.priority(copy.score, copy.size);
        copy.fetchedAt = now;
        copy.ttl = dynamicTtl.ttl(copy.history);
        schedule(copy);
        residents.put(copy.id, copy);
        usedBytes += copy.size;
        // The image just written takes no part in the choice of victims, so it cannot be one.
        while (usedBytes > capacity) {
            Copy victim = byPriority.peek();
            if (victim.unfoldedRequests > 0) {
                // Production's eviction folds a candidate's waiting hits first: a copy in demand is never lost for
                // want of a fold.
                victim.score = access.afterRequests(victim.score, now, victim.unfoldedRequests);
                victim.priority = access.priority(victim.score, victim.size);
                victim.unfoldedRequests = 0;
                byPriority.update(victim);
                continue;
            }
            evict(byPriority.poll());
        }
        byPriority.add(copy);
        if (residents.get(copy.id) != copy) {
            justAdmittedEvictions++;
        }
    }

    /** At each fold time passed, counts the waiting hits of every copy still resident, dated the fold. */
    private void foldWaitingHits(long now) {
        if (foldInterval == 0 || now < nextFold) {
            return;
        }
        long foldTime = now - Math.floorMod(now, foldInterval);
        for (Copy copy : unfolded) {
            // An evicted copy's hits are lost with it, as production's fold finds its hash gone; eviction may have
            // folded a candidate's hits already.
            if (copy.unfoldedRequests > 0 && residents.get(copy.id) == copy) {
                copy.score = access.afterRequests(copy.score, foldTime, copy.unfoldedRequests);
                copy.priority = access.priority(copy.score, copy.size);
                byPriority.update(copy);
            }
            copy.unfoldedRequests = 0;
        }
        unfolded.clear();
        nextFold = foldTime + foldInterval;
    }

    /** Refreshes, in due order, every copy due at or before now that is worth it and fits the budget. */
    private void refreshDueCopies(long now) {
        while (byDue.size() > 0 && byDue.peek().due <= now) {
            Copy copy = byDue.poll();
            long due = copy.due;
            if (earlyRefresh.worthRefreshing(access.expectedRequests(copy.score, due, copy.ttl)) && takeRefreshToken(due)) {
                stats.recordRefresh();
                revalidate(copy, due);
            }
        }
    }

    private boolean takeRefreshToken(long time) {
        if (refreshBudget == null) {
            refreshBudget = new TokenBucket(refreshesPerUnit, refreshBurst, refreshBurst, time);
        }
        return refreshBudget.tryTake(time);
    }

    /** Fetches the copy again at the given time: a 304 is evidence of stability, a 200 of change. */
    private void revalidate(Copy copy, long time) {
        revalidations++;
        long age = time - copy.fetchedAt;
        boolean changed = changes.changedBetween(copy.id, copy.fetchedAt, time);
        copy.history = dynamicTtl.revalidated(copy.history, age, changed);
        copy.ttl = dynamicTtl.ttl(copy.history);
        copy.fetchedAt = time;
        schedule(copy);
    }

    private void schedule(Copy copy) {
        // 1 - nextDouble() lies in (0, 1], the range XFetch's logarithm needs.
        long earlyBy = earlyRefresh.earlyBy(fetchTime, copy.ttl, 1 - random.nextDouble());
        if (copy.ttl - earlyBy > Long.MAX_VALUE - copy.fetchedAt) {
            // A copy that never expires (expiry turned off) never falls due.
            return;
        }
        copy.due = copy.fetchedAt + copy.ttl - earlyBy;
        byDue.add(copy);
    }

    private void evict(Copy victim) {
        byDue.remove(victim);
        residents.remove(victim.id);
        usedBytes -= victim.size;
        stats.recordEviction();
        ghost.remove(victim.id);
        ghost.put(victim.id, victim.history);
        // As many remembered histories as residents: production keeps a bounded history per partition.
        Iterator<Long> oldest = ghost.keySet().iterator();
        while (ghost.size() > Math.max(1, residents.size()) && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
    }

    /** Returns how many copies were revalidated at the origin, on a request or early. */
    long revalidations() {
        return revalidations;
    }

    @Override
    public void finished() {
        super.finished();
        if (justAdmittedEvictions > 0) {
            throw new IllegalStateException("pansaar: evicted the object just admitted " + justAdmittedEvictions + " times");
        }
        if (byPriority.size() != residents.size() || byDue.size() > residents.size()) {
            throw new IllegalStateException("pansaar: " + residents.size() + " residents, " + byPriority.size()
                    + " ranked, " + byDue.size() + " due");
        }
        if (ghost.size() > Math.max(1, residents.size())) {
            throw new IllegalStateException("pansaar: ghost remembers " + ghost.size() + " objects, more than the "
                    + residents.size() + " residents");
        }
        byPriority.forEach(copy -> {
            if (copy.ttl < minimumTtl || copy.ttl > maximumTtl) {
                throw new IllegalStateException("pansaar: object " + copy.id + " has TTL " + copy.ttl
                        + " outside " + minimumTtl + ".." + maximumTtl);
            }
            if (residents.get(copy.id) != copy) {
                throw new IllegalStateException("pansaar: object " + copy.id + " is ranked but not resident");
            }
        });
    }

    @Override
    protected long residentBytes() {
        long[] bytes = {0};
        byPriority.forEach(copy -> bytes[0] += copy.size);
        return bytes[0];
    }
}
