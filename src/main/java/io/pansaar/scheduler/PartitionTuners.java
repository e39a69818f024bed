package io.pansaar.scheduler;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.config.PansaarConfig;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.FoldHitsReply;
import io.pansaar.redis.function.Tuning;
import io.pansaar.simulator.policy.PansaarSettings;
import io.pansaar.simulator.policy.PartitionTuner;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The tuners of the partitions whose lease this worker holds ({@code pansaar.priority.tuning}). Each replays what the
 * scheduler folds of its partition (every key requested, with its count and charged bytes, and every new image)
 * through the simulator's {@link PartitionTuner}, the same decisions {@code pansaar-tuned} makes, and stores the
 * half-life and newcomer penalty it moves to in the partition's tuning hash, which writes read. The scheduler counts,
 * evicts and judges early refreshes with the partition's tuned half-life. A worker that takes a lease over starts the
 * tuner from the values stored, with empty shadows. Without tuning every partition counts with the configured
 * settings.
 */
@ApplicationScoped
public class PartitionTuners {

    private static final Logger LOG = Logger.getLogger(PartitionTuners.class);

    private final PansaarFunctions functions;
    private final boolean enabled;
    /** The partition's share of the memory budget: the shadows' capacity. Tuning requires a budget (ConfigurationCheck). */
    private final long shadowCapacity;
    private final PansaarSettings configured;
    private final AccessPriority configuredPriority;
    private final Duration redisTimeout;
    private final Map<Integer, Tuned> tuners = new ConcurrentHashMap<>();
    private final TunerHeapGuard heapGuard = new TunerHeapGuard(Runtime.getRuntime().maxMemory());

    /** A partition's tuner, and whether its values are stored in Redis yet. */
    private static final class Tuned {
        final PartitionTuner tuner;
        boolean stored;
        /** The latest fold's time: the shadows' clock never runs back, whatever Redis' clock does after a failover. */
        long clock;

        Tuned(PartitionTuner tuner, boolean stored) {
            this.tuner = tuner;
            this.stored = stored;
        }
    }

    public PartitionTuners(PansaarFunctions functions, AccessPriority priority, PansaarConfig config,
            Partitioner partitioner) {
        this.functions = functions;
        this.enabled = config.priority().tuning();
        this.shadowCapacity = PansaarConfig.partitionMemoryBudget(config, partitioner).orElse(0L);
        this.configuredPriority = priority;
        // Windows of half-lives: a partition sees far more requests in one than the simulator's windows of requests
        // were chosen on (docs/simulation.md, "Tuner windows at production's traffic").
        this.configured = new PansaarSettings(0, priority.halfLifeMillis(), priority.sizeExponent(),
                priority.newcomerPenalty(), config.priority().tuningSample(), 0, PansaarSettings.TunerWindow.HALF_LIVES);
        this.redisTimeout = config.redisTimeout();
    }

    /** Whether this deployment tunes its partitions' half-life and newcomer penalty. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * The priority the partition counts with now: its tuner's values while this worker tunes it, else the configured
     * ones. Called first in each tick of a partition held, it starts the partition's tuner from the values stored.
     */
    AccessPriority priorityOf(int partition) {
        if (!enabled) {
            return configuredPriority;
        }
        Tuned tuned = tuners.get(partition);
        if (tuned == null) {
            Optional<Tuned> started = takeOver(partition);
            if (started.isEmpty()) {
                return configuredPriority;
            }
            tuned = started.get();
            tuners.put(partition, tuned);
        }
        return priorityWith(tuned.tuner);
    }

    /**
     * Starts a partition's tuner from the values its tuning hash holds, or the configured ones; empty when the hash
     * could not be read, so that the tick counts with the configured values and the next tries again, rather than
     * start from them and store them over values it could not see.
     */
    private Optional<Tuned> takeOver(int partition) {
        Optional<Tuning> stored;
        try {
            stored = functions.tuning(partition).await().atMost(redisTimeout);
        } catch (RuntimeException unread) {
            LOG.warnf("partition %d: its tuned settings could not be read (%s); this tick counts with the configured "
                    + "ones, the next tries again", partition, unread.getMessage());
            return Optional.empty();
        }
        double halfLife = stored.map(Tuning::halfLifeMillis).orElse(configured.halfLife());
        double penalty = stored.map(Tuning::newcomerPenalty).orElse(configured.newcomerPenalty());
        PartitionTuner tuner = new PartitionTuner(shadowCapacity, configured, halfLife, penalty);
        // The stored values may lie outside the ranges of this worker's configured half-life: the tuner clamped them,
        // and stores what it holds at the end of the tick.
        boolean storedAsHeld = stored.isPresent() && stored.get().halfLifeMillis() == tuner.halfLife()
                && stored.get().newcomerPenalty() == tuner.newcomerPenalty();
        LOG.debugf("partition %d: tuning from a half-life of %s and a newcomer penalty of %.3f half-lives",
                (Object) partition, Duration.ofMillis(Math.round(tuner.halfLife())), tuner.newcomerPenalty());
        return Optional.of(new Tuned(tuner, storedAsHeld));
    }

    private AccessPriority priorityWith(PartitionTuner tuner) {
        return new AccessPriority(tuner.halfLife(), configuredPriority.sizeExponent(), tuner.newcomerPenalty());
    }

    /** Replays one fold's report through the partition's tuner. */
    void deliver(int partition, FoldHitsReply fold) {
        Tuned tuned = enabled ? tuners.get(partition) : null;
        if (tuned == null) {
            return;
        }
        tuned.clock = Math.max(tuned.clock, fold.serverMillis());
        for (FoldHitsReply.FoldedImage image : fold.folded()) {
            // An image that left between its hits and the fold has no size to replay it with.
            if (image.chargedBytes() > 0) {
                tuned.tuner.deliver(PartitionTuner.keyId(image.key()), image.chargedBytes(), image.count(),
                        tuned.clock);
            }
        }
    }

    /**
     * Judges the tick's windows of the partition's tuner, and stores its values when they moved (or a store failed
     * before): the writes of every worker read them from there.
     */
    void tickEnded(int partition, String holder) {
        Tuned tuned = enabled ? tuners.get(partition) : null;
        if (tuned == null) {
            return;
        }
        warnOfTheShadowsHeap();
        double halfLifeBefore = tuned.tuner.halfLife();
        double penaltyBefore = tuned.tuner.newcomerPenalty();
        if (tuned.tuner.tickEnded()) {
            tuned.stored = false;
            LOG.infof("partition %d: tuned to a half-life of %s (was %s) and a newcomer penalty of %.3f half-lives "
                    + "(was %.3f)", partition, Duration.ofMillis(Math.round(tuned.tuner.halfLife())),
                    Duration.ofMillis(Math.round(halfLifeBefore)), tuned.tuner.newcomerPenalty(), penaltyBefore);
        }
        if (!tuned.stored) {
            try {
                functions.tune(partition, holder, tuned.tuner.halfLife(), tuned.tuner.newcomerPenalty())
                        .await().atMost(redisTimeout);
                tuned.stored = true;
            } catch (RuntimeException unstored) {
                // Eviction and early refresh must still run this tick; the store is tried again at the next.
                LOG.warnf("partition %d: tuned settings not stored (%s); writes count with those stored before until "
                        + "the next tick stores them", partition, unstored.getMessage());
            }
        }
    }

    /** Warns once the shadows of every partition this worker tunes take more than half its heap. */
    private void warnOfTheShadowsHeap() {
        long shadowObjects = tuners.values().stream().mapToLong(tuned -> tuned.tuner.shadowObjects()).sum();
        if (heapGuard.crossed(shadowObjects)) {
            LOG.warnf("the tuners' shadow caches of %d partitions take about %,d bytes, over half the heap (%,d bytes): "
                    + "give the worker more heap, run more workers, or lower pansaar.priority.tuning-sample "
                    + "(docs/operations.md, Tuning)", tuners.size(), TunerHeapGuard.shadowBytes(shadowObjects),
                    heapGuard.limitBytes() * 2);
        }
    }

    /** Drops the partition's tuner when this worker no longer holds its lease: its next holder starts from the store. */
    void forget(int partition) {
        tuners.remove(partition);
    }
}
