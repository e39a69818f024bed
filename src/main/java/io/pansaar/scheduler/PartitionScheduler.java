package io.pansaar.scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;

import org.jboss.logging.Logger;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.algorithm.TokenBucket;
import io.pansaar.logging.LogText;
import io.pansaar.logging.RepeatingFailureLog;
import io.pansaar.config.PansaarConfig;
import io.pansaar.config.WorkerIdentity;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.EvictReply;
import io.pansaar.redis.function.FoldHitsReply;
import io.pansaar.redis.function.RefreshDueReply;
import io.pansaar.redis.function.RepairReply;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Runs each partition's duties in the worker that holds the partition's lease, so two workers never do one
 * partition's work at once and a dead worker's partitions move to another when its leases lapse. Every worker
 * announces itself each tick and holds at most its fair share of the leases, ceil(partitions / workers),
 * giving up the rest for the others to take. Every tick, for every partition whose lease this worker takes or
 * renews:
 * <ol>
 * <li>fold hits: count the hits readers recorded with a plain HINCRBY into the images' priorities and the
 * statistics;</li>
 * <li>tune, when {@code pansaar.priority.tuning} is on: replay what the fold counted through the partition's tuner
 * ({@link PartitionTuners}), which may move the half-life the rest of the tick and the writes count with;</li>
 * <li>repair: check in O(1) that the partition's charged bytes and used bytes agree with its index (Redis may have
 * evicted them, or the partition was written by API 6), and when they do not, rebuild them from the image hashes, a
 * batch per tick;</li>
 * <li>evict: unindex images Redis expired, then delete the lowest-priority images while the partition is over
 * its share of {@code pansaar.memory-budget};</li>
 * <li>refresh early: of the images due (XFetch), enqueue a refresh for those expected to be read again within
 * a TTL, within the partition's share of {@code pansaar.refresh.max-per-second}; leave the rest to expire.</li>
 * </ol>
 * Each step touches at most {@code pansaar.scheduler.batch-size} images, each in O(log n).
 */
@ApplicationScoped
public class PartitionScheduler {

    private static final Logger LOG = Logger.getLogger(PartitionScheduler.class);

    /** Skips the ticks when {@code pansaar.scheduler.enabled} is false. */
    @Singleton
    public static class Disabled implements Scheduled.SkipPredicate {
        private final boolean enabled;

        public Disabled(PansaarConfig config) {
            this.enabled = config.scheduler().enabled();
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return !enabled;
        }
    }

    private final PansaarFunctions functions;
    private final PartitionTuners tuners;
    private final EarlyRefresh earlyRefresh;
    private final int partitions;
    private final long leaseMillis;
    private final int batchSize;
    private final Duration redisTimeout;
    private final long queuedMarkerMillis;
    private final Optional<Long> partitionBudget;
    private final double refreshesPerSecond;
    private final double refreshBurst;
    private final String holder;
    private final Map<Integer, TokenBucket> refreshBudgets = new HashMap<>();
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();
    private final int firstPartition;
    private volatile boolean stopping;
    /** An outage fails every tick: warned of once a minute, and its end told (see {@link RepeatingFailureLog}). */
    private final RepeatingFailureLog announceFailures = new RepeatingFailureLog(LOG, "scheduler: announcing this worker");
    private final Map<Integer, RepeatingFailureLog> dutyFailures = new ConcurrentHashMap<>();

    public PartitionScheduler(PansaarFunctions functions, PartitionTuners tuners, EarlyRefresh earlyRefresh,
            PansaarConfig config, Partitioner partitioner, WorkerIdentity identity) {
        this.functions = functions;
        this.tuners = tuners;
        this.earlyRefresh = earlyRefresh;
        this.partitions = partitioner.partitions();
        this.leaseMillis = config.scheduler().lease().toMillis();
        this.batchSize = config.scheduler().batchSize();
        this.redisTimeout = config.redisTimeout();
        this.queuedMarkerMillis = config.worker().queuedMarkerTtl().toMillis();
        this.partitionBudget = PansaarConfig.partitionMemoryBudget(config, partitioner);
        this.refreshesPerSecond = config.refresh().maxPerSecond() / partitions;
        this.holder = identity.name();
        this.firstPartition = Math.floorMod(holder.hashCode(), partitions);
        // Two intervals' worth, so a tick that comes a little late still finds a whole token; the interval's
        // bounds are checked at start-up by ConfigurationCheck.
        this.refreshBurst = Math.max(1, refreshesPerSecond * 2 * config.scheduler().interval().toMillis() / 1000.0);
    }

    /** The name under which this worker holds leases. */
    public String holder() {
        return holder;
    }

    /** Runs the duties of every partition whose lease this worker holds; a failing partition does not stop the rest. */
    @Scheduled(every = "${pansaar.scheduler.interval}", delayed = "${pansaar.scheduler.interval}",
            skipExecutionIf = Disabled.class, concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (stopping) {
            return;
        }
        int workers;
        try {
            workers = functions.announce(holder, leaseMillis).await().atMost(redisTimeout);
            announceFailures.succeeded();
        } catch (RuntimeException e) {
            // A tick that began just before shutdown may find the Redis client closed under it: no fault then.
            if (stopping) {
                LOG.debugf("scheduler: could not announce this worker while stopping: %s", e.getMessage());
            } else {
                announceFailures.failed("scheduler: could not announce this worker: " + LogText.failure(e));
            }
            return;
        }
        int fairShare = (partitions + workers - 1) / Math.max(1, workers);
        for (int step = 0; step < partitions && !stopping; step++) {
            // Each worker starts from its own partition, so workers reach for different leases first.
            int partition = (firstPartition + step) % partitions;
            try {
                if (held.contains(partition) && held.size() > fairShare) {
                    functions.releaseLease(partition, holder).await().atMost(redisTimeout);
                    held.remove(partition);
                    refreshBudgets.remove(partition);
                    tuners.forget(partition);
                    dutyFailures.remove(partition);
                } else if (held.contains(partition) || held.size() < fairShare) {
                    if (runDuties(partition)) {
                        held.add(partition);
                    } else {
                        held.remove(partition);
                    }
                    dutyFailures(partition).succeeded();
                } else {
                    // Another worker's duties now, and their failures: a run of this worker's ends untold, rather than
                    // one warned of again, much later, as if it had lasted all along.
                    dutyFailures.remove(partition);
                }
            } catch (RuntimeException e) {
                // Logged, not rethrown: the next tick tries again, and the lease lapses if this worker is unwell.
                dutyFailures(partition).failed("partition " + partition + ": scheduler duties failed: " + LogText.failure(e));
            }
        }
    }

    private RepeatingFailureLog dutyFailures(int partition) {
        return dutyFailures.computeIfAbsent(partition,
                key -> new RepeatingFailureLog(LOG, "partition " + key + ": scheduler duties"));
    }

    /** The partitions whose lease this worker held at the end of its last tick. */
    Set<Integer> heldPartitions() {
        return Set.copyOf(held);
    }

    /** Runs one partition's duties when this worker holds or can take its lease; returns whether it did. */
    boolean runDuties(int partition) {
        if (!functions.acquireLease(partition, holder, leaseMillis).await().atMost(redisTimeout)) {
            refreshBudgets.remove(partition);
            tuners.forget(partition);
            return false;
        }
        foldHits(partition, tuners.priorityOf(partition).halfLifeMillis());
        tuners.tickEnded(partition, holder);
        // The tuner may have moved the half-life at the end of this tick's fold: eviction and refresh count with it.
        AccessPriority priority = tuners.priorityOf(partition);
        repair(partition);
        EvictReply report = evictInSlices(partition, priority);
        if (report.evicted() > 0 || report.swept() > 0) {
            LOG.debugf("partition %d: swept %d expired, evicted %d; %,d bytes in %d images", partition, report.swept(),
                    report.evicted(), report.usedBytes(), report.images());
        }
        refreshEarly(partition, priority);
        return true;
    }

    /**
     * Spends up to a batch of images on {@code slice}, in calls of at most {@link PansaarFunctions#MAX_IMAGES_PER_CALL}
     * so that no function call blocks Redis for long, until a call says there is no more to do or the worker stops.
     */
    private void inSlices(IntPredicate slice) {
        int left = batchSize;
        boolean more = true;
        while (more && left > 0 && !stopping) {
            int size = Math.min(left, PansaarFunctions.MAX_IMAGES_PER_CALL);
            more = slice.test(size);
            left -= size;
        }
    }

    /**
     * Sweeps and evicts up to a batch of images, stopping at the first call that found less than its limit to do: one
     * that ranked its limit of candidates anew, rather than evict them, counts as having found its limit.
     */
    private EvictReply evictInSlices(int partition, AccessPriority priority) {
        AtomicReference<EvictReply> total = new AtomicReference<>(
                new EvictReply(0, 0, 0, 0, 0));
        inSlices(size -> {
            int limit = PansaarFunctions.evictionLimit(size);
            EvictReply last = functions.evict(partition, holder, partitionBudget, limit, priority.halfLifeMillis(),
                    priority.probationShare())
                    .await().atMost(redisTimeout);
            EvictReply sum = total.get();
            total.set(new EvictReply(sum.swept() + last.swept(), sum.evicted() + last.evicted(),
                    last.usedBytes(), last.images(), sum.rankedAnew() + last.rankedAnew()));
            return last.swept() == limit || last.evicted() == limit || last.rankedAnew() == limit;
        });
        return total.get();
    }

    /**
     * Folds up to a batch of images' hits into their priorities and the statistics, first, so that eviction and
     * early refresh judge by them; eviction also folds any candidate's hits that still wait. Each fold's report goes
     * to the partition's tuner.
     */
    private void foldHits(int partition, double halfLifeMillis) {
        inSlices(size -> {
            FoldHitsReply fold = functions.foldHits(partition, size, halfLifeMillis, tuners.enabled())
                    .await().atMost(redisTimeout);
            tuners.deliver(partition, fold);
            return fold.waiting() > 0;
        });
    }

    /** Runs before eviction, so that a rebuild finished in this tick gives eviction the right figures at once. */
    private void repair(int partition) {
        // A rebuild walks up to a batch of images per tick and goes on at the next.
        inSlices(size -> {
            RepairReply report = functions.repair(partition, holder, size).await().atMost(redisTimeout);
            report.damage().ifPresent(damage -> LOG.warnf("partition %d: %s; rebuilding the used bytes "
                    + "from the image hashes, %d images per tick (is Redis' maxmemory-policy allkeys-*? see docs/protocol.md, "
                    + "Which keys Redis may evict)", partition, damage, batchSize));
            if (report.outcome() == RepairReply.Outcome.REPAIRED) {
                LOG.infof("partition %d: used bytes rebuilt", partition);
            }
            return report.outcome() == RepairReply.Outcome.REPAIRING;
        });
    }

    /**
     * Judges up to a batch of due images; it stops at a slice that was not full, or once the refresh budget left
     * images due (they stay first in line for the next tick).
     */
    private void refreshEarly(int partition, AccessPriority priority) {
        inSlices(size -> refreshEarlySlice(partition, size, priority));
    }

    /** Judges up to {@code slice} due images; returns whether more may be due that this tick can handle. */
    private boolean refreshEarlySlice(int partition, int slice, AccessPriority priority) {
        RefreshDueReply due = functions.refreshDue(partition, slice, priority.halfLifeMillis()).await().atMost(redisTimeout);
        // Due entries whose image had expired were unindexed instead of listed; they took their share of the slice.
        boolean fullSlice = due.images().size() + due.swept() == slice;
        if (due.images().isEmpty()) {
            return fullSlice;
        }
        TokenBucket budget = refreshBudgets.computeIfAbsent(partition,
                any -> new TokenBucket(refreshesPerSecond / 1000, refreshBurst, 0, due.serverMillis()));
        List<String> worth = new ArrayList<>();
        List<String> drop = new ArrayList<>();
        for (RefreshDueReply.DueImage image : due.images()) {
            // A hash without meta (written by API 5 or older) tells nothing to judge by: it is left to expire.
            boolean unknown = image.accessScore().isEmpty() || image.freshTtlMillis().isEmpty();
            if (!unknown && earlyRefresh.worthRefreshing(priority.expectedRequests(image.accessScore().get(),
                    due.serverMillis(), image.freshTtlMillis().get()))) {
                worth.add(image.key());
            } else {
                drop.add(image.key());
            }
        }
        int tokens = budget.available(due.serverMillis());
        long enqueued = functions.refreshEarly(partition, holder, queuedMarkerMillis, tokens, worth, drop)
                .await().atMost(redisTimeout);
        budget.spend((int) enqueued);
        LOG.debugf("partition %d: %d early refreshes enqueued, %d images left to expire", partition, enqueued,
                drop.size());
        // Every image of a full slice is no longer due unless the budget ran out: the next slice lists new ones.
        return fullSlice && worth.size() <= tokens;
    }

    /** Gives every lease up at shutdown, so other workers take the partitions over at once. */
    void releaseLeases(@Observes ShutdownEvent event) {
        stopping = true;
        try {
            functions.leave(holder, leaseMillis).await().atMost(redisTimeout);
        } catch (RuntimeException e) {
            LOG.debugf("scheduler: not removed from the workers (%s); forgotten after pansaar.scheduler.lease",
                    e.getMessage());
        }
        for (int partition = 0; partition < partitions; partition++) {
            try {
                functions.releaseLease(partition, holder).await().atMost(redisTimeout);
            } catch (RuntimeException e) {
                LOG.debugf("partition %d: lease not released (%s); it lapses after pansaar.scheduler.lease",
                        partition, e.getMessage());
            }
        }
    }
}
