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
 * through the simulator's {@link PartitionTuner}, the same decisions {@code pansaar-tuned} makes ({@code
 * pansaar-tuned-probation}'s with a probationary stage, whose share it tunes too), and stores the half-life, newcomer
 * penalty and probation share it moves to in the partition's tuning hash, which writes read. The scheduler counts,
 * evicts and judges early refreshes with the partition's tuned half-life. A worker that takes a lease over starts the
 * tuner from the values stored, with empty shadows. Without tuning every partition counts with the configured
 * settings.
 *
 * <p>The shadows live in this worker's heap: when they pass {@code pansaar.priority.tuning-heap-share} of it, the
 * worker halves the share of the keys they replay and rebuilds every tuner from its current values ({@link
 * TunerHeapGuard}), rather than run out of heap; once they have settled within a quarter of it, it doubles a lowered
 * share again, up to the configured one, and rebuilds them alike.
 */
@ApplicationScoped
public class PartitionTuners {

    private static final Logger LOG = Logger.getLogger(PartitionTuners.class);

    private final PansaarFunctions functions;
    private final boolean enabled;
    /** The partition's share of the memory budget: the shadows' capacity. Tuning requires a budget (ConfigurationCheck). */
    private final long shadowCapacity;
    /** The configured settings every tuner starts from, a takeover's or a rebuild's, at the heap guard's sample. */
    private final PansaarSettings configured;
    private final AccessPriority configuredPriority;
    private final Duration redisTimeout;
    private final Map<Integer, Tuned> tuners = new ConcurrentHashMap<>();
    private final TunerHeapGuard heapGuard;

    /**
     * How many configured half-lives of folds a tuner's shadows replay before the heap guard takes their size for what
     * they grow to: the half-life's window, the longer of the two tuners' (a shadow built empty says nothing at first).
     */
    static final int SETTLING_HALF_LIVES = 2;
    /**
     * The smallest sample a halving is told of at INFO rather than WARN: halving is how a worker fits large partitions
     * into its heap, and at a busy partition's traffic 1/64 of the keys tuned within about a tenth of a point of every
     * key (docs/simulation.md, "A sample of the keys at production's traffic"). Below it tuning loses more: more heap or
     * more workers would help, and the line says so.
     */
    static final double QUIET_SAMPLE = 1.0 / 64;

    /** A partition's tuner, and whether its values are stored in Redis yet. */
    private static final class Tuned {
        /** No fold delivered since the tuner was built. */
        static final long NO_FOLD = Long.MIN_VALUE;

        final PartitionTuner tuner;
        boolean stored;
        /** The latest fold's time: the shadows' clock never runs back, whatever Redis' clock does after a failover. */
        long clock;
        /** The first fold's time since the tuner was built, or {@link #NO_FOLD}. */
        long firstFold = NO_FOLD;

        Tuned(PartitionTuner tuner, boolean stored) {
            this.tuner = tuner;
            this.stored = stored;
        }

        /**
         * The same partition's state with {@code rebuilt} in place of its tuner: still stored or not, same clock, and
         * its shadows settling from the next fold on.
         */
        Tuned rebuilt(PartitionTuner rebuilt) {
            Tuned tuned = new Tuned(rebuilt, stored);
            tuned.clock = clock;
            return tuned;
        }

        /** Whether the folds since it was built span {@code settlingMillis}: a partition with no traffic settles too. */
        boolean settled(double settlingMillis) {
            return firstFold != NO_FOLD && clock - firstFold >= settlingMillis;
        }
    }

    public PartitionTuners(PansaarFunctions functions, AccessPriority priority, PansaarConfig config,
            Partitioner partitioner) {
        this.functions = functions;
        this.enabled = PansaarConfig.tuning(config);
        this.shadowCapacity = PansaarConfig.partitionMemoryBudget(config, partitioner).orElse(0L);
        this.configuredPriority = priority;
        // Windows of half-lives: a partition sees far more requests in one than the simulator's windows of requests
        // were chosen on (docs/simulation.md, "Tuner windows at production's traffic").
        this.configured = new PansaarSettings(0, priority.halfLifeMillis(), priority.sizeExponent(),
                priority.newcomerPenalty(), config.priority().tuningSample(), 0, PansaarSettings.TunerWindow.HALF_LIVES);
        this.redisTimeout = config.redisTimeout();
        this.heapGuard = new TunerHeapGuard(Runtime.getRuntime().maxMemory(), config.priority().tuningHeapShare(),
                configured.tunerSample());
        if (enabled) {
            LOG.infof("tuning the partitions held with a sample of %s of the keys; the shadows may take %,d bytes of "
                    + "heap (pansaar.priority.tuning-heap-share) before the sample halves", sample(),
                    heapGuard.limitBytes());
        } else if (config.priority().tuning().isEmpty() && shadowCapacity > 0) {
            // Unset, so left off rather than refused: say why, since a deployment with a budget otherwise tunes.
            LOG.infof("not tuning the partitions: pansaar.priority.half-life (%s) lies outside 4s..11h15m, the range "
                    + "tuning needs; the partitions count with it and the configured newcomer penalty",
                    config.priority().halfLife());
        }
    }

    /** Whether this deployment tunes its partitions' half-life and newcomer penalty (and probation share, if any). */
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
        // Only a deployment with the stage tunes its share, from the one stored if any.
        double share = configuredPriority.probationShare() > 0
                ? stored.map(Tuning::probationShare).filter(storedShare -> storedShare > 0)
                        .orElse(configuredPriority.probationShare())
                : 0;
        PartitionTuner tuner = tunerFrom(halfLife, penalty, share);
        // The stored values may lie outside the ranges of this worker's configured half-life: the tuner clamped them,
        // and stores what it holds at the end of the tick.
        boolean storedAsHeld = stored.isPresent() && stored.get().halfLifeMillis() == tuner.halfLife()
                && stored.get().newcomerPenalty() == tuner.newcomerPenalty()
                && (share == 0 || stored.get().probationShare() == tuner.probationShare());
        LOG.debugf("partition %d: tuning from a half-life of %s and a newcomer penalty of %.3f half-lives, on a sample "
                + "of %s of the keys", partition, Duration.ofMillis(Math.round(tuner.halfLife())), tuner.newcomerPenalty(),
                sample());
        return Optional.of(new Tuned(tuner, storedAsHeld));
    }

    /**
     * A tuner of the partition's share starting from {@code halfLife}, {@code penalty} and {@code probationShare} (0:
     * no stage, none tuned), at the sample in force.
     */
    private PartitionTuner tunerFrom(double halfLife, double penalty, double probationShare) {
        return new PartitionTuner(shadowCapacity, configured.withTunerSample(sample()), halfLife, penalty,
                probationShare);
    }

    private AccessPriority priorityWith(PartitionTuner tuner) {
        return new AccessPriority(tuner.halfLife(), configuredPriority.sizeExponent(), tuner.newcomerPenalty(),
                tuner.probationShare());
    }

    /** Replays one fold's report through the partition's tuner. */
    void deliver(int partition, FoldHitsReply fold) {
        Tuned tuned = enabled ? tuners.get(partition) : null;
        if (tuned == null) {
            return;
        }
        tuned.clock = Math.max(tuned.clock, fold.serverMillis());
        if (tuned.firstFold == Tuned.NO_FOLD) {
            tuned.firstFold = tuned.clock;
        }
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
        double halfLifeBefore = tuned.tuner.halfLife();
        double penaltyBefore = tuned.tuner.newcomerPenalty();
        double shareBefore = tuned.tuner.probationShare();
        if (tuned.tuner.tickEnded()) {
            tuned.stored = false;
            // A deployment without the stage tunes no share: its line says nothing of one.
            String share = shareBefore > 0 ? String.format(", a probation share of %.4f (was %.4f)",
                    tuned.tuner.probationShare(), shareBefore) : "";
            LOG.infof("partition %d: tuned to a half-life of %s (was %s) and a newcomer penalty of %.3f half-lives "
                    + "(was %.3f)%s", partition, Duration.ofMillis(Math.round(tuned.tuner.halfLife())),
                    Duration.ofMillis(Math.round(halfLifeBefore)), tuned.tuner.newcomerPenalty(), penaltyBefore, share);
        }
        if (!tuned.stored) {
            try {
                functions.tune(partition, holder, tuned.tuner.halfLife(), tuned.tuner.newcomerPenalty(),
                        tuned.tuner.probationShare()).await().atMost(redisTimeout);
                tuned.stored = true;
            } catch (RuntimeException unstored) {
                // Eviction and early refresh must still run this tick; the store is tried again at the next.
                LOG.warnf("partition %d: tuned settings not stored (%s); writes count with those stored before until "
                        + "the next tick stores them", partition, unstored.getMessage());
            }
        }
        // Last, so that a rebuild starts from the values this tick moved to, and this tick's tuner is done with.
        guardTheHeap();
    }

    /**
     * Halves the sample and rebuilds every tuner when the shadows of every partition this worker tunes pass the line;
     * at the smallest sample, warns once per crossing instead. Doubles a lowered sample and rebuilds every tuner when
     * the shadows, each having replayed {@link #SETTLING_HALF_LIVES} half-lives of folds, lie within a quarter of the line.
     */
    private void guardTheHeap() {
        long shadowObjects = tuners.values().stream().mapToLong(tuned -> tuned.tuner.shadowObjects()).sum();
        double settlingMillis = SETTLING_HALF_LIVES * configured.halfLife();
        // No tuner, no evidence: a worker that lost every lease keeps its sample for the partitions it takes next.
        boolean settled = !tuners.isEmpty() && tuners.values().stream().allMatch(tuned -> tuned.settled(settlingMillis));
        double sampleBefore = sample();
        switch (heapGuard.check(shadowObjects, settled)) {
            case HALVE -> {
                boolean quiet = sample() >= QUIET_SAMPLE;
                LOG.logf(quiet ? Logger.Level.INFO : Logger.Level.WARN, "the tuners' shadow caches of %d partitions "
                        + "take about %,d bytes, over the line of %,d bytes (pansaar.priority.tuning-heap-share): the "
                        + "tuning sample drops from %s to %s of the keys, shadows rebuilt empty. %s", tuners.size(),
                        TunerHeapGuard.shadowBytes(shadowObjects), heapGuard.limitBytes(), sampleBefore, sample(),
                        quiet ? "Busy partitions tune on 1/64 of their keys about as well as on all of them"
                                : "Give the worker more heap or run more workers to tune on more keys "
                                        + "(docs/operations.md, Tuning)");
                rebuildAtTheSample();
            }
            case RAISE -> {
                LOG.infof("the tuners' shadow caches of %d partitions take about %,d bytes, within a quarter of the "
                        + "line of %,d bytes (pansaar.priority.tuning-heap-share): the tuning sample rises from %s to %s "
                        + "of the keys, shadows rebuilt empty", tuners.size(), TunerHeapGuard.shadowBytes(shadowObjects),
                        heapGuard.limitBytes(), sampleBefore, sample());
                rebuildAtTheSample();
            }
            case WARN_AT_FLOOR -> LOG.warnf("the tuners' shadow caches of %d partitions take about %,d bytes, over the "
                    + "line of %,d bytes (pansaar.priority.tuning-heap-share), at the smallest tuning sample (%s of the "
                    + "keys): give the worker more heap or run more workers (docs/operations.md, Tuning)", tuners.size(),
                    TunerHeapGuard.shadowBytes(shadowObjects), heapGuard.limitBytes(), sample());
            case NONE -> {
                // Within the line, or over it at the floor and warned of already.
            }
        }
    }

    /**
     * Has every tuner replay the heap guard's sample of the keys from now on, as a takeover would seed it: from its
     * current half-life and penalty, with empty shadows. What Redis stores stays, and is stored no more than before.
     */
    private void rebuildAtTheSample() {
        tuners.replaceAll((partition, tuned) -> tuned.rebuilt(tunerFrom(tuned.tuner.halfLife(),
                tuned.tuner.newcomerPenalty(), tuned.tuner.probationShare())));
    }

    /**
     * The share of the keys the tuners' shadows replay now: the configured sample, or less while the heap is short.
     */
    double sample() {
        // The guard keeps it, halving it as the shadows pass the line; the settings keep the configured one.
        return heapGuard.sample();
    }

    /** Drops the partition's tuner when this worker no longer holds its lease: its next holder starts from the store. */
    void forget(int partition) {
        tuners.remove(partition);
    }
}
