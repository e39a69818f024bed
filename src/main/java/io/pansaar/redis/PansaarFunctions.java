package io.pansaar.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.function.ClaimOutcome;
import io.pansaar.redis.function.ClaimReply;
import io.pansaar.redis.function.CopyLifetime;
import io.pansaar.redis.function.DeadLetterOutcome;
import io.pansaar.redis.function.EnqueueReply;
import io.pansaar.redis.function.EvictReply;
import io.pansaar.redis.function.FinishedJob;
import io.pansaar.redis.function.FoldHitsReply;
import io.pansaar.redis.function.GetReply;
import io.pansaar.redis.function.ImageValues;
import io.pansaar.redis.function.JobReason;
import io.pansaar.redis.function.OriginAcquireReply;
import io.pansaar.redis.function.OriginReleaseReply;
import io.pansaar.redis.function.OriginState;
import io.pansaar.redis.function.OriginStatusReply;
import io.pansaar.redis.function.PurgeBatchReply;
import io.pansaar.redis.function.PurgeOutcome;
import io.pansaar.redis.function.PurgeReply;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.redis.function.RefreshDueReply;
import io.pansaar.redis.function.ReleaseMode;
import io.pansaar.redis.function.ReleaseReply;
import io.pansaar.redis.function.RepairReply;
import io.pansaar.redis.function.RetryDeadLetterReply;
import io.pansaar.redis.function.Tuning;
import io.pansaar.redis.function.WarmReply;
import io.pansaar.redis.function.WriteFence;
import io.pansaar.redis.function.WriteOutcome;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The Pansaar Redis functions as Java methods: one per function (two for the functions that take a mode), each
 * building its {@code FCALL} (the function's name, its keys from {@link RedisKeys}, its arguments) and decoding its
 * reply into a type of {@link io.pansaar.redis.function}. Every call this class sends goes through
 * {@link FunctionCalls#send}, so a Redis that lacks the library gets it loaded and our error replies become
 * {@link FunctionCallException}s.
 *
 * <p>{@code pansaar_get} and {@code pansaar_put} travel in pipelines with plain commands, so for them this class
 * builds the request ({@link #getRequest}, {@link #putRequest}) and decodes the reply ({@link #getReply},
 * {@link #putReply}), and the caller sends the pipeline with {@link FunctionCalls}. The Lua header of each function,
 * under {@code src/main/resources/redis/functions}, is the contract these methods follow.
 */
@ApplicationScoped
public class PansaarFunctions {

    /**
     * The most images one function call sweeps, evicts or repairs. Redis runs nothing else while a function runs, so
     * the scheduler spends a tick's batch in calls of this many, and reads interleave between them.
     */
    public static final int MAX_IMAGES_PER_CALL = 32;

    /** The most keys one {@code pansaar_warm} call queues or skips; a larger warm-up takes several calls. */
    public static final int MAX_WARMED_PER_CALL = 100;

    /** The most keys one {@code pansaar_purge} call purges: the most one purge request may name. */
    public static final int MAX_PURGED_PER_CALL = 100;

    /**
     * The most images one {@code pansaar_purge_prefix} or {@code pansaar_purge_tag} call lists and purges; a larger
     * prefix or tag takes several calls.
     */
    public static final int PURGE_BATCH = 100;

    private static final String VERSION = "pansaar_version";
    private static final String GET = "pansaar_get";
    private static final String PUT = "pansaar_put";

    private final FunctionCalls calls;
    /** The cap of each partition's events stream, passed to every function that appends to it; 0: no events. */
    private final String eventsMaxLength;
    /** The half-life folds and evictions count requests with, in ms; empty: each image's own. */
    private final String halfLifeMillis;
    /** The share of a partition's budget its probationary stage holds before evictions take from it first; 0: none. */
    private final String probationShare;

    @Inject
    public PansaarFunctions(FunctionCalls calls, PansaarConfig config) {
        this(calls, config.events().maxLength(), String.valueOf(config.priority().halfLife().toMillis()),
                String.valueOf(PansaarConfig.probationShare(config)));
    }

    /**
     * Functions that trim each partition's events stream to about {@code eventsMaxLength} entries (0: no events), and
     * fold and evict with each image's own half-life.
     */
    public PansaarFunctions(FunctionCalls calls, long eventsMaxLength) {
        this(calls, eventsMaxLength, "", "");
    }

    private PansaarFunctions(FunctionCalls calls, long eventsMaxLength, String halfLifeMillis, String probationShare) {
        if (eventsMaxLength < 0) {
            throw new IllegalArgumentException("pansaar.events.max-length must be 0 (no events) or more, was "
                    + eventsMaxLength);
        }
        this.calls = calls;
        this.eventsMaxLength = String.valueOf(eventsMaxLength);
        this.halfLifeMillis = halfLifeMillis;
        this.probationShare = probationShare;
    }

    /**
     * The limit of an eviction call (the scheduler's, or a write's) that may handle {@code slice} images: the call
     * sweeps up to its limit and then evicts up to its limit, so half a slice each keeps it within the slice when a
     * mass expiry meets a partition over budget.
     */
    public static int evictionLimit(int slice) {
        return Math.max(1, slice / 2);
    }

    // ---------------------------------------------------------------------------------------------
    // The library

    /** {@code pansaar_version}, sent as it is to one server by the loader, which must not load the library first. */
    static Request versionRequest() {
        return FunctionCalls.fcall(VERSION, List.of()).toRequest();
    }

    // ---------------------------------------------------------------------------------------------
    // Reads and regeneration requests

    /**
     * {@code pansaar_get}, the bookkeeping of a read that found no fresh copy, for a read's pipeline
     * ({@link FunctionCalls#sendEach}); decode its reply with {@link #getReply}.
     *
     * @param counted the read's HINCRBY counted this request in the hit counter, so the call takes it back
     */
    public RespCommand getRequest(int partition, ImageKey key, long queuedMarkerMillis, boolean counted) {
        return FunctionCalls.fcall(GET, List.of(RedisKeys.image(partition, key), RedisKeys.marker(partition, key),
                RedisKeys.jobs(partition), RedisKeys.tokenCounter(partition), RedisKeys.stats(partition),
                RedisKeys.priorityIndex(partition), RedisKeys.hits(partition)), key.value(), "",
                String.valueOf(queuedMarkerMillis), counted ? "1" : "", halfLifeMillis);
    }

    /** The reply to a {@link #getRequest}. */
    public static GetReply getReply(Response reply) {
        return new GetReply(status(GET, ReadOutcome.class, reply), reply.get(1).toLong(), reply.get(2).toInteger() == 1,
                RedisReplies.text(reply.get(3)), RedisReplies.text(reply.get(4)).map(Integer::valueOf));
    }

    /** {@code pansaar_enqueue}: requests a regeneration of {@code key} unless one is already queued or fetching. */
    public Uni<EnqueueReply> enqueue(int partition, ImageKey key, JobReason reason, long queuedMarkerMillis) {
        String function = "pansaar_enqueue";
        return calls.call(function, List.of(RedisKeys.marker(partition, key), RedisKeys.jobs(partition),
                RedisKeys.tokenCounter(partition)), key.value(), reason.wireName(), "", String.valueOf(queuedMarkerMillis))
                .map(reply -> {
                    String status = reply.get(0).toString();
                    if (status.equals("ENQUEUED")) {
                        return new EnqueueReply(true, Optional.of(reply.get(1).toString()), reply.get(2).toString(),
                                Optional.empty());
                    }
                    if (!status.equals("ALREADY_PENDING")) {
                        throw unknownStatus(function, status);
                    }
                    String marker = reply.get(1).toString();
                    return new EnqueueReply(false, Optional.empty(), marker.substring(marker.indexOf(':') + 1),
                            Optional.of(marker));
                });
    }

    /**
     * {@code pansaar_warm}: queues a warm-up job on the partition's warm stream for each of {@code keys} (at most
     * {@link #MAX_WARMED_PER_CALL}) that has no fresh copy, no remembered 404/410 and no job queued or fetching.
     */
    public Uni<WarmReply> warm(int partition, List<ImageKey> keys, long queuedMarkerMillis) {
        if (keys.isEmpty() || keys.size() > MAX_WARMED_PER_CALL) {
            throw new IllegalArgumentException("a warm call takes 1 to " + MAX_WARMED_PER_CALL + " keys, got "
                    + keys.size());
        }
        List<String> redisKeys = new ArrayList<>(List.of(RedisKeys.warm(partition), RedisKeys.tokenCounter(partition)));
        List<String> arguments = new ArrayList<>(List.of(String.valueOf(queuedMarkerMillis)));
        for (ImageKey key : keys) {
            redisKeys.add(RedisKeys.image(partition, key));
            redisKeys.add(RedisKeys.marker(partition, key));
            arguments.add(key.value());
        }
        return calls.call("pansaar_warm", redisKeys, arguments.toArray(String[]::new))
                .map(reply -> new WarmReply(reply.get(0).toLong(), reply.get(1).toLong()));
    }

    /**
     * {@code pansaar_purge}: purges keys of one partition (at most {@link #MAX_PURGED_PER_CALL}), hard (deleted) or
     * soft (marked stale), fencing any fetch of them in flight and enqueueing one job to fetch each such key again.
     *
     * @param recordMillis how long the purge record refuses the write of a fetch in flight: its fetch lease
     */
    public Uni<PurgeReply> purge(int partition, List<ImageKey> keys, boolean soft, long recordMillis,
            long queuedMarkerMillis) {
        if (keys.isEmpty() || keys.size() > MAX_PURGED_PER_CALL) {
            throw new IllegalArgumentException("a purge call takes 1 to " + MAX_PURGED_PER_CALL + " keys, got " + keys.size());
        }
        String function = "pansaar_purge";
        List<String> redisKeys = RedisKeys.withIndexes(partition, RedisKeys.stats(partition), RedisKeys.fence(partition),
                RedisKeys.jobs(partition), RedisKeys.tokenCounter(partition), RedisKeys.events(partition));
        List<String> arguments = new ArrayList<>(List.of(soft ? "soft" : "hard", String.valueOf(recordMillis),
                String.valueOf(queuedMarkerMillis), eventsMaxLength));
        // withIndexes puts the indexes after the five keys given; the function expects them there, as KEYS[6..11].
        for (ImageKey key : keys) {
            redisKeys.add(RedisKeys.image(partition, key));
            redisKeys.add(RedisKeys.marker(partition, key));
            redisKeys.add(RedisKeys.purgeRecord(partition, key));
            arguments.add(key.value());
        }
        return calls.call(function, redisKeys, arguments.toArray(String[]::new)).map(reply -> {
            List<PurgeReply.KeyOutcome> outcomes = new ArrayList<>(keys.size());
            for (int i = 1; i + 1 < reply.size(); i += 2) {
                outcomes.add(new PurgeReply.KeyOutcome(statusOf(function, PurgeOutcome.class, reply.get(i).toString()),
                        RedisReplies.text(reply.get(i + 1))));
            }
            return new PurgeReply(reply.get(0).toLong(), outcomes);
        });
    }

    /**
     * {@code pansaar_purge_prefix}: purges, hard or soft, the next images of one partition (at most
     * {@link #PURGE_BATCH}) whose key starts with {@code prefix}, in key order after {@code cursor} (empty: from
     * the start), as {@link #purge} purges keys.
     *
     * @param recordMillis how long the purge record refuses the write of a fetch in flight: its fetch lease
     */
    public Uni<PurgeBatchReply> purgePrefix(int partition, String prefix, String cursor, boolean soft,
            long recordMillis, long queuedMarkerMillis) {
        return purgeBatch("pansaar_purge_prefix", partition, prefix, cursor, soft, recordMillis, queuedMarkerMillis);
    }

    /**
     * {@code pansaar_purge_tag}: purges, hard or soft, the next images of one partition (at most {@link #PURGE_BATCH})
     * filed under {@code tag}, in key order after {@code cursor} (empty: from the start), as {@link #purge} purges keys.
     *
     * @param recordMillis how long the purge record refuses the write of a fetch in flight: its fetch lease
     */
    public Uni<PurgeBatchReply> purgeTag(int partition, String tag, String cursor, boolean soft, long recordMillis,
            long queuedMarkerMillis) {
        return purgeBatch("pansaar_purge_tag", partition, tag, cursor, soft, recordMillis, queuedMarkerMillis);
    }

    /** One batch of a purge by prefix or by tag: both functions take the same keys and arguments. */
    private Uni<PurgeBatchReply> purgeBatch(String function, int partition, String name, String cursor, boolean soft,
            long recordMillis, long queuedMarkerMillis) {
        List<String> redisKeys = RedisKeys.withIndexes(partition, RedisKeys.stats(partition),
                RedisKeys.fence(partition), RedisKeys.jobs(partition), RedisKeys.tokenCounter(partition),
                RedisKeys.events(partition));
        return calls.call(function, redisKeys, soft ? "soft" : "hard", String.valueOf(recordMillis),
                String.valueOf(queuedMarkerMillis), eventsMaxLength, name, cursor)
                .map(reply -> new PurgeBatchReply(reply.get(0).toLong(), reply.get(1).toLong(),
                        reply.get(2).toString()));
    }

    // ---------------------------------------------------------------------------------------------
    // A job's fetch lease and fenced writes

    /** {@code pansaar_claim}: asks for the fetch lease of {@code key} for a job requested at {@code requestedAtMillis}. */
    public Uni<ClaimReply> claim(int partition, ImageKey key, String token, long requestedAtMillis, JobReason reason,
            long fetchLeaseMillis) {
        String function = "pansaar_claim";
        return calls.call(function, List.of(RedisKeys.image(partition, key), RedisKeys.marker(partition, key),
                RedisKeys.fence(partition), RedisKeys.stats(partition), RedisKeys.histories(partition)), token,
                String.valueOf(requestedAtMillis), reason.wireName(), String.valueOf(fetchLeaseMillis))
                .map(reply -> {
                    ClaimOutcome outcome = status(function, ClaimOutcome.class, reply);
                    if (outcome != ClaimOutcome.CLAIMED) {
                        return new ClaimReply(outcome, reply.get(1).toString(), 0, 0, Optional.empty(), Optional.empty(),
                                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
                    }
                    Optional<ChangeHistory> history = RedisReplies.text(reply.get(6)).map(exposure -> new ChangeHistory(
                            Double.parseDouble(exposure), RedisReplies.text(reply.get(7)).map(Long::parseLong).orElse(0L)));
                    // The function sends both or neither (API 12 and older, neither).
                    Optional<ClaimReply.Demand> demand = reply.size() < 11 ? Optional.empty()
                            : RedisReplies.text(reply.get(9)).map(score -> new ClaimReply.Demand(Double.parseDouble(score),
                                    Double.parseDouble(reply.get(10).toString())));
                    return new ClaimReply(outcome, "", reply.get(1).toLong(), reply.get(2).toLong(),
                            RedisReplies.text(reply.get(3)), RedisReplies.text(reply.get(4)),
                            RedisReplies.text(reply.get(5)).map(Long::parseLong), history, RedisReplies.text(reply.get(8)),
                            demand);
                });
    }

    /**
     * {@code pansaar_put}, the fenced write of a fetched image from its staging hash (which holds the body alone), for
     * the pipeline that first writes the staging hash; decode its reply with {@link #putReply}.
     *
     * @param image the image's other values, which the function packs into its meta
     * @param budgetBytes the partition's byte budget; empty: none, nothing is evicted
     * @param evictionLimit the most images the write sweeps and the most it evicts
     * @param job the job entry the write acknowledges and deletes once decided; its stream must be the partition's
     * @param queuedMarkerMillis the queued-marker TTL of the refetch a write refused by a purge by prefix or tag enqueues
     * @param tuned whether the write counts with the partition's tuning settings ({@link #tune}) where they are stored,
     *     in place of {@code image}'s half-life and newcomer penalty, and records a new image's arrival for a fold
     */
    public RespCommand putRequest(int partition, ImageKey key, String staging, WriteFence fence, CopyLifetime lifetime,
            ImageValues image, Optional<Long> budgetBytes, int evictionLimit, Optional<FinishedJob> job,
            long queuedMarkerMillis, boolean tuned) {
        List<String> keys = RedisKeys.withIndexes(partition, RedisKeys.image(partition, key),
                RedisKeys.marker(partition, key), staging, RedisKeys.stats(partition));
        // The job stream always, so the events stream follows it as KEYS[12]; without a job it is finished by no one.
        keys.add(job.map(FinishedJob::stream).orElse(RedisKeys.jobs(partition)));
        keys.add(RedisKeys.events(partition));
        // A first fetch that began before a purge by prefix or tag is refused by the purges hash and enqueues its
        // refetch on the first lane itself: no purge record names it.
        keys.add(RedisKeys.purges(partition));
        keys.add(RedisKeys.jobs(partition));
        keys.add(RedisKeys.tokenCounter(partition));
        keys.add(RedisKeys.tuning(partition));
        return FunctionCalls.fcall(PUT, keys, fence.token(), String.valueOf(fence.fence()),
                String.valueOf(fence.claimedAtMillis()), millis(lifetime.freshTtl()), millis(lifetime.grace()),
                millis(lifetime.staleIfError()), String.valueOf(lifetime.earlyRefreshMillis()), optional(budgetBytes),
                String.valueOf(evictionLimit), image.contentType(), image.etag().orElse(""),
                image.lastModified().orElse(""), String.valueOf(image.sizeBytes()), String.valueOf(image.fetchMillis()),
                image.digest(), String.valueOf(image.priority().sizeTerm()),
                String.valueOf(image.priority().halfLifeMillis()),
                String.valueOf((long) image.history().exposure()), String.valueOf(image.history().changes()),
                job.map(FinishedJob::group).orElse(""), job.map(FinishedJob::entryId).orElse(""), eventsMaxLength,
                String.join(" ", image.tags()), String.valueOf(queuedMarkerMillis),
                String.valueOf(image.priority().newcomerPenalty()), tuned ? "1" : "",
                String.valueOf(image.priority().probationShare()));
    }

    /** The reply to a {@link #putRequest}: WRITTEN or STALE_WRITE. */
    public static WriteOutcome putReply(Response reply) {
        return status(PUT, WriteOutcome.class, reply);
    }

    /**
     * {@code pansaar_revalidated}: extends the stored copy's freshness, grace and stale-if-error after a 304, with the
     * validators the 304 gave (empty: keep the stored ones) and the change history the image now has. Replies
     * EXTENDED, STALE_WRITE or GONE.
     */
    public Uni<WriteOutcome> revalidated(int partition, ImageKey key, WriteFence fence, CopyLifetime lifetime,
            Optional<String> etag, Optional<String> lastModified, ChangeHistory history) {
        String function = "pansaar_revalidated";
        return calls.call(function, withEvents(partition, RedisKeys.withIndexes(partition, RedisKeys.image(partition, key),
                RedisKeys.marker(partition, key), RedisKeys.stats(partition))), fence.token(), String.valueOf(fence.fence()),
                String.valueOf(fence.claimedAtMillis()), millis(lifetime.freshTtl()), millis(lifetime.grace()),
                millis(lifetime.staleIfError()), etag.orElse(""), lastModified.orElse(""),
                String.valueOf(lifetime.earlyRefreshMillis()), String.valueOf((long) history.exposure()),
                String.valueOf(history.changes()), eventsMaxLength)
                .map(reply -> status(function, WriteOutcome.class, reply));
    }

    /**
     * {@code pansaar_put_negative}: remembers for {@code negativeTtl} that the origin answered {@code statusCode}
     * (404 or 410). Replies WRITTEN or STALE_WRITE.
     */
    public Uni<WriteOutcome> putNegative(int partition, ImageKey key, WriteFence fence, Duration negativeTtl,
            int statusCode) {
        String function = "pansaar_put_negative";
        return calls.call(function, withEvents(partition, RedisKeys.withIndexes(partition, RedisKeys.image(partition, key),
                RedisKeys.marker(partition, key), RedisKeys.stats(partition))), fence.token(), String.valueOf(fence.fence()),
                String.valueOf(fence.claimedAtMillis()), millis(negativeTtl), String.valueOf(statusCode), eventsMaxLength)
                .map(reply -> status(function, WriteOutcome.class, reply));
    }

    /**
     * {@code pansaar_release}: gives a failed fetch's lease back. With {@code originFailed} the cached copy, if any, is
     * marked so that readers past grace are served it (stale-if-error).
     */
    public Uni<ReleaseReply> release(int partition, ImageKey key, String token, ReleaseMode mode, long queuedMarkerMillis,
            boolean originFailed) {
        String function = "pansaar_release";
        return calls.call(function, List.of(RedisKeys.marker(partition, key), RedisKeys.stats(partition),
                RedisKeys.image(partition, key)), token, mode.wireName(), String.valueOf(queuedMarkerMillis),
                originFailed ? "1" : "0")
                .map(reply -> {
                    ReleaseReply.Outcome outcome = status(function, ReleaseReply.Outcome.class, reply);
                    return new ReleaseReply(outcome,
                            outcome == ReleaseReply.Outcome.NOT_OWNER ? reply.get(1).toString() : "");
                });
    }

    // ---------------------------------------------------------------------------------------------
    // The scheduler's duties

    /** {@code pansaar_lease acquire}: takes the partition's lease, or renews it; whether {@code holder} holds it now. */
    public Uni<Boolean> acquireLease(int partition, String holder, long leaseMillis) {
        return calls.call("pansaar_lease", List.of(RedisKeys.lease(partition)), holder, "acquire",
                String.valueOf(leaseMillis))
                .map(reply -> reply.get(0).toString().equals("HELD"));
    }

    /** {@code pansaar_lease release}: gives the partition's lease up if {@code holder} holds it. */
    public Uni<Void> releaseLease(int partition, String holder) {
        return calls.call("pansaar_lease", List.of(RedisKeys.lease(partition)), holder, "release", "").replaceWithVoid();
    }

    /**
     * {@code pansaar_workers announce}: says that {@code holder} takes part in the scheduler, for {@code lifetimeMillis};
     * how many workers do.
     */
    public Uni<Integer> announce(String holder, long lifetimeMillis) {
        return calls.call("pansaar_workers", List.of(RedisKeys.schedulerWorkers()), holder, "announce",
                String.valueOf(lifetimeMillis)).map(Response::toInteger);
    }

    /** {@code pansaar_workers leave}: says that {@code holder} no longer takes part in the scheduler. */
    public Uni<Void> leave(String holder, long lifetimeMillis) {
        return calls.call("pansaar_workers", List.of(RedisKeys.schedulerWorkers()), holder, "leave",
                String.valueOf(lifetimeMillis)).replaceWithVoid();
    }

    /**
     * {@code pansaar_evict}: sweeps up to {@code limit} expired images out of the indexes, then evicts the
     * lowest-priority images, up to {@code limit}, while the partition holds more than {@code budgetBytes} (empty: no
     * budget).
     */
    public Uni<EvictReply> evict(int partition, String holder, Optional<Long> budgetBytes, int limit) {
        return evict(partition, holder, budgetBytes, limit, halfLifeMillis, probationShare);
    }

    /** {@link #evict(int, String, Optional, int)} with this half-life: each candidate's waiting hits count with it. */
    public Uni<EvictReply> evict(int partition, String holder, Optional<Long> budgetBytes, int limit,
            double halfLifeMillis) {
        return evict(partition, holder, budgetBytes, limit, String.valueOf(halfLifeMillis), probationShare);
    }

    /**
     * {@link #evict(int, String, Optional, int, double)} with this probation share (0: none): the stage's oldest images
     * leave first while it holds more than that share of the budget.
     */
    public Uni<EvictReply> evict(int partition, String holder, Optional<Long> budgetBytes, int limit,
            double halfLifeMillis, double probationShare) {
        return evict(partition, holder, budgetBytes, limit, String.valueOf(halfLifeMillis),
                String.valueOf(probationShare));
    }

    private Uni<EvictReply> evict(int partition, String holder, Optional<Long> budgetBytes, int limit,
            String halfLifeMillis, String probationShare) {
        return calls.call("pansaar_evict", withEvents(partition, RedisKeys.withIndexes(partition, RedisKeys.lease(partition),
                RedisKeys.stats(partition))), holder, optional(budgetBytes), String.valueOf(limit), eventsMaxLength,
                halfLifeMillis, probationShare)
                .map(reply -> new EvictReply(reply.get(0).toLong(), reply.get(1).toLong(), reply.get(2).toLong(),
                        reply.get(3).toLong(), reply.get(4).toLong()));
    }

    /**
     * {@code pansaar_fold_hits}: folds the hits that readers counted in the partition's hit counter, for up to
     * {@code limit} images and arrivals, into the images' priorities and the partition's statistics, with the
     * configured half-life, reporting what it folded.
     */
    public Uni<FoldHitsReply> foldHits(int partition, int limit) {
        return foldHits(partition, limit, halfLifeMillis, true);
    }

    /** {@link #foldHits(int, int)} with this half-life: each folded image's score moves to it. */
    public Uni<FoldHitsReply> foldHits(int partition, int limit, double halfLifeMillis) {
        return foldHits(partition, limit, halfLifeMillis, true);
    }

    /**
     * {@link #foldHits(int, int, double)}, reporting what it folded and draining the arrivals only when
     * {@code reporting}: a deployment that tunes nothing spares Redis the report's history reads and its reply.
     */
    public Uni<FoldHitsReply> foldHits(int partition, int limit, double halfLifeMillis, boolean reporting) {
        return foldHits(partition, limit, String.valueOf(halfLifeMillis), reporting);
    }

    private Uni<FoldHitsReply> foldHits(int partition, int limit, String halfLifeMillis, boolean reporting) {
        List<String> keys = new ArrayList<>(List.of(RedisKeys.hits(partition), RedisKeys.stats(partition),
                RedisKeys.priorityIndex(partition)));
        if (reporting) {
            // Without them the function folds as API 11 did: no arrivals drained, nothing reported.
            keys.add(RedisKeys.histories(partition));
            keys.add(RedisKeys.arrivals(partition));
        }
        return calls.call("pansaar_fold_hits", keys, String.valueOf(limit), halfLifeMillis)
                .map(reply -> {
                    List<FoldHitsReply.FoldedImage> folded = new ArrayList<>();
                    for (int i = 4; i + 2 < reply.size(); i += 3) {
                        folded.add(new FoldHitsReply.FoldedImage(reply.get(i).toString(), reply.get(i + 1).toLong(),
                                reply.get(i + 2).toLong()));
                    }
                    return new FoldHitsReply(reply.get(0).toLong(), reply.get(1).toLong(), reply.get(2).toLong(),
                            reply.get(3).toLong(), folded);
                });
    }

    /**
     * {@code pansaar_tune}: stores the partition's tuning settings, which tuned writes count with, when {@code holder}
     * holds its lease; the values stored.
     */
    public Uni<Tuning> tune(int partition, String holder, double halfLifeMillis, double newcomerPenalty) {
        return tune(partition, holder, halfLifeMillis, newcomerPenalty, 0);
    }

    /**
     * {@link #tune(int, String, double, double)} with the probationary stage's tuned share too; 0: none, the stored
     * one is left as it is.
     */
    public Uni<Tuning> tune(int partition, String holder, double halfLifeMillis, double newcomerPenalty,
            double probationShare) {
        return calls.call("pansaar_tune", List.of(RedisKeys.lease(partition), RedisKeys.tuning(partition)), holder,
                String.valueOf(halfLifeMillis), String.valueOf(newcomerPenalty),
                probationShare > 0 ? String.valueOf(probationShare) : "")
                .map(reply -> new Tuning(Double.parseDouble(reply.get(1).toString()),
                        Double.parseDouble(reply.get(2).toString()),
                        RedisReplies.text(reply.get(3)).map(Double::parseDouble).orElse(0.0)));
    }

    /**
     * The partition's tuning settings as {@link #tune} stored them; empty until both are stored, or while either is one
     * a tuned write passes over ({@link Tuning#halfLifeOf}).
     */
    public Uni<Optional<Tuning>> tuning(int partition) {
        return calls.send(() -> List.of(RespCommand.cmd("HMGET").arg(RedisKeys.tuning(partition))
                .arg(Tuning.HALF_LIFE_FIELD).arg(Tuning.NEWCOMER_PENALTY_FIELD).arg(Tuning.PROBATION_SHARE_FIELD)),
                replies -> {
                    Response settings = replies.get(0);
                    OptionalDouble halfLife = Tuning.halfLifeOf(RedisReplies.text(settings.get(0)));
                    OptionalDouble newcomerPenalty = Tuning.newcomerPenaltyOf(RedisReplies.text(settings.get(1)));
                    if (halfLife.isEmpty() || newcomerPenalty.isEmpty()) {
                        return Optional.<Tuning>empty();
                    }
                    return Optional.of(new Tuning(halfLife.getAsDouble(), newcomerPenalty.getAsDouble(),
                            Tuning.probationShareOf(RedisReplies.text(settings.get(2))).orElse(0)));
                });
    }

    /**
     * {@code pansaar_repair}: checks that the partition's charged bytes and used bytes agree with its priority index
     * (and that no index of API 6 is left) and, when they do not or a rebuild is under way, rebuilds them from up to
     * {@code limit} image hashes.
     */
    public Uni<RepairReply> repair(int partition, String holder, int limit) {
        String function = "pansaar_repair";
        List<String> keys = RedisKeys.withIndexes(partition, RedisKeys.lease(partition), RedisKeys.stats(partition));
        keys.addAll(RedisKeys.api6Indexes(partition));
        return calls.call(function, keys, holder, String.valueOf(limit))
                .map(reply -> new RepairReply(status(function, RepairReply.Outcome.class, reply), reply.get(1).toLong(),
                        RedisReplies.text(reply.get(2))));
    }

    /**
     * {@code pansaar_refresh_due}: lists the images due for an early refresh among up to {@code limit} due entries of
     * the schedule, the longest due first, each image's access score counted with the configured half-life; the entries
     * whose hash is gone are unindexed instead.
     */
    public Uni<RefreshDueReply> refreshDue(int partition, int limit) {
        return refreshDue(partition, limit, halfLifeMillis);
    }

    /** {@link #refreshDue(int, int)} with this half-life: each listed image's access score is counted with it. */
    public Uni<RefreshDueReply> refreshDue(int partition, int limit, double halfLifeMillis) {
        return refreshDue(partition, limit, String.valueOf(halfLifeMillis));
    }

    private Uni<RefreshDueReply> refreshDue(int partition, int limit, String halfLifeMillis) {
        return calls.call("pansaar_refresh_due", RedisKeys.withIndexes(partition, RedisKeys.stats(partition)),
                String.valueOf(limit), halfLifeMillis)
                .map(reply -> {
                    List<RefreshDueReply.DueImage> images = new ArrayList<>();
                    for (int i = 2; i + 2 < reply.size(); i += 3) {
                        images.add(new RefreshDueReply.DueImage(reply.get(i).toString(),
                                RedisReplies.text(reply.get(i + 1)).map(Double::valueOf),
                                RedisReplies.text(reply.get(i + 2)).map(Long::valueOf)));
                    }
                    return new RefreshDueReply(reply.get(0).toLong(), reply.get(1).toLong(), images);
                });
    }

    /**
     * {@code pansaar_refresh_early}: enqueues refresh jobs on the partition's early-refresh stream (nobody waits for them, so
     * they go after the job stream's) for images of {@code worth}, in order, up to {@code budget}
     * (those with a job pending cost nothing), and files the decided images and {@code drop} in the schedule under
     * their hash's expiry (unindexing those whose hash is gone); how many jobs it enqueued.
     */
    public Uni<Long> refreshEarly(int partition, String holder, long queuedMarkerMillis, int budget, List<String> worth,
            List<String> drop) {
        List<String> arguments = new ArrayList<>(List.of(holder, String.valueOf(queuedMarkerMillis),
                String.valueOf(budget), String.valueOf(worth.size())));
        arguments.addAll(worth);
        arguments.addAll(drop);
        return calls.call("pansaar_refresh_early", RedisKeys.withIndexes(partition, RedisKeys.lease(partition),
                RedisKeys.earlyRefresh(partition), RedisKeys.tokenCounter(partition), RedisKeys.stats(partition)),
                arguments.toArray(String[]::new))
                .map(reply -> reply.get(0).toLong());
    }

    // ---------------------------------------------------------------------------------------------
    // Job streams and dead letters

    /**
     * {@code pansaar_dead_letter}: moves a pending entry that {@code consumer} holds from {@code jobs} to
     * {@code deadLetters} (streams of one partition, which counts it in {@code stats} and appends it to
     * {@code events}), with why.
     */
    public Uni<DeadLetterOutcome> deadLetter(String jobs, String deadLetters, String stats, String events, String group,
            String consumer, String entryId, long deliveries, String lastError, long deadLetterMaxLength) {
        String function = "pansaar_dead_letter";
        return calls.call(function, List.of(jobs, deadLetters, stats, events), group, consumer, entryId,
                String.valueOf(deliveries), lastError, String.valueOf(deadLetterMaxLength), eventsMaxLength)
                .map(reply -> status(function, DeadLetterOutcome.class, reply));
    }

    /** {@code pansaar_retry_dead_letter}: puts dead letter {@code entryId} of the partition back on its job stream. */
    public Uni<RetryDeadLetterReply> retryDeadLetter(int partition, String entryId) {
        String function = "pansaar_retry_dead_letter";
        return calls.call(function, List.of(RedisKeys.deadLetters(partition), RedisKeys.jobs(partition)), entryId)
                .map(reply -> {
                    RetryDeadLetterReply.Outcome outcome = status(function, RetryDeadLetterReply.Outcome.class, reply);
                    return new RetryDeadLetterReply(outcome,
                            outcome == RetryDeadLetterReply.Outcome.NOT_FOUND ? "" : reply.get(1).toString());
                });
    }

    /**
     * {@code pansaar_forget_consumer}: deletes {@code consumer} of {@code jobs}' group unless it holds entries; whether
     * it did.
     */
    public Uni<Boolean> forgetConsumer(String jobs, String group, String consumer) {
        return calls.call("pansaar_forget_consumer", List.of(jobs), group, consumer)
                .map(reply -> reply.get(0).toString().equals("FORGOTTEN"));
    }

    // ---------------------------------------------------------------------------------------------
    // Origins

    /**
     * {@code pansaar_origin_acquire}: asks for a permit, held by {@code holder} for at most {@code permitLeaseMillis},
     * to send one fetch to {@code origin} within its concurrency, rate (0 microseconds between fetches: none), pause
     * and breaker.
     */
    public Uni<OriginAcquireReply> originAcquire(String origin, String holder, int maxConcurrency,
            long rateIntervalMicros, long rateBurst, long permitLeaseMillis) {
        String function = "pansaar_origin_acquire";
        return calls.call(function, originKeys(origin), holder, String.valueOf(maxConcurrency),
                String.valueOf(rateIntervalMicros), String.valueOf(rateBurst), String.valueOf(permitLeaseMillis))
                .map(reply -> new OriginAcquireReply(status(function, OriginAcquireReply.Verdict.class, reply),
                        Duration.ofMillis(reply.get(1).toLong())));
    }

    /**
     * {@code pansaar_origin_release}: gives {@code holder}'s permit back, recording whether the origin failed the
     * fetch (toward a breaker that opens after {@code breakerFailures} in a row for {@code breakerOpenFor}), the
     * pause it asked for, and {@code what} failed.
     */
    public Uni<OriginReleaseReply> originRelease(String origin, String holder, boolean originFailed, Duration pause,
            int breakerFailures, Duration breakerOpenFor, String what) {
        String function = "pansaar_origin_release";
        return calls.call(function, originKeys(origin), holder, originFailed ? "failure" : "success", millis(pause),
                String.valueOf(breakerFailures), millis(breakerOpenFor), what)
                .map(reply -> new OriginReleaseReply(status(function, OriginState.class, reply),
                        Duration.ofMillis(reply.get(1).toLong())));
    }

    /** {@code pansaar_origin_status}: {@code origin}'s shared state, as Redis holds it now. */
    public Uni<OriginStatusReply> originStatus(String origin) {
        return calls.call("pansaar_origin_status", originKeys(origin)).map(reply -> {
            long lastFailureAt = reply.get(8).toLong();
            return new OriginStatusReply(reply.get(0).toString(), reply.get(1).toLong(), reply.get(2).toLong(),
                    reply.get(3).toLong(), reply.get(4).toLong(), reply.get(5).toLong(), reply.get(6).toLong(),
                    RedisReplies.text(reply.get(7)),
                    lastFailureAt == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(lastFailureAt)));
        });
    }

    private static List<String> originKeys(String origin) {
        return List.of(RedisKeys.originPermits(origin), RedisKeys.originState(origin));
    }

    // ---------------------------------------------------------------------------------------------
    // Decoding

    /**
     * The status a reply starts with, as a constant of {@code statuses}: the function's word in upper case, '-'
     * read as '_' ({@code not-pending} is {@code NOT_PENDING}).
     */
    private static <S extends Enum<S>> S status(String function, Class<S> statuses, Response reply) {
        return statusOf(function, statuses, reply.get(0).toString());
    }

    private static <S extends Enum<S>> S statusOf(String function, Class<S> statuses, String status) {
        try {
            return Enum.valueOf(statuses, status.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw unknownStatus(function, status);
        }
    }

    private static IllegalStateException unknownStatus(String function, String status) {
        return new IllegalStateException(function + " replied with unknown status '" + status + "'");
    }

    /** {@code keys} (a list of {@link RedisKeys#withIndexes}) with the partition's events stream added last. */
    private static List<String> withEvents(int partition, List<String> keys) {
        keys.add(RedisKeys.events(partition));
        return keys;
    }

    private static String millis(Duration duration) {
        return String.valueOf(duration.toMillis());
    }

    private static String optional(Optional<Long> number) {
        return number.map(String::valueOf).orElse("");
    }
}
