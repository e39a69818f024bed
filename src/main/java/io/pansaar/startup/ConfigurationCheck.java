package io.pansaar.startup;

import java.time.Duration;

import io.pansaar.config.AlgorithmProducer;
import io.pansaar.config.KeyspaceProducer;
import io.pansaar.config.PansaarConfig;
import io.pansaar.config.Segments;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.function.Tuning;
import io.pansaar.store.ImageLayout;


/**
 * Refuses, with a message naming the settings, values and combinations of settings that would make Pansaar
 * misbehave quietly later: every URL and segment a job would resolve, the scheduler's timing, the budgets. Run at
 * start-up by {@link StartupCheck}, before anything touches Redis.
 */
public final class ConfigurationCheck {

    /** Room for a few characters of a value and the marker that says how long it was. */
    private static final long MIN_DEAD_LETTER_FIELD_BYTES = 64;
    /** The shortest and longest half-life of the eviction priority, and the largest newcomer penalty, in half-lives. */
    private static final Duration MIN_HALF_LIFE = Duration.ofMillis((long) Tuning.MIN_HALF_LIFE_MILLIS);
    private static final Duration MAX_HALF_LIFE = Duration.ofMillis((long) Tuning.MAX_HALF_LIFE_MILLIS);
    private static final int MAX_NEWCOMER_PENALTY = (int) Tuning.MAX_NEWCOMER_PENALTY;

    private ConfigurationCheck() {
    }

    /** The pause, breaker and deferral settings every origin shares. */
    private static void checkOriginGuard(PansaarConfig.Origin origin) {
        requirePositive("pansaar.origin.max-retry-after", origin.maxRetryAfter());
        requirePositive("pansaar.origin.max-defer", origin.maxDefer());
        requirePositive("pansaar.origin.breaker.open-for", origin.breaker().openFor());
        if (origin.breaker().failures() < 1) {
            throw new IllegalArgumentException("pansaar.origin.breaker.failures must be at least 1, was "
                    + origin.breaker().failures());
        }
    }

    private static void requirePositive(String setting, Duration value) {
        if (value.toMillis() < 1) {
            throw new IllegalArgumentException(setting + " must be at least 1ms, was " + value);
        }
    }

    /**
     * Tuning moves the half-life from a quarter of the setting's to 64 times it and the newcomer penalty up to 16
     * half-lives; each must stay within the bounds every half-life keeps, and the tuners' shadow caches need a budget
     * to be full against.
     */
    private static void checkTuning(PansaarConfig config, Partitioner partitioner) {
        Duration halfLife = config.priority().halfLife();
        if (!PansaarConfig.tunableHalfLife(halfLife)) {
            throw new IllegalArgumentException("with pansaar.priority.tuning=true, pansaar.priority.half-life must lie "
                    + "between 4s and 11h15m, so that the tuned one (a quarter of it to 64 times it) stays between 1s and "
                    + "30d, was " + halfLife.toMillis() + " ms; leave pansaar.priority.tuning unset to count with this "
                    + "half-life untuned");
        }
        if (PansaarConfig.partitionMemoryBudget(config, partitioner).isEmpty()) {
            throw new IllegalArgumentException("pansaar.priority.tuning needs pansaar.memory-budget: the tuners judge "
                    + "settings by the bytes a partition's share of the budget would hit; leave it unset, and it is on "
                    + "wherever a budget is set");
        }
    }

    /** Throws IllegalArgumentException naming the first inconsistent settings. */
    public static void check(PansaarConfig config) {
        // Refuses pansaar.partitions below 1, as the injected Partitioner would.
        Partitioner partitioner = KeyspaceProducer.partitionerOf(config);
        Segments.check(config);
        requirePositive("pansaar.redis-timeout", config.redisTimeout());
        if (config.worker().concurrency() < 1) {
            throw new IllegalArgumentException("pansaar.worker.concurrency must be at least 1, was "
                    + config.worker().concurrency());
        }
        if (config.worker().fetchLease().compareTo(config.origin().timeout()) <= 0) {
            // The lease would lapse in the middle of a fetch, and a second worker could start the same one.
            throw new IllegalArgumentException("pansaar.worker.fetch-lease (" + config.worker().fetchLease()
                    + ") must be longer than pansaar.origin.timeout (" + config.origin().timeout() + ")");
        }
        checkOriginGuard(config.origin());
        Duration interval = config.scheduler().interval();
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            // Quarkus' scheduler fires at most once a second; a shorter interval would silently stretch.
            throw new IllegalArgumentException("pansaar.scheduler.interval must be at least 1s, was " + interval);
        }
        if (config.scheduler().lease().compareTo(interval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("pansaar.scheduler.lease (" + config.scheduler().lease()
                    + ") must be at least twice pansaar.scheduler.interval (" + interval
                    + "), or leases lapse between ticks");
        }
        if (config.scheduler().batchSize() < 1) {
            throw new IllegalArgumentException("pansaar.scheduler.batch-size must be at least 1, was "
                    + config.scheduler().batchSize());
        }
        try {
            // The configured share, budget or not: a bad one is refused now rather than the day a budget is set.
            AlgorithmProducer.accessPriorityOf(config, config.priority().probationShare());
        } catch (IllegalArgumentException refused) {
            throw new IllegalArgumentException("pansaar.priority (half-life, size-exponent, newcomer-penalty, "
                    + "probation-share): "
                    + refused.getMessage(), refused);
        }
        // Within these bounds every rank in ms lies far above every rank in half-lives an older library wrote, which is
        // how eviction tells the two apart (RANKS_IN_MS_FROM in shared.lua).
        Duration halfLife = config.priority().halfLife();
        if (halfLife.compareTo(MIN_HALF_LIFE) < 0 || halfLife.compareTo(MAX_HALF_LIFE) > 0) {
            throw new IllegalArgumentException("pansaar.priority.half-life must lie between 1s and 30d, was "
                    + halfLife.toMillis() + " ms");
        }
        if (config.priority().newcomerPenalty() > MAX_NEWCOMER_PENALTY) {
            throw new IllegalArgumentException("pansaar.priority.newcomer-penalty must be at most " + MAX_NEWCOMER_PENALTY
                    + " half-lives (a newcomer then counts 2^-" + MAX_NEWCOMER_PENALTY + " of a request), was "
                    + config.priority().newcomerPenalty());
        }
        // Checked with tuning off too: a share out of range is a mistake whether or not it is used yet.
        double sample = config.priority().tuningSample();
        if (!(sample > 0 && sample <= 1)) {
            throw new IllegalArgumentException("pansaar.priority.tuning-sample must be a share of the keys in (0, 1], was "
                    + sample);
        }
        double heapShare = config.priority().tuningHeapShare();
        if (!(heapShare > 0 && heapShare < 1)) {
            throw new IllegalArgumentException("pansaar.priority.tuning-heap-share must be a share of the heap in (0, 1), "
                    + "was " + heapShare);
        }
        if (config.priority().tuning().orElse(false)) {
            // Asked for by name: refused where it cannot run, rather than left off quietly as where it is unset.
            checkTuning(config, partitioner);
        }
        if (!(config.refresh().maxPerSecond() >= 0)) {
            throw new IllegalArgumentException("pansaar.refresh.max-per-second must not be negative, was "
                    + config.refresh().maxPerSecond());
        }
        Duration redisTimeout = config.readThrough().redisTimeout();
        if (redisTimeout.isNegative() || redisTimeout.isZero()) {
            throw new IllegalArgumentException("pansaar.read-through.redis-timeout must be positive, was " + redisTimeout);
        }
        long fieldBytes = config.deadLetterLimits().fieldBytes().asLongValue();
        long listingBytes = config.deadLetterLimits().listingBytes().asLongValue();
        if (fieldBytes < MIN_DEAD_LETTER_FIELD_BYTES || listingBytes < fieldBytes) {
            // A listing must hold at least one field of one entry, and a field its cut marker.
            throw new IllegalArgumentException("pansaar.dead-letters.field-bytes (" + fieldBytes + ") must be at least "
                    + MIN_DEAD_LETTER_FIELD_BYTES + " and at most pansaar.dead-letters.listing-bytes (" + listingBytes + ")");
        }
        PansaarConfig.partitionMemoryBudget(config, partitioner).ifPresent(share -> {
            long budget = config.memoryBudget().orElseThrow().asLongValue();
            // What the largest image counts against the budget: max-bytes, the overhead per image and the longest key.
            long largestImage = ImageLayout.chargedBytes(ImageKey.MAX_BYTES, config.origin().maxBytes().asLongValue());
            if (share < largestImage) {
                // An image larger than its partition's share would be evicted right after every write and
                // fetched again at the next read, for ever.
                throw new IllegalArgumentException("pansaar.memory-budget (" + budget + " bytes) gives each of "
                        + partitioner.partitions() + " partitions " + share + " bytes, less than one image may count "
                        + "(pansaar.origin.max-bytes and its overhead in Redis, " + largestImage + " bytes); raise the "
                        + "budget to at least " + largestImage * partitioner.partitions() + " bytes or lower max-bytes");
            }
        });
    }
}
