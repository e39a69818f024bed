package io.pansaar.worker;

import static org.jboss.logging.Logger.Level.DEBUG;
import static org.jboss.logging.Logger.Level.WARN;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.function.Predicate;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.config.PansaarConfig;
import io.pansaar.config.SegmentSettings;
import io.pansaar.config.Segments;
import io.pansaar.logging.LogText;
import io.pansaar.logging.TraceLog;
import io.pansaar.origin.FetchFailure;
import io.pansaar.origin.FetchResult;
import io.pansaar.origin.OriginClient;
import io.pansaar.origin.OriginFetchException;
import io.pansaar.origin.OriginGuard;
import io.pansaar.origin.OriginId;
import io.pansaar.origin.Validators;
import io.pansaar.redis.FunctionCalls;
import io.pansaar.redis.RedisFailures;
import io.pansaar.redis.function.FinishedJob;
import io.pansaar.redis.function.JobReason;
import io.pansaar.redis.function.OriginState;
import io.pansaar.redis.function.ReleaseMode;
import io.pansaar.redis.function.WriteOutcome;
import io.pansaar.store.Claim;
import io.pansaar.store.FetchedImage;
import io.pansaar.store.ImageStore;
import io.pansaar.store.WritePlan;
import io.pansaar.stream.InlineAcknowledgement;
import io.pansaar.stream.ServiceUnavailableException;
import io.pansaar.stream.StreamEntry;
import io.pansaar.stream.UnprocessableEntryException;
import io.pansaar.worker.WorkerStatistics.Outcome;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Consumes regeneration jobs: claims the key's single-flight lease, takes a permit for the origin from the
 * {@link OriginGuard}, fetches the image from its segment's origin, and writes it back with the TTL the
 * {@link TtlPolicy} chooses.
 *
 * <p>A job that completes is acknowledged; one that fails stays pending for redelivery with backoff, an
 * {@link UnprocessableEntryException} sends it to the dead-letter stream at once, and an
 * {@link OriginUnavailableException} puts it back without using a delivery, to wait for its origin. At most
 * {@code pansaar.worker.concurrency} jobs run at once in this process, each as one asynchronous chain of Redis calls
 * and the fetch, on the event loops: no thread waits for a job. Jobs are handed to the event loops in turn
 * ({@link JobContexts}), each running wholly on its own.
 */
@ApplicationScoped
public class RegenerationWorker {

    private static final Logger LOG = Logger.getLogger(RegenerationWorker.class);

    private final ImageStore store;
    private final OriginClient origin;
    private final OriginGuard originGuard;
    private final Segments segments;
    private final TtlPolicy ttlPolicy;
    private final WritePlanner planner;
    private final WorkerStatistics statistics;
    private final JobTracing tracing;
    private final int maxDeliveries;
    private final int concurrency;
    private final Duration redisTimeout;
    /** Whether the Redis calls fail by themselves after {@link #redisTimeout}, so that a job needs no timer of its own. */
    private final boolean callsTimeOut;
    /** The event loops jobs are spread over, so that a process uses more than one core for them. */
    private final JobContexts jobContexts;

    public RegenerationWorker(ImageStore store, OriginClient origin, OriginGuard originGuard, Segments segments,
            TtlPolicy ttlPolicy, WritePlanner planner, WorkerStatistics statistics, JobTracing tracing,
            FunctionCalls calls, PansaarConfig config, Vertx vertx) {
        this.tracing = tracing;
        this.jobContexts = new JobContexts(vertx);
        this.store = store;
        this.origin = origin;
        this.originGuard = originGuard;
        this.segments = segments;
        this.ttlPolicy = ttlPolicy;
        this.planner = planner;
        this.statistics = statistics;
        this.maxDeliveries = config.stream().maxDeliveries();
        this.concurrency = config.worker().concurrency();
        this.redisTimeout = config.redisTimeout();
        this.callsTimeOut = calls.timesOutItself();
    }

    /**
     * The worker's end of the job channel. It asks the connector for {@code pansaar.worker.concurrency} entries and
     * for one more each time a job has been settled, so that many jobs run at once, each as one asynchronous chain:
     * no job holds a thread while it waits for Redis or its origin.
     */
    @Incoming("regeneration-jobs")
    public Flow.Subscriber<Message<StreamEntry>> jobs() {
        return new JobSubscriber();
    }

    /** Runs each entry it is handed, and asks for the next one once a job is settled. */
    private final class JobSubscriber implements Flow.Subscriber<Message<StreamEntry>> {

        private volatile Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(concurrency);
        }

        @Override
        public void onNext(Message<StreamEntry> message) {
            // On the next event loop in turn, not on the one that read the entry: a job's every step continues on the
            // loop it starts on, and the connector reads every entry on one (JobContexts says why).
            jobContexts.run(() -> run(message));
        }

        private void run(Message<StreamEntry> message) {
            // regenerate never fails: every job ends in its message's ack or nack.
            regenerate(message).subscribe().with(settled -> subscription.request(1), unexpected -> {
                // Only a bug gets here. The nack hands the job back to the connector for redelivery; a message that
                // was settled already ignores it.
                LOG.errorf(unexpected, "job %s could not be settled; it is delivered again", message.getPayload().id());
                message.nack(unexpected);
                subscription.request(1);
            });
        }

        @Override
        public void onError(Throwable failure) {
            LOG.errorf(failure, "the job stream failed; no further jobs are read");
        }

        @Override
        public void onComplete() {
            LOG.debug("the job stream ended");
        }
    }

    /**
     * Processes one job stream entry, then acknowledges it, or nacks it with the failure. The Uni completes once the
     * message is settled and never fails.
     *
     * <p>The message is settled here rather than by failing, because a failed job is an expected event that the
     * connector handles (retry or dead letter); it is logged once, as a warning.
     */
    public Uni<Void> regenerate(Message<StreamEntry> message) {
        StreamEntry entry = message.getPayload();
        return Uni.createFrom().deferred(() -> {
            Context trace = tracing.startJob(entry);
            Uni<Void> job;
            try {
                job = process(parse(entry).traced(trace), message.getMetadata(InlineAcknowledgement.class));
            } catch (RuntimeException failure) {
                // A malformed entry, or a bug before the first call: settled like any failed job.
                job = Uni.createFrom().failure(failure);
            }
            return job.onItemOrFailure().transformToUni((done, failure) -> {
                tracing.endJob(trace, failure);
                return Uni.createFrom().completionStage(() -> settle(message, entry, failure));
            });
        });
    }

    private CompletionStage<Void> settle(Message<StreamEntry> message, StreamEntry entry, Throwable failure) {
        if (failure == null) {
            return message.ack();
        }
        if (failure instanceof OriginFetchException || failure instanceof UnprocessableEntryException
                || failure instanceof FetchInFlightException || failure instanceof OriginUnavailableException) {
            return message.nack(failure);
        }
        // Everything else came from a Redis call. When Redis is away for now, the job is not at fault: it waits the
        // outage out without using up its deliveries.
        if (RedisFailures.isPassing(failure)) {
            return message.nack(new ServiceUnavailableException("Redis is unavailable: " + failure.getMessage(),
                    failure));
        }
        TraceLog.logf(LOG, WARN, entry.traceId(), failure,
                "job %s (key %s) of %s failed, not for its origin; it is delivered again", entry.id(),
                LogText.quote(entry.field("key")), entry.stream());
        return message.nack(failure);
    }

    private RegenerationJob parse(StreamEntry entry) {
        try {
            return RegenerationJob.from(entry);
        } catch (UnprocessableEntryException e) {
            statistics.record(Outcome.MALFORMED);
            TraceLog.logf(LOG, WARN, entry.traceId(), null, "dead-lettering malformed entry %s of %s: %s", entry.id(),
                    entry.stream(), e.getMessage());
            throw e;
        }
    }

    private Uni<Void> process(RegenerationJob job, Optional<InlineAcknowledgement> inline) {
        // Resolved before the claim, so nothing between the claim and its release can fail.
        SegmentSettings segment = segments.of(job.key().segment());
        return redisCall(store.claim(job.key(), job.claimToken(), job.requestedAtMillis(), job.reason()))
                .chain(claim -> switch (claim.outcome()) {
                    case SATISFIED -> {
                        statistics.record(Outcome.DEDUPLICATED);
                        log(job, DEBUG, "%s: no fetch needed, %s (%s)", job.key(), claim.detail(), job.describe());
                        yield Uni.createFrom().voidItem();
                    }
                    case BUSY -> {
                        if (job.reason() == JobReason.MANUAL) {
                            // The fetch in flight may have begun before this request and bring older bytes; once it
                            // is written, the claim can tell whether it answers the request.
                            log(job, DEBUG, "%s: another worker is fetching it; asking again after that fetch (%s)",
                                    job.key(), job.describe());
                            yield Uni.createFrom().failure(new FetchInFlightException(job));
                        }
                        statistics.record(Outcome.DEDUPLICATED);
                        log(job, DEBUG, "%s: another worker is fetching it, no fetch (%s)", job.key(), job.describe());
                        yield Uni.createFrom().voidItem();
                    }
                    case CLAIMED -> regenerateClaimed(job, segment, claim, inline);
                });
    }

    private Uni<Void> regenerateClaimed(RegenerationJob job, SegmentSettings segment, Claim claim,
            Optional<InlineAcknowledgement> inline) {
        long claimedAt = System.nanoTime();
        return writeFetched(job, segment, claim, inline).onTermination().invoke(
                () -> statistics.recordRegeneration(Duration.ofNanos(System.nanoTime() - claimedAt)));
    }

    private Uni<Void> writeFetched(RegenerationJob job, SegmentSettings segment, Claim claim,
            Optional<InlineAcknowledgement> inline) {
        // One stage per outcome rather than a chain, an invoke and a replaceWithVoid: every stage on a job's path costs
        // a context capture and its restoring (docs/benchmarks.md, Regenerations).
        return fetch(job, segment, validatorsOf(claim), result -> write(job, segment, claim, result, inline))
                .chain(outcome -> outcome == WriteOutcome.GONE
                        // The cached copy expired while the origin said 304: fetch the body without validators.
                        ? fetch(job, segment, Optional.empty(), result -> write(job, segment, claim, result, inline))
                                .map(refetched -> written(job, refetched))
                        : Uni.createFrom().item(written(job, outcome)))
                .onFailure().recoverWithUni(failure -> {
                    if (failure instanceof OriginUnavailableException unavailable) {
                        // Not the job's failure: its origin is held back. Misses keep waiting for the job, which comes
                        // back; when the origin is failing (paused, breaker open), readers past grace get the kept copy
                        // meanwhile.
                        return releaseQuietly(job, claim, ReleaseMode.DEFER, unavailable.originFailing()).chain(() -> {
                            statistics.record(Outcome.DEFERRED);
                            log(job, DEBUG, "%s (%s)", unavailable.getMessage(), job.describe());
                            return Uni.createFrom().failure(unavailable);
                        });
                    }
                    if (failure instanceof OriginFetchException fetchFailure) {
                        return handleFetchFailure(job, claim, fetchFailure);
                    }
                    // Redis trouble, or a bug: keep the job for redelivery and let misses wait for it.
                    return releaseQuietly(job, claim, ReleaseMode.RETRY, false).chain(() -> {
                        statistics.record(Outcome.FAILED);
                        return Uni.createFrom().failure(failure);
                    });
                });
    }

    /** Counts and logs a write that a newer one (or a purge) fenced out; returns nothing, for the job's Uni. */
    private Void written(RegenerationJob job, WriteOutcome outcome) {
        if (outcome == WriteOutcome.STALE_WRITE) {
            statistics.record(Outcome.SUPERSEDED);
            log(job, DEBUG, "%s: a newer regeneration was written first, or a purge fenced this fetch; "
                    + "this one was discarded (%s)", job.key(), job.describe());
        }
        return null;
    }

    private static Optional<Validators> validatorsOf(Claim claim) {
        if (claim.etag().isEmpty() && claim.lastModified().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Validators(claim.etag(), claim.lastModified()));
    }

    /**
     * Fetches with a permit for the segment's origin, records the outcome with the guard, and hands what the origin
     * gave to {@code writeResult}. Fails with {@link OriginUnavailableException} when no permit is to be had, or when this
     * fetch's failure left the origin paused or its breaker open: then the job waits without using a delivery.
     *
     * <p>After a fetch that worked, the permit goes back while {@code writeResult} writes, not before: what the guard
     * replies then changes nothing, so waiting for it would only cost the job a round trip. The Uni ends once both
     * are done, so a job in flight (which shutdown waits for) still holds its permit.
     */
    private Uni<WriteOutcome> fetch(RegenerationJob job, SegmentSettings segment, Optional<Validators> validators,
            Function<FetchResult, Uni<WriteOutcome>> writeResult) {
        if (segment.originBaseUrl().isEmpty()) {
            // No origin, no permit: the client fails the fetch with a message naming the missing setting.
            return fetchFromOrigin(job, segment, validators).chain(result -> writeResult.apply(result));
        }
        return redisCall(originGuard.acquire(OriginId.of(segment.originBaseUrl().get()))).chain(admission -> {
            if (admission instanceof OriginGuard.Wait wait) {
                originGuard.countDeferral(wait);
                return Uni.createFrom().failure(OriginUnavailableException.waiting(job, wait));
            }
            OriginGuard.Permit permit = (OriginGuard.Permit) admission;
            return fetchFromOrigin(job, segment, validators).onItemOrFailure().transformToUni((result, failure) -> {
                if (failure == null) {
                    // Deferred, so that even a write that throws before it is sent leaves the permit's return
                    // running; giveBack never fails, so the write's failure is the only one the combination carries.
                    return Uni.combine().all()
                            .unis(Uni.createFrom().deferred(() -> writeResult.apply(result)),
                                    giveBack(job, permit, Optional.empty()))
                            .collectFailures().with((outcome, condition) -> outcome);
                }
                if (failure instanceof OriginFetchException fetchFailure) {
                    return giveBack(job, permit, Optional.of(fetchFailure)).chain(condition -> {
                        Optional<OriginGuard.Wait> heldBack = condition.waitFor(permit.origin());
                        if (heldBack.isPresent() && fetchFailure.reason().countsAgainstOrigin()) {
                            originGuard.countDeferral(heldBack.get());
                            log(job, WARN,
                                    "%s: %s; the job waits for its origin, delivery %d of %d still (%s)", job.key(),
                                    fetchFailure.getMessage(), job.entry().deliveryCount(), maxDeliveries,
                                    job.describe());
                            return Uni.createFrom().failure(OriginUnavailableException.afterFailure(job,
                                    heldBack.get(), fetchFailure.getMessage()));
                        }
                        return Uni.createFrom().failure(fetchFailure);
                    });
                }
                return giveBack(job, permit, Optional.empty()).chain(() -> Uni.createFrom().failure(failure));
            });
        });
    }

    /**
     * Returns a fetch permit, saying what the fetch showed. When Redis does not take it, the permit lapses on its own
     * and the origin counts as open to fetches: the job's own outcome matters more than the bookkeeping. Never fails.
     */
    private Uni<OriginGuard.Condition> giveBack(RegenerationJob job, OriginGuard.Permit permit,
            Optional<OriginFetchException> failure) {
        return redisCall(originGuard.release(permit, failure)).onFailure().recoverWithItem(e -> {
            log(job, WARN,
                    "%s: could not give the fetch permit for %s back (%s); it lapses after pansaar.origin.timeout + 5s",
                    job.key(), permit.origin(), e.getMessage());
            return new OriginGuard.Condition(OriginState.CLOSED, Duration.ZERO);
        });
    }

    private Uni<FetchResult> fetchFromOrigin(RegenerationJob job, SegmentSettings segment,
            Optional<Validators> validators) {
        // No timer of the worker's own: the fetch ends itself at pansaar.origin.timeout (OriginFetch's timer), and a
        // Mutiny timeout on top cost a task scheduled and cancelled on a shared executor, and a stage, per job.
        Uni<FetchResult> fetched = origin.fetch(job.key(), segment, validators).invoke(statistics::recordOriginFetch);
        if (!tracing.enabled()) {
            return fetched;
        }
        Span span = tracing.startFetch(job.trace(), segment.originBaseUrl(), job.key());
        return fetched.onTermination().invoke((result, failure, cancelled) -> tracing.endFetch(span, result, failure));
    }

    private Uni<WriteOutcome> write(RegenerationJob job, SegmentSettings segment, Claim claim, FetchResult result,
            Optional<InlineAcknowledgement> inline) {
        if (result instanceof FetchResult.Fetched fetched) {
            FetchedImage image = FetchedImage.of(fetched.body(), fetched.contentType(), fetched.etag(),
                    fetched.lastModified(), fetched.elapsed()).withTags(fetched.tags());
            TtlPolicy.Lifetime lifetime = ttlPolicy.lifetime(new TtlPolicy.Regeneration(job.key(), segment,
                    fetched.body().length, fetched.elapsed(),
                    revalidation(claim, current -> current.digest().map(digest -> !digest.equals(image.digest()))
                            .orElse(true)),
                    claim.remembered().orElse(ChangeHistory.NONE)));
            Duration freshTtl = lifetime.freshTtl();
            WritePlan plan = planner.plan(freshTtl, segment.grace(), segment.staleIfError(), fetched.elapsed(),
                    lifetime.history());
            // The write acknowledges the job's entry itself when it can: the job ends in one round trip, not two.
            Optional<InlineAcknowledgement> finishing = inline
                    .filter(acknowledgement -> store.canFinish(job.key(), job.entry().stream()));
            return tracedWrite(job, "pansaar_put", store.put(job.key(), claim, image, plan,
                    planner.priorityOf(job.key(), fetched.body().length), finishing.map(acknowledgement -> new FinishedJob(
                            job.entry().stream(), acknowledgement.group(), job.entry().id()))))
                    .invoke(outcome -> {
                        finishing.ifPresent(InlineAcknowledgement::acknowledged);
                        if (outcome == WriteOutcome.WRITTEN) {
                            statistics.record(Outcome.REGENERATED);
                            // DEBUG: a busy worker would write a line per image; WorkerLogSummary sums them up at INFO.
                            if (LOG.isDebugEnabled()) {
                                // Concatenated, not formatted: the printf-style format with a grouped number was
                                // about 8% of the worker's CPU per regeneration (docs/benchmarks.md, Regenerations).
                                TraceLog.log(LOG, DEBUG, job.traceId(), "regenerated " + job.key() + ": "
                                        + fetched.body().length + " bytes " + fetched.contentType() + ", fresh for "
                                        + freshTtl + ", origin " + fetched.elapsed().toMillis() + " ms ("
                                        + job.describe() + ")");
                            }
                        }
                    });
        }
        if (result instanceof FetchResult.NotModified notModified) {
            TtlPolicy.Lifetime lifetime = ttlPolicy.lifetime(new TtlPolicy.Regeneration(job.key(), segment, 0,
                    notModified.elapsed(), revalidation(claim, current -> false),
                    claim.remembered().orElse(ChangeHistory.NONE)));
            Duration freshTtl = lifetime.freshTtl();
            WritePlan plan = planner.plan(freshTtl, segment.grace(), segment.staleIfError(), notModified.elapsed(),
                    lifetime.history());
            return tracedWrite(job, "pansaar_revalidated",
                    store.revalidated(job.key(), claim, notModified.etag(), notModified.lastModified(), plan))
                    .invoke(outcome -> {
                        if (outcome == WriteOutcome.EXTENDED) {
                            statistics.record(Outcome.NOT_MODIFIED);
                            log(job, DEBUG, "revalidated %s: origin said 304, fresh for another %s (%s)", job.key(),
                                    freshTtl, job.describe());
                        }
                    });
        }
        FetchResult.NotFound notFound = (FetchResult.NotFound) result;
        return tracedWrite(job, "pansaar_put_negative",
                store.putNegative(job.key(), claim, notFound.status(), segment.negativeTtl()))
                .invoke(outcome -> {
                    if (outcome == WriteOutcome.WRITTEN) {
                        statistics.record(Outcome.NEGATIVE);
                        log(job, DEBUG, "%s: origin answered %d; remembered for %s (%s)", job.key(), notFound.status(),
                                segment.negativeTtl(), job.describe());
                    }
                });
    }

    /** Logs a line of {@code job} with its trace id in the MDC. */
    private static void log(RegenerationJob job, Logger.Level level, String format, Object... params) {
        TraceLog.logf(LOG, level, job.traceId(), null, format, params);
    }

    /** The Redis call that writes a job's outcome, in a span of its own under the job's. */
    private <T> Uni<T> tracedWrite(RegenerationJob job, String function, Uni<T> call) {
        if (!tracing.enabled()) {
            return redisCall(call);
        }
        return Uni.createFrom().deferred(() -> {
            Span span = tracing.startWrite(job.trace(), function);
            return redisCall(call).onTermination().invoke((item, failure, cancelled) -> tracing.end(span, failure));
        });
    }

    /**
     * A Redis call of a job, failing with a timeout when Redis does not answer (a stopped server keeps sockets open).
     * Calls pipelined on the call connections fail so by themselves; a timer per call on top of theirs cost a Vert.x
     * timer set and cancelled, and a Mutiny stage, four times a job (docs/benchmarks.md, Regenerations).
     */
    private <T> Uni<T> redisCall(Uni<T> call) {
        return callsTimeOut ? call : call.ifNoItem().after(redisTimeout).fail();
    }

    /**
     * What this fetch showed about the copy it replaces: the copy was cached from its fetch until this claim, and
     * {@code changed} says whether the fetch found other content. Empty when there was no copy.
     */
    private static Optional<TtlPolicy.Revalidation> revalidation(Claim claim, Predicate<Claim.CurrentCopy> changed) {
        return claim.current().map(current -> new TtlPolicy.Revalidation(current.history(),
                Math.max(0, claim.claimedAtMillis() - current.fetchedAtMillis()), changed.test(current),
                current.requestsPerMilli()));
    }

    private Uni<Void> handleFetchFailure(RegenerationJob job, Claim claim, OriginFetchException failure) {
        statistics.record(Outcome.FAILED);
        // A 401 or 403 is the origin deciding, not failing: the kept copy must not outlive that decision.
        boolean originFailed = failure.reason() != FetchFailure.CLIENT_ERROR;
        if (!failure.reason().worthAnotherDelivery(job.entry().deliveryCount())) {
            return releaseQuietly(job, claim, ReleaseMode.ABANDON, originFailed).chain(() -> {
                log(job, WARN, "%s: dead-lettering %s: %s", job.key(), job.describe(), failure.getMessage());
                return Uni.createFrom().failure(new UnprocessableEntryException(failure.getMessage(), failure));
            });
        }
        boolean lastDelivery = job.entry().deliveryCount() >= maxDeliveries;
        return releaseQuietly(job, claim, lastDelivery ? ReleaseMode.ABANDON : ReleaseMode.RETRY, originFailed)
                .chain(() -> {
                    log(job, WARN, "%s: delivery %d of %d failed: %s (%s)", job.key(), job.entry().deliveryCount(),
                            maxDeliveries, failure.getMessage(), job.describe());
                    return Uni.createFrom().failure(failure);
                });
    }

    /**
     * Releases the single-flight lease after a failure; {@code originFailed} when the origin was at fault, so the
     * cached copy is served stale-if-error. A release that fails is logged, not passed on: the job's own failure is
     * what must reach the connector, and the lease lapses on its own.
     */
    private Uni<Void> releaseQuietly(RegenerationJob job, Claim claim, ReleaseMode mode, boolean originFailed) {
        return redisCall(store.release(job.key(), claim, mode, originFailed)).onFailure().recoverWithItem(e -> {
            log(job, WARN,
                    "%s: could not release the single-flight lease (%s); it lapses after pansaar.worker.fetch-lease: %s",
                    job.key(), mode, e.getMessage());
            return null;
        });
    }
}
