package io.pansaar.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import io.pansaar.redis.RedisReplies;
import io.pansaar.redis.RespCommand;
import io.pansaar.redis.function.EnqueueReply;
import io.pansaar.redis.function.FinishedJob;
import io.pansaar.redis.function.GetReply;
import io.pansaar.redis.function.JobReason;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.redis.function.ReleaseMode;
import io.pansaar.redis.function.ReleaseReply;
import io.pansaar.redis.function.WriteOutcome;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
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
    private final Duration readRedisTimeout;
    private final LongAdder unrecordedReads = new LongAdder();

    public ImageStore(FunctionCalls calls, PansaarFunctions functions, Partitioner partitioner, PansaarConfig config) {
        this.calls = calls;
        this.functions = functions;
        this.partitioner = partitioner;
        this.workerConfig = config.worker();
        this.partitionBudget = PansaarConfig.partitionMemoryBudget(config, partitioner);
        this.writeEvictionLimit = PansaarFunctions.evictionLimit(
                Math.min(config.scheduler().batchSize(), PansaarFunctions.MAX_IMAGES_PER_CALL));
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
        int partition = partitioner.partitionOf(key);
        String image = RedisKeys.image(partition, key);
        RespCommand countHit = RespCommand.cmd("HINCRBY").arg(RedisKeys.hits(partition)).arg(key.value()).arg(1);
        return calls.sendEach(List.of(readFields(image), countHit), readRedisTimeout).onItem().transformToUni(replies -> {
            PipelinedReply fields = replies.get(0);
            if (!fields.succeeded()) {
                return Uni.createFrom().failure(fields.failure().get());
            }
            PipelinedReply counted = replies.get(1);
            StoredCopy stored = StoredCopy.of(fields.response());
            Optional<ReadResult> servedAtOnce = servedAtOnce(stored, counted.succeeded());
            if (servedAtOnce.isPresent()) {
                counted.failure().ifPresent(failure -> unrecorded(key, failure));
                return Uni.createFrom().item(servedAtOnce.get());
            }
            return bookkeeping(key, partition, stored, counted.succeeded());
        });
    }

    private static RespCommand readFields(String image) {
        RespCommand fields = RespCommand.cmd("HMGET").arg(image);
        READ_FIELDS.forEach(fields::arg);
        return fields;
    }

    /**
     * The result of a read that needs no bookkeeping function: a fresh ok copy, judged by this process's clock, or a
     * remembered 404/410. Empty for anything else.
     */
    private static Optional<ReadResult> servedAtOnce(StoredCopy fields, boolean recorded) {
        Optional<String> status = fields.value("status");
        if (status.isEmpty()) {
            return Optional.empty();
        }
        if (!"ok".equals(status.get())) {
            return Optional.of(new ReadResult(ReadOutcome.NEGATIVE, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Duration.ZERO, false, Optional.empty(), Optional.of(Integer.valueOf(status.get())),
                    recorded));
        }
        Response body = fields.body();
        long freshFor = fields.millis("fresh-until").orElse(0L) - System.currentTimeMillis();
        if (body == null || freshFor <= 0) {
            return Optional.empty();
        }
        return Optional.of(new ReadResult(ReadOutcome.HIT, Optional.of(body.toBuffer().getDelegate()),
                fields.value("content-type"), fields.value("etag"), fields.value("digest"), Duration.ofMillis(freshFor),
                false, Optional.empty(), Optional.empty(), recorded));
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
            return calls.send(() -> List.of(bookkeeping.get().toRequest())).ifNoItem().after(readRedisTimeout).fail()
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
                hasBytes ? fields.value("content-type") : Optional.empty(),
                hasBytes ? fields.value("etag") : Optional.empty(),
                hasBytes ? fields.value("digest") : Optional.empty(),
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
        Optional<String> status = fields.value("status");
        Response body = fields.body();
        Map<String, String> judged = ImageLayout.decode(RedisReplies.text(judgedMeta).orElse(null));
        if (status.isPresent() && !"ok".equals(status.get())) {
            return new ReadResult(ReadOutcome.NEGATIVE, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Duration.ZERO, false, Optional.empty(), Optional.of(Integer.valueOf(status.get())), false);
        }
        long now = System.currentTimeMillis();
        ReadOutcome outcome = status.isEmpty() || body == null ? ReadOutcome.MISS
                : copyOutcome(now, fields.millis("fresh-until").orElse(0L),
                        Optional.ofNullable(judged.get("grace-until")).map(Long::parseLong),
                        judged.containsKey("origin-failed-at"),
                        Optional.ofNullable(judged.get("stale-if-error-until")).map(Long::parseLong).orElse(0L));
        if (outcome == ReadOutcome.MISS) {
            return new ReadResult(ReadOutcome.MISS, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Duration.ZERO,
                    false, Optional.empty(), Optional.empty(), false);
        }
        long freshFor = fields.millis("fresh-until").orElse(0L) - now;
        return new ReadResult(outcome, Optional.of(body.toBuffer().getDelegate()), fields.value("content-type"),
                fields.value("etag"), fields.value("digest"), Duration.ofMillis(Math.max(0, freshFor)), false,
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
        return calls.send(() -> List.of(Request.cmd(Command.HGET).arg(image).arg("meta"),
                Request.cmd(Command.PTTL).arg(image),
                Request.cmd(Command.GET).arg(RedisKeys.marker(partition, key)),
                // Server time, because fresh-until is written in the server's clock.
                Request.cmd(Command.TIME),
                // Hits not yet folded into the hash by the scheduler.
                Request.cmd(Command.HGET).arg(RedisKeys.hits(partition)).arg(key.value())))
                .onItem().transform(replies -> {
                    Map<String, String> stored = ImageLayout.decode(RedisReplies.text(replies.get(0)).orElse(null));
                    if (!stored.containsKey("status")) {
                        return Optional.<ImageDetails>empty();
                    }
                    Response time = replies.get(3);
                    long serverMillis = time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000;
                    return Optional.of(ImageDetails.of(key, partition, stored, replies.get(1).toLong(), serverMillis,
                            RedisReplies.text(replies.get(2)), millis(replies.get(4)).orElse(0L)));
                });
    }

    /** Requests a regeneration of the key unless one is already queued or fetching. */
    public Uni<EnqueueReply> enqueue(ImageKey key, JobReason reason) {
        return functions.enqueue(partitioner.partitionOf(key), key, reason, workerConfig.queuedMarkerTtl().toMillis());
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
        return stream.equals(RedisKeys.jobs(partitioner.partitionOf(key)));
    }

    /**
     * {@link #put(ImageKey, Claim, FetchedImage, WritePlan, AccessPriority.Terms)}, also acknowledging and deleting
     * {@code job}'s entry once the write is decided (WRITTEN or STALE_WRITE); {@link #canFinish} must hold.
     */
    public Uni<WriteOutcome> put(ImageKey key, Claim claim, FetchedImage image, WritePlan plan,
            AccessPriority.Terms priority, Optional<FinishedJob> job) {
        claim.requireClaimed("put");
        job.ifPresent(finished -> {
            if (!canFinish(key, finished.stream())) {
                throw new IllegalArgumentException("a write of " + key + " cannot finish a job of " + finished.stream());
            }
        });
        int partition = partitioner.partitionOf(key);
        String staging = RedisKeys.staging(partition, key, claim.token());
        return calls.send(() -> {
            Request stage = Request.cmd(Command.HSET).arg(staging)
                    .arg("body").arg(image.body())
                    .arg("content-type").arg(image.contentType())
                    .arg("size").arg(String.valueOf(image.body().length))
                    .arg("fetch-ms").arg(String.valueOf(image.fetchTime().toMillis()))
                    .arg("digest").arg(image.digest())
                    .arg("size-term").arg(String.valueOf(priority.sizeTerm()))
                    .arg("half-life").arg(String.valueOf(priority.halfLifeMillis()))
                    .arg("exposure").arg(String.valueOf((long) plan.history().exposure()))
                    .arg("changes").arg(String.valueOf(plan.history().changes()));
            image.etag().ifPresent(etag -> stage.arg("etag").arg(etag));
            image.lastModified().ifPresent(lastModified -> stage.arg("last-modified").arg(lastModified));
            return List.of(stage,
                    Request.cmd(Command.PEXPIRE).arg(staging).arg(String.valueOf(STAGING_TTL.toMillis())),
                    functions.putRequest(partition, key, staging, claim.writeFence(), plan.lifetime(), partitionBudget,
                            writeEvictionLimit, job));
        }).onItem().transform(replies -> PansaarFunctions.putReply(replies.get(2)));
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
     * What a read's HMGET of body and meta found: the body's reply (null when absent) and meta's values. A hash
     * without meta, written by API 5 or older, reads as no copy.
     */
    private record StoredCopy(Response body, Map<String, String> meta) {

        static StoredCopy of(Response bodyAndMeta) {
            return new StoredCopy(bodyAndMeta.get(0), ImageLayout.decode(RedisReplies.text(bodyAndMeta.get(1)).orElse(null)));
        }

        Optional<String> value(String field) {
            return Optional.ofNullable(meta.get(field));
        }

        Optional<Long> millis(String field) {
            return value(field).map(Long::parseLong);
        }
    }

    private static Optional<Long> millis(Response response) {
        return RedisReplies.text(response).map(Long::parseLong);
    }
}
