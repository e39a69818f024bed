package io.pansaar.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.FunctionCalls;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.PipelinedReply;
import io.pansaar.redis.PooledReplies;
import io.pansaar.redis.RedisReplies;
import io.pansaar.redis.RespCommand;
import io.pansaar.redis.function.EnqueueReply;
import io.pansaar.redis.function.FinishedJob;
import io.pansaar.redis.function.GetReply;
import io.pansaar.redis.function.ImageValues;
import io.pansaar.redis.function.JobReason;
import io.pansaar.redis.function.PurgeBatchReply;
import io.pansaar.redis.function.PurgeOutcome;
import io.pansaar.redis.function.PurgeReply;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.redis.function.ReleaseMode;
import io.pansaar.redis.function.ReleaseReply;
import io.pansaar.redis.function.WarmReply;
import io.pansaar.redis.function.WriteOutcome;
import io.quarkus.arc.ClientProxy;
import io.smallrye.mutiny.Uni;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.types.BulkType;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads and writes cached images through the Pansaar Redis Functions. Every call is one round trip;
 * image bytes travel only in plain HMGET/HSET commands, never through Lua.
 */
@ApplicationScoped
public class ImageStore {

    /** How long a staging hash may wait for its pansaar_put; far longer than one pipeline takes. */
    static final Duration STAGING_TTL = Duration.ofSeconds(60);

    private static final Logger LOG = Logger.getLogger(ImageStore.class);

    /**
     * What a read takes from the image hash: the answer's bytes, and meta (see {@link ImageLayout}) with its headers
     * and what tells a fresh copy from one that needs pansaar_get (stale, past grace, missing), so a fresh hit needs
     * nothing more.
     */
    private static final List<String> READ_FIELDS = List.of("body", "meta");

    /** Sends the pipelines: plain commands, and the function calls {@link #functions} builds among them. */
    private final FunctionCalls calls;
    private final PansaarFunctions functions;
    private final Partitioner partitioner;
    private final PansaarConfig.Worker workerConfig;
    /** Each partition's share of the memory budget, or empty: no budget. */
    private final Optional<Long> partitionBudget;
    /** The eviction limit of a write, within the scheduler's slice. */
    private final int writeEvictionLimit;
    /** Whether writes count with their partition's tuning settings and record arrivals (pansaar.priority.tuning). */
    private final boolean priorityTuning;
    private final Duration readRedisTimeout;
    private final LongAdder unrecordedReads = new LongAdder();

    public ImageStore(FunctionCalls calls, PansaarFunctions functions, Partitioner partitioner, PansaarConfig config) {
        // The bean itself rather than its client proxy, which looks the instance up on every call (reads are the hot
        // path); it is application-scoped, so the instance never changes.
        this.calls = ClientProxy.unwrap(calls);
        this.functions = functions;
        this.partitioner = partitioner;
        this.workerConfig = config.worker();
        this.partitionBudget = PansaarConfig.partitionMemoryBudget(config, partitioner);
        this.writeEvictionLimit = PansaarFunctions.evictionLimit(
                Math.min(config.scheduler().batchSize(), PansaarFunctions.MAX_IMAGES_PER_CALL));
        this.priorityTuning = PansaarConfig.tuning(config);
        this.readRedisTimeout = config.readThrough().redisTimeout();
    }

    /**
     * Reads an image and records the access; a miss or stale copy enqueues at most one job. A fresh copy or a
     * remembered 404/410 costs one round trip: the plain read pipelined with a HINCRBY of the partition's hit
     * counter, which the scheduler folds into the image's priority. Anything else takes a second round trip, the
     * bookkeeping function pansaar_get. When the bookkeeping fails (Redis out of memory, the library missing), a copy
     * is still served from the plain read, and the failure is counted. Fails when Redis does not answer the plain
     * read within {@code pansaar.read-through.redis-timeout}.
     */
    public Uni<ReadResult> read(ImageKey key) {
        return Uni.createFrom().emitter(emitter -> read(key, result -> {
            if (result.succeeded()) {
                emitter.complete(result.result().onHeap());
            } else {
                emitter.fail(result.cause());
            }
        }));
    }

    /**
     * {@link #read(ImageKey)} for the hot path: {@code done} is called with the result on the caller's event loop as a
     * plain callback. A fresh hit runs no Mutiny operator, each of which would capture and restore the caller's
     * context around its callback; the reads that need the bookkeeping function do. The result's content may be a
     * pooled buffer, which {@code done} must {@linkplain ReadResult#release() release} once it is written or dropped.
     */
    public void read(ImageKey key, Handler<AsyncResult<ReadResult>> done) {
        int partition = partitioner.partitionOf(key);
        String image = RedisKeys.image(partition, key);
        RespCommand countHit = RespCommand.cmd("HINCRBY").arg(RedisKeys.hits(partition)).arg(key.value()).arg(1);
        // The body comes in a pooled buffer, which the HTTP response writes as it is.
        calls.sendEach(List.of(readFields(image).pooledReply(), countHit), readRedisTimeout, sent -> {
            if (sent.failed()) {
                done.handle(Future.failedFuture(sent.cause()));
                return;
            }
            List<PipelinedReply> replies = sent.result();
            PipelinedReply fields = replies.get(0);
            if (!fields.succeeded()) {
                done.handle(Future.failedFuture(fields.failure().get()));
                return;
            }
            PipelinedReply counted = replies.get(1);
            StoredCopy stored;
            ReadResult servedAtOnce;
            try {
                stored = StoredCopy.of(fields.response());
                servedAtOnce = servedAtOnce(stored, counted.succeeded());
            } catch (RuntimeException unreadable) {
                // A reply of another shape than this process reads fails the read rather than the connection's reply
                // handler. A meta value mangled into no number is not one: it reads as not known (ImageLayout).
                PooledReplies.release(fields.response());
                done.handle(Future.failedFuture(unreadable));
                return;
            }
            if (servedAtOnce != null) {
                if (servedAtOnce.content().isEmpty()) {
                    PooledReplies.release(stored.body());
                }
                counted.failure().ifPresent(failure -> unrecorded(key, failure));
                done.handle(Future.succeededFuture(servedAtOnce));
                return;
            }
            // The rarer reads that take a second round trip keep the body on the heap: a pooled buffer would have to
            // be released on each of their paths.
            bookkeeping(key, partition, stored.onHeap(), counted.succeeded()).subscribe().with(
                    result -> done.handle(Future.succeededFuture(result)),
                    failure -> done.handle(Future.failedFuture(failure)));
        });
    }

    private static RespCommand readFields(String image) {
        RespCommand fields = RespCommand.cmd("HMGET").arg(image);
        READ_FIELDS.forEach(fields::arg);
        return fields;
    }

    /**
     * The result of a read that needs no bookkeeping function: a fresh ok copy, judged by this process's clock, or a
     * remembered 404/410. Null for anything else (not an Optional: this is the hot path).
     */
    private static ReadResult servedAtOnce(StoredCopy fields, boolean recorded) {
        Optional<String> status = fields.status();
        if (status.isEmpty()) {
            return null;
        }
        if (!"ok".equals(status.get())) {
            return new ReadResult(ReadOutcome.NEGATIVE, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Duration.ZERO, false, Optional.empty(), Optional.of(Integer.valueOf(status.get())),
                    recorded);
        }
        Response body = fields.body();
        long freshFor = fields.millis(ImageLayout.FRESH_UNTIL).orElse(0L) - System.currentTimeMillis();
        if (body == null || freshFor <= 0) {
            return null;
        }
        return new ReadResult(ReadOutcome.HIT, Optional.of(body.toBuffer().getDelegate()),
                fields.value(ImageLayout.CONTENT_TYPE), fields.value(ImageLayout.ETAG), fields.value(ImageLayout.DIGEST),
                Duration.ofMillis(freshFor), false, Optional.empty(), Optional.empty(), recorded);
    }

    /**
     * The second round trip of a read that found no fresh copy: pansaar_get judges the copy by the server's clock,
     * takes back the hit the read counted, records the request and enqueues the job a miss or stale copy needs.
     */
    private Uni<ReadResult> bookkeeping(ImageKey key, int partition, StoredCopy fields, boolean counted) {
        String image = RedisKeys.image(partition, key);
        Supplier<RespCommand> bookkeeping = () -> functions.getRequest(partition, key,
                workerConfig.queuedMarkerTtl().toMillis(), counted);
        // meta once more, beside pansaar_get: what the function judges a copy past fresh-until by, as it is now, so
        // the read can judge it alike should the function fail.
        RespCommand judged = RespCommand.cmd("HGET").arg(image).arg("meta");
        return calls.sendEach(List.of(judged, bookkeeping.get()), readRedisTimeout).onItem().transformToUni(replies -> {
            PipelinedReply judgeFields = replies.get(0);
            if (!judgeFields.succeeded()) {
                return Uni.createFrom().failure(judgeFields.failure().get());
            }
            PipelinedReply recorded = replies.get(1);
            if (recorded.succeeded()) {
                return recordedRead(key, image, fields, PansaarFunctions.getReply(recorded.response()));
            }
            Throwable failure = recorded.failure().get();
            if (!FunctionLibrary.isFunctionMissing(failure)) {
                return Uni.createFrom().item(unrecordedRead(key, fields, judgeFields.response(), failure));
            }
            // Redis lost the library (a restart without persistence): load it and record the read after all, so a
            // miss still enqueues its job.
            return calls.send(() -> List.of(bookkeeping.get())).ifNoItem().after(readRedisTimeout).fail()
                    .onItem().transformToUni(again -> recordedRead(key, image, fields,
                            PansaarFunctions.getReply(again.get(0))))
                    .onFailure().recoverWithItem(stillFailing -> unrecordedRead(key, fields, judgeFields.response(),
                            stillFailing));
        });
    }

    /** A read's result from the plain read's fields and the bookkeeping function's reply. */
    private Uni<ReadResult> recordedRead(ImageKey key, String image, StoredCopy fields, GetReply reply) {
        ReadOutcome outcome = reply.outcome();
        if (outcome.servesCopy() && fields.body() == null) {
            // The two round trips are not atomic: a write landed between them. Read the bytes once more, without
            // counting the request again.
            LOG.debugf("read of %s raced with a write; reading the bytes again", key);
            return calls.sendEach(List.of(readFields(image)), readRedisTimeout).onItem().transformToUni(again -> {
                PipelinedReply reread = again.get(0);
                return reread.succeeded()
                        ? Uni.createFrom().item(recordedResult(StoredCopy.of(reread.response()), outcome, reply))
                        : Uni.createFrom().failure(reread.failure().get());
            });
        }
        return Uni.createFrom().item(recordedResult(fields, outcome, reply));
    }

    private static ReadResult recordedResult(StoredCopy fields, ReadOutcome outcome, GetReply reply) {
        Response body = fields.body();
        boolean hasBytes = outcome.servesCopy() && body != null;
        // A copy that left again before the bytes were read a second time is a miss whose job another read enqueues.
        ReadOutcome served = outcome.servesCopy() && body == null ? ReadOutcome.MISS : outcome;
        return new ReadResult(served,
                hasBytes ? Optional.of(body.toBuffer().getDelegate()) : Optional.empty(),
                hasBytes ? fields.value(ImageLayout.CONTENT_TYPE) : Optional.empty(),
                hasBytes ? fields.value(ImageLayout.ETAG) : Optional.empty(),
                hasBytes ? fields.value(ImageLayout.DIGEST) : Optional.empty(),
                Duration.ofMillis(Math.max(0, reply.freshForMillis())), reply.enqueued(), reply.jobId(),
                reply.negativeStatus(), true);
    }

    /** Counts a read whose bookkeeping failed, logged at DEBUG: a storm of them must not flood the log. */
    private void unrecorded(ImageKey key, Throwable bookkeepingFailure) {
        unrecordedReads.increment();
        LOG.debugf("the bookkeeping of a read of %s failed (%s); answering from the plain read", key,
                bookkeepingFailure.getMessage());
    }

    /**
     * A read's result from the plain read alone, after the bookkeeping function failed: nothing was counted or
     * enqueued. The copy is judged as pansaar_get judges it, by this process's clock, as the server's was not read.
     */
    private ReadResult unrecordedRead(ImageKey key, StoredCopy fields, Response judgedMeta, Throwable bookkeepingFailure) {
        unrecorded(key, bookkeepingFailure);
        Optional<String> status = fields.status();
        Response body = fields.body();
        Map<String, String> judged = ImageLayout.decode(RedisReplies.text(judgedMeta).orElse(null));
        if (status.isPresent() && !"ok".equals(status.get())) {
            return new ReadResult(ReadOutcome.NEGATIVE, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Duration.ZERO, false, Optional.empty(), Optional.of(Integer.valueOf(status.get())), false);
        }
        long now = System.currentTimeMillis();
        ReadOutcome outcome = status.isEmpty() || body == null ? ReadOutcome.MISS
                : copyOutcome(now, fields.millis(ImageLayout.FRESH_UNTIL).orElse(0L),
                        ImageLayout.wholeNumber(judged.get("grace-until")),
                        judged.containsKey("origin-failed-at"),
                        ImageLayout.wholeNumber(judged.get("stale-if-error-until")).orElse(0L));
        if (outcome == ReadOutcome.MISS) {
            return new ReadResult(ReadOutcome.MISS, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Duration.ZERO,
                    false, Optional.empty(), Optional.empty(), false);
        }
        long freshFor = fields.millis(ImageLayout.FRESH_UNTIL).orElse(0L) - now;
        return new ReadResult(outcome, Optional.of(body.toBuffer().getDelegate()), fields.value(ImageLayout.CONTENT_TYPE),
                fields.value(ImageLayout.ETAG), fields.value(ImageLayout.DIGEST), Duration.ofMillis(Math.max(0, freshFor)), false,
                Optional.empty(), Optional.empty(), false);
    }

    /**
     * How pansaar_get judges an ok copy at {@code now}: fresh, stale within grace (always, for a copy written without
     * grace-until), past grace and servable because its origin failed while stale-if-error lasts, or else a miss.
     */
    static ReadOutcome copyOutcome(long now, long freshUntil, Optional<Long> graceUntil, boolean originFailed,
            long staleIfErrorUntil) {
        if (now < freshUntil) {
            return ReadOutcome.HIT;
        }
        if (graceUntil.isEmpty() || now < graceUntil.get()) {
            return ReadOutcome.STALE;
        }
        return originFailed && now < staleIfErrorUntil ? ReadOutcome.STALE_IF_ERROR : ReadOutcome.MISS;
    }

    /** Reads answered from the plain read alone because the bookkeeping function failed, since start. */
    public long unrecordedReads() {
        return unrecordedReads.sum();
    }

    /**
     * Describes the cached entry of a key without its body and without counting an access; empty
     * when nothing is cached.
     */
    public Uni<Optional<ImageDetails>> details(ImageKey key) {
        int partition = partitioner.partitionOf(key);
        String image = RedisKeys.image(partition, key);
        return calls.send(() -> List.of(RespCommand.cmd("HGET").arg(image).arg("meta"),
                RespCommand.cmd("PTTL").arg(image),
                RespCommand.cmd("GET").arg(RedisKeys.marker(partition, key)),
                // Server time, because fresh-until is written in the server's clock.
                RespCommand.cmd("TIME"),
                // Hits not yet folded into the hash by the scheduler.
                RespCommand.cmd("HGET").arg(RedisKeys.hits(partition)).arg(key.value()),
                RespCommand.cmd("HGET").arg(RedisKeys.tags(partition)).arg(key.value())))
                .onItem().transform(replies -> {
                    Map<String, String> stored = ImageLayout.decode(RedisReplies.text(replies.get(0)).orElse(null));
                    if (!stored.containsKey("status")) {
                        return Optional.<ImageDetails>empty();
                    }
                    Response time = replies.get(3);
                    long serverMillis = time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000;
                    return Optional.of(ImageDetails.of(key, partition, stored, replies.get(1).toLong(), serverMillis,
                            RedisReplies.text(replies.get(2)), millis(replies.get(4)).orElse(0L),
                            RedisReplies.text(replies.get(5))));
                });
    }

    /** Requests a regeneration of the key unless one is already queued or fetching. */
    public Uni<EnqueueReply> enqueue(ImageKey key, JobReason reason) {
        return functions.enqueue(partitioner.partitionOf(key), key, reason, workerConfig.queuedMarkerTtl().toMillis());
    }

    /**
     * Queues warm-up jobs for the keys on their partitions' warm streams, skipping those with a fresh copy, a remembered
     * 404/410 or a job queued or fetching. Each partition's keys go in calls of {@link PansaarFunctions#MAX_WARMED_PER_CALL},
     * one after the other (Redis runs nothing else during a call); the partitions' calls run side by side.
     */
    public Uni<WarmReply> warm(List<ImageKey> keys) {
        Map<Integer, List<ImageKey>> byPartition = new TreeMap<>();
        for (ImageKey key : keys) {
            byPartition.computeIfAbsent(partitioner.partitionOf(key), partition -> new ArrayList<>()).add(key);
        }
        long queuedMarkerMillis = workerConfig.queuedMarkerTtl().toMillis();
        List<Uni<WarmReply>> partitions = new ArrayList<>();
        byPartition.forEach((partition, partitionKeys) -> {
            Uni<WarmReply> chain = Uni.createFrom().item(new WarmReply(0, 0));
            for (int from = 0; from < partitionKeys.size(); from += PansaarFunctions.MAX_WARMED_PER_CALL) {
                List<ImageKey> batch = partitionKeys.subList(from,
                        Math.min(partitionKeys.size(), from + PansaarFunctions.MAX_WARMED_PER_CALL));
                chain = chain.chain(sum -> functions.warm(partition, batch, queuedMarkerMillis).map(sum::plus));
            }
            partitions.add(chain);
        });
        return Uni.join().all(partitions).andFailFast()
                .map(replies -> replies.stream().reduce(new WarmReply(0, 0), WarmReply::plus));
    }

    /**
     * Purges the keys, hard (deleted) or soft (marked stale), with one {@code pansaar_purge} call per partition, the
     * calls sent together; a fetch of a key in flight is fenced and the key fetched again once.
     */
    public Uni<PurgeResult> purge(List<ImageKey> keys, boolean soft) {
        Map<Integer, List<ImageKey>> byPartition = new TreeMap<>();
        for (ImageKey key : keys) {
            byPartition.computeIfAbsent(partitioner.partitionOf(key), partition -> new ArrayList<>()).add(key);
        }
        List<Uni<List<PurgeResult.PurgedKey>>> calls = new ArrayList<>();
        byPartition.forEach((partition, partitionKeys) -> calls.add(functions.purge(partition, partitionKeys, soft,
                workerConfig.fetchLease().toMillis(), workerConfig.queuedMarkerTtl().toMillis()).map(reply -> {
                    List<PurgeResult.PurgedKey> purged = new ArrayList<>();
                    for (int i = 0; i < partitionKeys.size(); i++) {
                        PurgeReply.KeyOutcome outcome = reply.keys().get(i);
                        purged.add(new PurgeResult.PurgedKey(partitionKeys.get(i), partition, outcome.outcome(),
                                outcome.refetchJobId()));
                    }
                    return purged;
                })));
        return Uni.join().all(calls).andFailFast().map(replies -> {
            Map<ImageKey, PurgeResult.PurgedKey> byKey = new HashMap<>();
            replies.forEach(purged -> purged.forEach(key -> byKey.put(key.key(), key)));
            List<PurgeResult.PurgedKey> inOrder = keys.stream().map(byKey::get).toList();
            long count = inOrder.stream().filter(key -> key.outcome() != PurgeOutcome.ABSENT).count();
            return new PurgeResult(count, inOrder);
        });
    }

    /**
     * Purges, hard (deleted) or soft (marked stale), every image whose key starts with one of the prefixes, in every
     * partition: the partitions in parallel, each going through the prefixes in turn, {@code pansaar_purge_prefix}
     * batches of {@link PansaarFunctions#PURGE_BATCH} until one lists fewer. Returns how many images existed and
     * were purged.
     */
    public Uni<Long> purgePrefixes(List<String> prefixes, boolean soft) {
        return purgeInBatches(prefixes, (partition, prefix, cursor) -> functions.purgePrefix(partition, prefix, cursor,
                soft, workerConfig.fetchLease().toMillis(), workerConfig.queuedMarkerTtl().toMillis()));
    }

    /**
     * Purges, hard (deleted) or soft (marked stale), every image filed under one of the tags, in every partition, as
     * {@link #purgePrefixes} purges by prefix, with {@code pansaar_purge_tag}. Returns how many images existed and were
     * purged; a soft purge counts an image once for each of the tags that reach it.
     */
    public Uni<Long> purgeTags(List<String> tags, boolean soft) {
        return purgeInBatches(tags, (partition, tag, cursor) -> functions.purgeTag(partition, tag, cursor, soft,
                workerConfig.fetchLease().toMillis(), workerConfig.queuedMarkerTtl().toMillis()));
    }

    /** One batch of a purge by prefix or by tag in one partition, from a cursor. */
    @FunctionalInterface
    private interface PurgeBatch {
        Uni<PurgeBatchReply> call(int partition, String name, String cursor);
    }

    /**
     * Every partition in parallel, each going through the prefixes or tags in turn, batch after batch until one lists
     * fewer than {@link PansaarFunctions#PURGE_BATCH}. Returns the sum of the images purged.
     */
    private Uni<Long> purgeInBatches(List<String> names, PurgeBatch batch) {
        List<Uni<Long>> partitions = new ArrayList<>();
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            int current = partition;
            Uni<Long> chain = Uni.createFrom().item(0L);
            for (String name : names) {
                chain = chain.chain(sum -> purgeFrom(batch, current, name, "").map(purged -> sum + purged));
            }
            partitions.add(chain);
        }
        return Uni.join().all(partitions).andFailFast()
                .map(counts -> counts.stream().mapToLong(Long::longValue).sum());
    }

    /** The images of one partition under a prefix or tag purged from the cursor on, one batch a call, until the last. */
    private Uni<Long> purgeFrom(PurgeBatch batch, int partition, String name, String cursor) {
        return batch.call(partition, name, cursor).chain(reply -> {
            if (reply.listed() < PansaarFunctions.PURGE_BATCH) {
                return Uni.createFrom().item(reply.purged());
            }
            return purgeFrom(batch, partition, name, reply.cursor()).map(rest -> reply.purged() + rest);
        });
    }

    /** Asks for the fetch lease of the key for a job requested at {@code requestedAtMillis}. */
    public Uni<Claim> claim(ImageKey key, String token, long requestedAtMillis, JobReason reason) {
        return functions.claim(partitioner.partitionOf(key), key, token, requestedAtMillis, reason,
                workerConfig.fetchLease().toMillis()).map(reply -> Claim.of(token, reply));
    }

    /**
     * Stores a fetched image under a claim's fence, as {@code plan} says, ranked by {@code priority}; an older claim
     * never overwrites a newer one. The image is filed in its partition's indexes, and when the write takes the
     * partition over its share of {@code pansaar.memory-budget} the lowest-priority other images are evicted.
     */
    public Uni<WriteOutcome> put(ImageKey key, Claim claim, FetchedImage image, WritePlan plan,
            AccessPriority.Terms priority) {
        return put(key, claim, image, plan, priority, Optional.empty());
    }

    /**
     * Whether a write of {@code key} can finish a job entry of {@code stream} itself: only one of the key's own
     * partition, whose keys share the write's hash slot.
     */
    public boolean canFinish(ImageKey key, String stream) {
        int partition = partitioner.partitionOf(key);
        return stream.equals(RedisKeys.jobs(partition)) || stream.equals(RedisKeys.warm(partition));
    }

    /**
     * {@link #put(ImageKey, Claim, FetchedImage, WritePlan, AccessPriority.Terms)}, also acknowledging and deleting
     * {@code job}'s entry once the write is decided (WRITTEN or STALE_WRITE); {@link #canFinish} must hold.
     */
    public Uni<WriteOutcome> put(ImageKey key, Claim claim, FetchedImage image, WritePlan plan,
            AccessPriority.Terms priority, Optional<FinishedJob> job) {
        return put(key, claim, image, plan, priority, job, priorityTuning);
    }

    /**
     * {@link #put(ImageKey, Claim, FetchedImage, WritePlan, AccessPriority.Terms, Optional)}, counting with the
     * partition's tuning settings and recording a new image's arrival when {@code tuned}, whatever
     * pansaar.priority.tuning says.
     */
    Uni<WriteOutcome> put(ImageKey key, Claim claim, FetchedImage image, WritePlan plan, AccessPriority.Terms priority,
            Optional<FinishedJob> job, boolean tuned) {
        claim.requireClaimed("put");
        job.ifPresent(finished -> {
            if (!canFinish(key, finished.stream())) {
                throw new IllegalArgumentException("a write of " + key + " cannot finish a job of " + finished.stream());
            }
        });
        int partition = partitioner.partitionOf(key);
        String staging = RedisKeys.staging(partition, key, claim.token());
        ImageValues values = new ImageValues(image.contentType(), image.etag(), image.lastModified(),
                image.body().length, image.fetchTime().toMillis(), image.digest(), priority, plan.history(),
                image.tags());
        return calls.send(() -> List.of(
                // The body alone: the function takes the other values as arguments, so it neither reads them back
                // from the staging hash nor deletes them there.
                RespCommand.cmd("HSET").arg(staging).arg("body").arg(image.body()),
                RespCommand.cmd("PEXPIRE").arg(staging).arg(STAGING_TTL.toMillis()),
                functions.putRequest(partition, key, staging, claim.writeFence(), plan.lifetime(), values,
                        partitionBudget, writeEvictionLimit, job, workerConfig.queuedMarkerTtl().toMillis(),
                        tuned)),
                replies -> PansaarFunctions.putReply(replies.get(2)));
    }

    /**
     * Extends the stored copy's freshness, grace and stale-if-error as {@code plan} says after the origin answered
     * 304 Not Modified, recording the change history it now has.
     */
    public Uni<WriteOutcome> revalidated(ImageKey key, Claim claim, Optional<String> etag, Optional<String> lastModified,
            WritePlan plan) {
        claim.requireClaimed("revalidated");
        return functions.revalidated(partitioner.partitionOf(key), key, claim.writeFence(), plan.lifetime(), etag,
                lastModified, plan.history());
    }

    /** Remembers that the origin does not have the image (404 or 410) for {@code negativeTtl}. */
    public Uni<WriteOutcome> putNegative(ImageKey key, Claim claim, int statusCode, Duration negativeTtl) {
        claim.requireClaimed("putNegative");
        return functions.putNegative(partitioner.partitionOf(key), key, claim.writeFence(), negativeTtl, statusCode);
    }

    /**
     * Gives a failed fetch's lease back, keeping the key queued for a retry or freeing it for a new job. With
     * {@code originFailed} (the origin failed, or is paused) the cached copy, if any, is marked so that readers past
     * grace are served it (stale-if-error), and readers waiting on the key read again.
     */
    public Uni<Void> release(ImageKey key, Claim claim, ReleaseMode mode, boolean originFailed) {
        claim.requireClaimed("release");
        return functions.release(partitioner.partitionOf(key), key, claim.token(), mode,
                workerConfig.queuedMarkerTtl().toMillis(), originFailed)
                .invoke(reply -> {
                    if (reply.outcome() == ReleaseReply.Outcome.NOT_OWNER) {
                        // Normal after a lease expired and another claim took over: that claim now owns the key.
                        LOG.debugf("release of %s by %s changed nothing: the marker is '%s'", key, claim.token(),
                                reply.marker());
                    }
                })
                .replaceWithVoid();
    }

    /**
     * What a read's HMGET of body and meta found: the body's reply (null when absent) and the values of meta a read
     * needs ({@link ImageLayout#readerValues}). A hash without meta, written by API 5 or older, reads as no copy.
     */
    private record StoredCopy(Response body, String[] readerValues) {

        static StoredCopy of(Response bodyAndMeta) {
            return new StoredCopy(bodyAndMeta.get(0),
                    ImageLayout.readerValues(RedisReplies.text(bodyAndMeta.get(1)).orElse(null)));
        }

        /** The same fields with the body copied onto the heap, its pooled buffer released. */
        StoredCopy onHeap() {
            if (body == null || !PooledReplies.isPooled(body.toBuffer().getDelegate())) {
                return this;
            }
            Response copy = Response.newInstance(BulkType.create(PooledReplies.onHeap(body.toBuffer().getDelegate()), false));
            return new StoredCopy(copy, readerValues);
        }

        /** The value at {@code position}, one of ImageLayout's reader positions. */
        Optional<String> value(int position) {
            return Optional.ofNullable(readerValues[position]);
        }

        /** A time in ms at {@code position}; empty when absent or no whole number (mangled): not known. */
        Optional<Long> millis(int position) {
            return ImageLayout.wholeNumber(readerValues[position]);
        }

        /** The copy's status, {@code ok} or a remembered 404/410's code; empty for no copy, or a mangled status. */
        Optional<String> status() {
            return ImageLayout.copyStatus(readerValues[ImageLayout.STATUS]);
        }
    }

    private static Optional<Long> millis(Response response) {
        return RedisReplies.text(response).map(Long::parseLong);
    }
}
