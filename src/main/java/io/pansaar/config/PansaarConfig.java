package io.pansaar.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import io.pansaar.algorithm.DynamicTtl;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.function.Tuning;
import io.pansaar.simulator.policy.PartitionTuner;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Every setting of Pansaar, under the {@code pansaar.} prefix; each can also be set by environment
 * variable in Quarkus' usual way ({@code pansaar.origin.base-url} is {@code PANSAAR_ORIGIN_BASE_URL}).
 */
@ConfigMapping(prefix = "pansaar")
public interface PansaarConfig {

    /** How many partitions the keyspace has; fixed for the life of a deployment. */
    @WithDefault("16")
    int partitions();

    /**
     * How long the worker, the partition scheduler and {@code GET /api/status} wait for one Redis call to answer
     * before they give it up (a job is tried again, the tick goes on, the status answers 503), so a lost reply
     * cannot hold them for ever. Reads of {@code /images} have their own, shorter {@code read-through.redis-timeout}.
     */
    @WithDefault("10s")
    Duration redisTimeout();

    Origin origin();

    Stream stream();

    Worker worker();

    Events events();

    /** Settings of every segment that is not listed under {@code pansaar.segments}. */
    @WithName("defaults")
    SegmentDefaults segmentDefaults();

    /** Per-segment overrides, keyed by the first path element of the image key. */
    Map<String, Segment> segments();

    Demo demo();

    /**
     * The bearer token admin endpoints require ({@code Authorization: Bearer <token>}). Without it,
     * admin endpoints refuse every request (403): they are never open. Set it from a secret, never
     * in a file in the repository.
     */
    Optional<String> adminToken();

    ReadThrough readThrough();

    @WithName("dead-letters")
    DeadLetterLimits deadLetterLimits();

    Metrics metrics();

    Log log();

    /**
     * The bytes of image bodies the whole deployment may keep in Redis, shared evenly by the partitions. Over
     * its share, a partition's lowest-priority images are evicted. Unset: Pansaar evicts nothing, and Redis'
     * own {@code maxmemory} policy is the only limit.
     */
    @WithConverter(MemorySizeConverter.class)
    Optional<MemorySize> memoryBudget();

    /** Returns one partition's share of {@code pansaar.memory-budget} in bytes, or empty when there is no budget. */
    static Optional<Long> partitionMemoryBudget(PansaarConfig config, Partitioner partitioner) {
        return config.memoryBudget().map(budget -> budget.asLongValue() / partitioner.partitions());
    }

    /** Whether tuning keeps a half-life moved from this one (a quarter of it to 64 times it) within 1s..30d. */
    static boolean tunableHalfLife(Duration halfLife) {
        Duration shortest = Duration.ofMillis((long) Tuning.MIN_HALF_LIFE_MILLIS * PartitionTuner.HALF_LIFE_DIVISOR);
        Duration longest = Duration.ofMillis((long) Tuning.MAX_HALF_LIFE_MILLIS / PartitionTuner.HALF_LIFE_MULTIPLIER);
        return halfLife.compareTo(shortest) >= 0 && halfLife.compareTo(longest) <= 0;
    }

    /**
     * Returns the share of each partition's budget its probationary stage holds: {@code pansaar.priority.probation-share}
     * with a memory budget, 0 without one. A stage is a filter in front of eviction; where nothing is evicted, images
     * would wait in it for good, ranked above every image the priority order holds.
     */
    static double probationShare(PansaarConfig config) {
        return config.memoryBudget().isPresent() ? config.priority().probationShare() : 0;
    }

    /**
     * Returns whether the partitions tune their half-life, newcomer penalty and probation share: as {@code
     * pansaar.priority.tuning} says, or, where it is unset, wherever tuning can run, with a memory budget (without one
     * nothing is evicted, and the shadows would have no capacity to judge by) and a half-life tuning can move within
     * its bounds. In the simulator, tuning met the eviction goal on more trace × size cells than the fixed settings and
     * on every one they met (docs/simulation.md, "Production's tuning against the goal").
     */
    static boolean tuning(PansaarConfig config) {
        return config.priority().tuning()
                .orElseGet(() -> config.memoryBudget().isPresent() && tunableHalfLife(config.priority().halfLife()));
    }

    Priority priority();

    Refresh refresh();

    Scheduler scheduler();

    /** Pansaar's eviction priority: a request count decayed with a half-life, per byte to a power. */
    interface Priority {
        /**
         * After this long without a request an image's decayed request count halves. About three base TTLs, as
         * the simulator measured best (docs/simulation.md).
         */
        @WithDefault("3h")
        Duration halfLife();

        /**
         * a in count / size^a: 0 ranks by requests alone (favours byte hits, the simulator's choice), 1 by requests
         * per byte (object hits).
         */
        @WithDefault("0")
        double sizeExponent();

        /**
         * How many half-lives a new image's first request is dated back, so that it counts as 2^-penalty of a request
         * until it is requested again and one-hit wonders leave first; an image the partition remembers (it left
         * within as many departures as images are held) pays none. 0: every new image counts one whole request.
         */
        @WithDefault("1")
        double newcomerPenalty();

        /**
         * The share of each partition's byte budget, in [0, 1), of a probationary stage that new images (ones the
         * partition neither holds nor remembers) wait in first, as in S3-FIFO: an image requested there joins the
         * priority order when it reaches the stage's end, any other leaves (docs/algorithm.md, "Probation"). 0: off,
         * every new image is ranked at once. With tuning on, where each partition's tuner starts: the share then moves
         * within 0.025 to 0.4. Only with a memory budget ({@link PansaarConfig#probationShare}). The default is
         * S3-FIFO's small queue, a tenth of the cache.
         */
        @WithDefault("0.1")
        double probationShare();

        /**
         * When true, each partition's lease holder tunes the half-life, the newcomer penalty and, with a stage, the
         * probation share to the traffic it folds, and writes use the tuned values (docs/algorithm.md). Unset: tuning
         * wherever it can, with a memory budget and a half-life within the range tuning moves in ({@link
         * PansaarConfig#tuning} decides).
         */
        Optional<Boolean> tuning();

        /**
         * The share of the keys, in (0, 1], the tuners' shadow caches replay, in caches of that share of the bytes: 1
         * replays every key; less bounds the tuners' heap at some cost in tuning (docs/simulation.md, "The tuners'
         * memory").
         */
        @WithDefault("1")
        double tuningSample();

        /**
         * The share of the heap, in (0, 1), the tuners' shadow caches may take, at 230 bytes an object: past it the
         * worker halves the tuning sample, down to 1/1024 of the keys, and rebuilds its tuners' shadows empty
         * (docs/operations.md, "Tuning"). A quarter: the jobs' bodies and the Redis client need the rest, and at a
         * busy partition's traffic a sample of 1/64 tunes within about a tenth of a point of every key
         * (docs/simulation.md, "A sample of the keys at production's traffic").
         */
        @WithDefault("0.25")
        double tuningHeapShare();
    }

    /** Early refresh of hot images before they go stale (XFetch). */
    interface Refresh {
        /** Early refreshes the whole deployment may ask of the origins per second, shared evenly by the partitions. */
        @WithDefault("20")
        double maxPerSecond();

        /** XFetch's beta: how many fetch times (on an exponential draw) before expiry a refresh falls due. */
        @WithDefault("1.0")
        double beta();

        /**
         * Requests an image must be expected to get during one more TTL to be worth an early refresh; 0.5 as the
         * simulator measured best (docs/simulation.md).
         */
        @WithDefault("0.5")
        double minExpectedRequests();
    }

    /** The duties every worker runs for the partitions whose lease it holds: evict, sweep, refresh early. */
    interface Scheduler {
        /** Off: this process runs no partition duties (other workers still may). */
        @WithDefault("true")
        boolean enabled();

        /** How often the duties run: at least 1s, the finest Quarkus' scheduler fires. */
        @WithDefault("1s")
        Duration interval();

        /** How long a partition's lease lasts unless renewed; a dead worker's partitions move on after this. */
        @WithDefault("5s")
        Duration lease();

        /** The most images one duty handles in one partition per tick (sweep, evict, refresh). */
        @WithDefault("500")
        int batchSize();
    }

    /** The meters at {@code /q/metrics} that describe Redis rather than this process. */
    interface Metrics {
        /** How often the stream and statistics gauges are refreshed from Redis (one batch per partition at most). */
        @WithDefault("5s")
        Duration refreshInterval();
    }

    /** What the worker writes to the log besides warnings and errors. */
    interface Log {
        /**
         * How often the worker logs one INFO line saying what it did since the last one (regenerated, not modified,
         * negative, failed, dead-lettered, deferred); nothing when it did nothing. Jobs themselves log at DEBUG.
         */
        @WithDefault("60s")
        Duration summaryInterval();
    }

    /** {@code GET /api/dead-letters}: how much one listing may carry, however large the entries are. */
    interface DeadLetterLimits {
        /** The most bytes of entries (as JSON) one listing answers with; past them it stops and says truncated. */
        @WithDefault("1M")
        @WithConverter(MemorySizeConverter.class)
        MemorySize listingBytes();

        /** Each field name and value is cut to this many bytes in a listing, with a marker of its whole length. */
        @WithDefault("1K")
        @WithConverter(MemorySizeConverter.class)
        MemorySize fieldBytes();
    }

    /** {@code GET /images/<key>}: reading through the cache over HTTP. */
    interface ReadThrough {
        /** How long a request for a missing image waits to be told it is ready, before answering 503. */
        @WithDefault("2s")
        Duration timeout();

        /**
         * How long a read waits for Redis (a connection and the replies) before answering 503 with
         * Retry-After: a stalled or unreachable Redis must not pile up readers.
         */
        @WithDefault("1s")
        Duration redisTimeout();

        /**
         * Whether reads are pipelined on one long-lived Redis connection per event loop, and function calls on a
         * second one (a single Redis server only; on Redis Cluster they always take pooled connections); false:
         * every read and every call takes a pooled connection.
         */
        @WithDefault("true")
        boolean pipelined();
    }

    /** Where images come from and the limits every fetch obeys. */
    interface Origin {
        /** Image URL = base URL + key; a segment may override it. Without it, only segments with their own origin work. */
        Optional<String> baseUrl();

        /** Bodies larger than this are cut off and rejected. */
        @WithDefault("10M")
        @WithConverter(MemorySizeConverter.class)
        MemorySize maxBytes();

        /**
         * Most pixels (width x height) an image may declare in its header; a larger one is refused before
         * anything decodes it, since a small file can declare a picture that takes gigabytes to decode.
         */
        @WithDefault("50000000")
        long maxPixels();

        /** Upper bound on a whole fetch, redirects included. */
        @WithDefault("5s")
        Duration timeout();

        /** Upper bound on opening the TCP connection. */
        @WithDefault("2s")
        Duration connectTimeout();

        /** Redirects followed before the fetch fails; a redirect never leaves the origin's scheme, host and port. */
        @WithDefault("3")
        int maxRedirects();

        /** Media types accepted from an origin; the body's magic number must agree with one of them. */
        @WithDefault("image/jpeg,image/png,image/gif,image/webp,image/avif")
        List<String> allowedContentTypes();

        /**
         * Pooled connections from this process to one origin host; unset: the largest max-concurrency of the
         * configured origins, since no process can use more than the fleet may send.
         */
        OptionalInt maxConnections();

        /**
         * Fetches in flight to one origin (scheme, host and port) from every worker of the deployment together.
         * A segment may set a smaller or larger one; where segments share an origin the smallest applies.
         */
        @WithDefault("16")
        int maxConcurrency();

        /** Fetches per second to one origin from every worker together; unset: no limit. A segment may set its own. */
        OptionalDouble maxRate();

        /** The longest pause a 429 or 503 answer's Retry-After can impose on an origin. */
        @WithDefault("5m")
        Duration maxRetryAfter();

        /**
         * How long a job may wait for its origin (a permit, a pause, an open breaker), counted from when it entered the
         * stream, before it is dead-lettered with reason origin-unavailable.
         */
        @WithDefault("1h")
        Duration maxDefer();

        /** The circuit breaker each origin has, shared by every worker. */
        Breaker breaker();

        /** When an origin's breaker opens and for how long. */
        interface Breaker {
            /** Consecutive failures (5xx, 429, timeout, broken connection; never 404 or 410) that open the breaker. */
            @WithDefault("5")
            int failures();

            /** How long an open breaker lets no fetch through; then one probe fetch decides. */
            @WithDefault("30s")
            Duration openFor();
        }
    }

    /** The job streams and their consumer group. */
    interface Stream {
        /** Deliveries of one entry before it moves to the dead-letter stream. */
        @WithDefault("5")
        int maxDeliveries();

        /** An entry pending this long in a consumer's list is taken over by another consumer. */
        @WithDefault("30s")
        Duration claimIdle();

        /** Delay before the first redelivery; it doubles each time, with jitter, up to {@code retry-backoff-max}. */
        @WithDefault("1s")
        Duration retryBackoff();

        @WithDefault("2m")
        Duration retryBackoffMax();

        /** Entries read by one XREADGROUP (its COUNT). */
        @WithDefault("16")
        int batchSize();

        /** How long one XREADGROUP blocks waiting for entries (its BLOCK). */
        @WithDefault("2s")
        Duration block();

        /** Dead-letter streams are trimmed to about this many entries. */
        @WithDefault("100000")
        long deadLetterMaxLength();

        /**
         * The warm streams' guaranteed share: one read in this many takes warm-up jobs ({@code pansaar:{p}:warm})
         * before the job streams, so warm-ups progress even while misses keep every worker busy. Otherwise warm-ups
         * get only the capacity the job streams leave. 1: warm-ups are read first every time.
         */
        @WithDefault("8")
        int warmShare();

        /**
         * The early-refresh streams' guaranteed share: one read in this many takes the scheduler's early refreshes
         * ({@code pansaar:{p}:early-refresh}) before the job streams, so copies are refreshed before they expire even
         * while misses keep every worker busy. Otherwise early refreshes get only the capacity the job streams leave,
         * ahead of warm-ups. 1: early refreshes are read first every time.
         */
        @WithDefault("4")
        int refreshShare();
    }

    /** The events stream {@code pansaar:{p}:events}, where every outcome of a job, purge or eviction is appended. */
    interface Events {
        /** Each partition's events stream is trimmed to about this many entries (XADD MAXLEN ~); 0: no events. */
        @WithDefault("10000")
        long maxLength();
    }

    /** The regeneration worker in this process. */
    interface Worker {
        /** Jobs processed at once by this process. */
        @WithDefault("16")
        int concurrency();

        /** How long a worker holds the single-flight marker while fetching; must exceed origin.timeout. */
        @WithDefault("20s")
        Duration fetchLease();

        /** How long a queued job keeps its single-flight marker, so later misses do not enqueue again. */
        @WithDefault("10m")
        Duration queuedMarkerTtl();

        /** On shutdown, how long jobs in flight may take to finish before they are left pending for another worker. */
        @WithDefault("20s")
        Duration shutdownTimeout();

        /** Identifies this process in the consumer group; a random suffix is added. Defaults to the host (pod) name. */
        Optional<String> name();
    }

    /** TTLs for segments without their own settings. */
    interface SegmentDefaults {
        /** How long a fetched image is fresh. */
        @WithDefault("1h")
        Duration baseTtl();

        /** How long past freshness a stale copy is still served while one refresh runs. */
        @WithDefault("5m")
        Duration grace();

        /**
         * How much longer past grace a copy is kept, to be served only while its origin fails (RFC 5861
         * stale-if-error); 0 switches it off.
         */
        @WithDefault("1d")
        Duration staleIfError();

        /** How long an origin 404 is remembered, so a missing image does not hammer the origin. */
        @WithDefault("1m")
        Duration negativeTtl();

        /** The share of hits that may be served a copy the origin has since changed; the dynamic TTL spends it. */
        @WithDefault("" + DynamicTtl.DEFAULT_FRESHNESS_BUDGET)
        double freshnessBudget();

        /** The shortest TTL the dynamic TTL may choose; unset: base-ttl / 60 ({@link DynamicTtl#floorOf}). */
        Optional<Duration> minTtl();

        /**
         * The longest TTL the dynamic TTL may choose; unset: base-ttl * 168, an hour becomes a week
         * ({@link DynamicTtl#ceilingOf}).
         */
        Optional<Duration> maxTtl();
    }

    /** One segment's settings; anything unset falls back to {@code pansaar.defaults} and {@code pansaar.origin}. */
    interface Segment {
        Optional<String> originUrl();

        Optional<Duration> baseTtl();

        Optional<Duration> grace();

        Optional<Duration> staleIfError();

        Optional<Duration> negativeTtl();

        OptionalDouble freshnessBudget();

        Optional<Duration> minTtl();

        Optional<Duration> maxTtl();

        /** Fetches in flight to this segment's origin from every worker; the smallest of all segments sharing it applies. */
        OptionalInt maxConcurrency();

        /** Fetches per second to this segment's origin from every worker; the smallest of all segments sharing it applies. */
        OptionalDouble maxRate();
    }

    /** The demo's sample traffic; the demo runs only in the {@code demo} build profile ({@code ./demo}). */
    interface Demo {
        /** Sample reads per second. */
        @WithDefault("20")
        int readsPerSecond();

        /** How many distinct images the sample traffic asks for. */
        @WithDefault("200")
        int images();
    }
}
