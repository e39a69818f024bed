package io.pansaar.worker;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.config.PansaarConfig;
import io.pansaar.config.SegmentSettings;
import io.pansaar.config.Segments;
import io.pansaar.logging.LogText;
import io.pansaar.origin.FetchFailure;
import io.pansaar.origin.FetchResult;
import io.pansaar.origin.OriginClient;
import io.pansaar.origin.OriginFetchException;
import io.pansaar.origin.OriginGuard;
import io.pansaar.origin.OriginId;
import io.pansaar.origin.Validators;
import io.pansaar.redis.RedisFailures;
import io.pansaar.store.Claim;
import io.pansaar.store.FetchedImage;
import io.pansaar.store.FinishedJob;
import io.pansaar.store.ImageStore;
import io.pansaar.store.JobReason;
import io.pansaar.store.ReleaseMode;
import io.pansaar.store.WriteOutcome;
import io.pansaar.stream.InlineAcknowledgement;
import io.pansaar.stream.ServiceUnavailableException;
import io.pansaar.stream.StreamEntry;
import io.pansaar.stream.UnprocessableEntryException;
import io.pansaar.worker.WorkerStatistics.Outcome;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Consumes regeneration jobs: claims the key's single-flight lease, takes a permit for the origin from the
 * {@link OriginGuard}, fetches the image from its segment's origin, and writes it back with the TTL the
 * {@link TtlPolicy} chooses.
 *
 * <p>Returning acknowledges the job; throwing leaves it pending for redelivery with backoff, an
 * {@link UnprocessableEntryException} sends it to the dead-letter stream at once, and an
 * {@link OriginUnavailableException} puts it back without using a delivery, to wait for its origin. At most
 * {@code pansaar.worker.concurrency} jobs run at once in this process.
 */
@ApplicationScoped
public class RegenerationWorker {

    private static final Logger LOG = Logger.getLogger(RegenerationWorker.class);

    private final ImageStore store;
    private final OriginClient origin;
    private final OriginGuard originGuard;
    private final Segments segments;
    private final TtlPolicy ttlPolicy;
    private final WorkerStatistics statistics;
    private final int maxDeliveries;
    private final Duration redisTimeout;
    private final Duration originTimeout;

    public RegenerationWorker(ImageStore store, OriginClient origin, OriginGuard originGuard, Segments segments,
            TtlPolicy ttlPolicy, WorkerStatistics statistics, PansaarConfig config) {
        this.store = store;
        this.origin = origin;
        this.originGuard = originGuard;
        this.segments = segments;
        this.ttlPolicy = ttlPolicy;
        this.statistics = statistics;
        this.maxDeliveries = config.stream().maxDeliveries();
        this.redisTimeout = Duration.ofSeconds(10);
        // The origin client enforces the timeout itself; this bound only guards against a lost callback.
        this.originTimeout = config.origin().timeout().plusSeconds(5);
    }

    /**
     * Processes one job stream entry, then acknowledges it, or nacks it with the failure.
     *
     * <p>The message is settled here rather than by throwing, because a failed job is an expected
     * event that the connector handles (retry or dead letter); it is logged once, as a warning.
     */
    @Incoming("regeneration-jobs")
    @Blocking(value = "regeneration", ordered = false)
    public CompletionStage<Void> regenerate(Message<StreamEntry> message) {
        StreamEntry entry = message.getPayload();
        try {
            process(parse(entry), message.getMetadata(InlineAcknowledgement.class));
            return message.ack();
        } catch (OriginFetchException | UnprocessableEntryException | FetchInFlightException
                | OriginUnavailableException failure) {
            return message.nack(failure);
        } catch (RuntimeException failure) {
            // Everything else came from a Redis call. When Redis is away for now, the job is not at fault: it waits
            // the outage out without using up its deliveries.
            if (RedisFailures.isPassing(failure)) {
                return message.nack(new ServiceUnavailableException("Redis is unavailable: " + failure.getMessage(),
                        failure));
            }
            LOG.warnf(failure, "job %s (key %s) of %s failed, not for its origin; it is delivered again", entry.id(),
                    LogText.quote(entry.field("key")), entry.stream());
            return message.nack(failure);
        }
    }

    private RegenerationJob parse(StreamEntry entry) {
        try {
            return RegenerationJob.from(entry);
        } catch (UnprocessableEntryException e) {
            statistics.record(Outcome.MALFORMED);
            LOG.warnf("dead-lettering malformed entry %s of %s: %s", entry.id(), entry.stream(), e.getMessage());
            throw e;
        }
    }

    private void process(RegenerationJob job, Optional<InlineAcknowledgement> inline) {
        // Resolved before the claim, so nothing between the claim and its release can fail.
        SegmentSettings segment = segments.of(job.key().segment());
        Claim claim = store.claim(job.key(), job.claimToken(), job.requestedAtMillis(), job.reason())
                .await().atMost(redisTimeout);
        switch (claim.outcome()) {
            case SATISFIED -> {
                statistics.record(Outcome.DEDUPLICATED);
                LOG.debugf("%s: no fetch needed, %s (%s)", job.key(), claim.detail(), job.describe());
            }
            case BUSY -> {
                if (job.reason() == JobReason.MANUAL) {
                    // The fetch in flight may have begun before this request and bring older bytes; once it
                    // is written, the claim can tell whether it answers the request.
                    LOG.debugf("%s: another worker is fetching it; asking again after that fetch (%s)", job.key(),
                            job.describe());
                    throw new FetchInFlightException(job);
                }
                statistics.record(Outcome.DEDUPLICATED);
                LOG.debugf("%s: another worker is fetching it, no fetch (%s)", job.key(), job.describe());
            }
            case CLAIMED -> regenerateClaimed(job, segment, claim, inline);
        }
    }

    private void regenerateClaimed(RegenerationJob job, SegmentSettings segment, Claim claim,
            Optional<InlineAcknowledgement> inline) {
        long claimedAt = System.nanoTime();
        try {
            writeFetched(job, segment, claim, inline);
        } finally {
            statistics.recordRegeneration(Duration.ofNanos(System.nanoTime() - claimedAt));
        }
    }

    private void writeFetched(RegenerationJob job, SegmentSettings segment, Claim claim,
            Optional<InlineAcknowledgement> inline) {
        try {
            FetchResult result = fetch(job, segment, validatorsOf(claim));
            WriteOutcome outcome = write(job, segment, claim, result, inline);
            if (outcome == WriteOutcome.GONE) {
                // The cached copy expired while the origin said 304: fetch the body without validators.
                outcome = write(job, segment, claim, fetch(job, segment, Optional.empty()), inline);
            }
            if (outcome == WriteOutcome.STALE_WRITE) {
                statistics.record(Outcome.SUPERSEDED);
                LOG.infof("%s: a newer regeneration was written first; this one was discarded (%s)", job.key(),
                        job.describe());
            }
        } catch (OriginUnavailableException e) {
            // Not the job's failure: its origin is held back. Misses keep waiting for the job, which comes back; when
            // the origin is failing (paused, breaker open), readers past grace get the kept copy meanwhile.
            releaseQuietly(job, claim, ReleaseMode.DEFER, e.originFailing());
            statistics.record(Outcome.DEFERRED);
            LOG.debugf("%s (%s)", e.getMessage(), job.describe());
            throw e;
        } catch (OriginFetchException e) {
            handleFetchFailure(job, claim, e);
        } catch (RuntimeException e) {
            // Redis trouble or a lost callback: keep the job for redelivery and let misses wait for it.
            releaseQuietly(job, claim, ReleaseMode.RETRY, false);
            statistics.record(Outcome.FAILED);
            throw e;
        }
    }

    private static Optional<Validators> validatorsOf(Claim claim) {
        if (claim.etag().isEmpty() && claim.lastModified().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Validators(claim.etag(), claim.lastModified()));
    }

    /**
     * Fetches with a permit for the segment's origin, and records the outcome with the guard. Throws
     * {@link OriginUnavailableException} when no permit is to be had, or when this fetch's failure left the origin
     * paused or its breaker open: then the job waits without using a delivery.
     */
    private FetchResult fetch(RegenerationJob job, SegmentSettings segment, Optional<Validators> validators) {
        if (segment.originBaseUrl().isEmpty()) {
            // No origin, no permit: the client fails the fetch with a message naming the missing setting.
            return fetchFromOrigin(job, segment, validators);
        }
        OriginGuard.Admission admission = originGuard.acquire(OriginId.of(segment.originBaseUrl().get()))
                .await().atMost(redisTimeout);
        if (admission instanceof OriginGuard.Wait wait) {
            originGuard.countDeferral(wait);
            throw OriginUnavailableException.waiting(job, wait);
        }
        OriginGuard.Permit permit = (OriginGuard.Permit) admission;
        FetchResult result;
        try {
            result = fetchFromOrigin(job, segment, validators);
        } catch (OriginFetchException failure) {
            OriginGuard.Condition condition = giveBack(job, permit, Optional.of(failure));
            Optional<OriginGuard.Wait> heldBack = condition.waitFor(permit.origin());
            if (heldBack.isPresent() && failure.reason().countsAgainstOrigin()) {
                originGuard.countDeferral(heldBack.get());
                LOG.warnf("%s: %s; the job waits for its origin, delivery %d of %d still (%s)", job.key(),
                        failure.getMessage(), job.entry().deliveryCount(), maxDeliveries, job.describe());
                throw OriginUnavailableException.afterFailure(job, heldBack.get(), failure.getMessage());
            }
            throw failure;
        } catch (RuntimeException failure) {
            giveBack(job, permit, Optional.empty());
            throw failure;
        }
        giveBack(job, permit, Optional.empty());
        return result;
    }

    /**
     * Returns a fetch permit, saying what the fetch showed. When Redis does not take it, the permit lapses on its own
     * and the origin counts as open to fetches: the job's own outcome matters more than the bookkeeping.
     */
    private OriginGuard.Condition giveBack(RegenerationJob job, OriginGuard.Permit permit,
            Optional<OriginFetchException> failure) {
        try {
            return originGuard.release(permit, failure).await().atMost(redisTimeout);
        } catch (RuntimeException e) {
            LOG.warnf("%s: could not give the fetch permit for %s back (%s); it lapses after pansaar.origin.timeout + 5s",
                    job.key(), permit.origin(), e.getMessage());
            return new OriginGuard.Condition(OriginGuard.State.CLOSED, Duration.ZERO);
        }
    }

    private FetchResult fetchFromOrigin(RegenerationJob job, SegmentSettings segment, Optional<Validators> validators) {
        FetchResult result;
        try {
            result = origin.fetch(job.key(), segment, validators).await().atMost(originTimeout);
        } catch (TimeoutException lostCallback) {
            throw new OriginFetchException(FetchFailure.TIMEOUT, "the fetch of " + job.key() + " did not end within "
                    + originTimeout, Optional.empty(), OptionalInt.empty(), lostCallback);
        }
        statistics.recordOriginFetch(result);
        return result;
    }

    private WriteOutcome write(RegenerationJob job, SegmentSettings segment, Claim claim, FetchResult result,
            Optional<InlineAcknowledgement> inline) {
        if (result instanceof FetchResult.Fetched fetched) {
            FetchedImage image = FetchedImage.of(fetched.body(), fetched.contentType(), fetched.etag(),
                    fetched.lastModified(), fetched.elapsed());
            TtlPolicy.Lifetime lifetime = ttlPolicy.lifetime(new TtlPolicy.Regeneration(job.key(), segment,
                    fetched.body().length, fetched.elapsed(),
                    revalidation(claim, current -> current.digest().map(digest -> !digest.equals(image.digest()))
                            .orElse(true)),
                    claim.remembered().orElse(ChangeHistory.NONE)));
            Duration freshTtl = lifetime.freshTtl();
            // The write acknowledges the job's entry itself when it can: the job ends in one round trip, not two.
            Optional<InlineAcknowledgement> finishing = inline
                    .filter(acknowledgement -> store.canFinish(job.key(), job.entry().stream()));
            WriteOutcome outcome = store.put(job.key(), claim, image, freshTtl, segment.grace(), segment.staleIfError(),
                    lifetime.history(), finishing.map(acknowledgement -> new FinishedJob(job.entry().stream(),
                            acknowledgement.group(), job.entry().id()))).await().atMost(redisTimeout);
            finishing.ifPresent(InlineAcknowledgement::acknowledged);
            if (outcome == WriteOutcome.WRITTEN) {
                statistics.record(Outcome.REGENERATED);
                if (LOG.isInfoEnabled()) {
                    // Concatenated, not formatted: the printf-style format with a grouped number was about 8% of
                    // the worker's CPU per regeneration (docs/benchmarks.md, Regenerations).
                    LOG.info("regenerated " + job.key() + ": " + fetched.body().length + " bytes "
                            + fetched.contentType() + ", fresh for " + freshTtl + ", origin "
                            + fetched.elapsed().toMillis() + " ms (" + job.describe() + ")");
                }
            }
            return outcome;
        }
        if (result instanceof FetchResult.NotModified notModified) {
            TtlPolicy.Lifetime lifetime = ttlPolicy.lifetime(new TtlPolicy.Regeneration(job.key(), segment, 0,
                    notModified.elapsed(), revalidation(claim, current -> false),
                    claim.remembered().orElse(ChangeHistory.NONE)));
            Duration freshTtl = lifetime.freshTtl();
            WriteOutcome outcome = store.revalidated(job.key(), claim, notModified.etag(), notModified.lastModified(),
                    freshTtl, segment.grace(), segment.staleIfError(), notModified.elapsed(), lifetime.history())
                    .await().atMost(redisTimeout);
            if (outcome == WriteOutcome.EXTENDED) {
                statistics.record(Outcome.NOT_MODIFIED);
                LOG.infof("revalidated %s: origin said 304, fresh for another %s (%s)", job.key(), freshTtl,
                        job.describe());
            }
            return outcome;
        }
        FetchResult.NotFound notFound = (FetchResult.NotFound) result;
        WriteOutcome outcome = store.putNegative(job.key(), claim, notFound.status(), segment.negativeTtl())
                .await().atMost(redisTimeout);
        if (outcome == WriteOutcome.WRITTEN) {
            statistics.record(Outcome.NEGATIVE);
            LOG.infof("%s: origin answered %d; remembered for %s (%s)", job.key(), notFound.status(),
                    segment.negativeTtl(), job.describe());
        }
        return outcome;
    }

    /**
     * What this fetch showed about the copy it replaces: the copy was cached from its fetch until this claim, and
     * {@code changed} says whether the fetch found other content. Empty when there was no copy.
     */
    private static Optional<TtlPolicy.Revalidation> revalidation(Claim claim, Predicate<Claim.CurrentCopy> changed) {
        return claim.current().map(current -> new TtlPolicy.Revalidation(current.history(),
                Math.max(0, claim.claimedAtMillis() - current.fetchedAtMillis()), changed.test(current)));
    }

    private void handleFetchFailure(RegenerationJob job, Claim claim, OriginFetchException failure) {
        statistics.record(Outcome.FAILED);
        // A 401 or 403 is the origin deciding, not failing: the kept copy must not outlive that decision.
        boolean originFailed = failure.reason() != FetchFailure.CLIENT_ERROR;
        if (!failure.reason().worthAnotherDelivery(job.entry().deliveryCount())) {
            releaseQuietly(job, claim, ReleaseMode.ABANDON, originFailed);
            LOG.warnf("%s: dead-lettering %s: %s", job.key(), job.describe(), failure.getMessage());
            throw new UnprocessableEntryException(failure.getMessage(), failure);
        }
        boolean lastDelivery = job.entry().deliveryCount() >= maxDeliveries;
        releaseQuietly(job, claim, lastDelivery ? ReleaseMode.ABANDON : ReleaseMode.RETRY, originFailed);
        LOG.warnf("%s: delivery %d of %d failed: %s (%s)", job.key(), job.entry().deliveryCount(), maxDeliveries,
                failure.getMessage(), job.describe());
        throw failure;
    }

    /**
     * Releases the single-flight lease after a failure; {@code originFailed} when the origin was at fault, so the
     * cached copy is served stale-if-error. A release that fails is logged, not thrown: the job's own failure is what
     * must reach the connector, and the lease lapses on its own.
     */
    private void releaseQuietly(RegenerationJob job, Claim claim, ReleaseMode mode, boolean originFailed) {
        try {
            store.release(job.key(), claim, mode, originFailed).await().atMost(redisTimeout);
        } catch (RuntimeException e) {
            LOG.warnf("%s: could not release the single-flight lease (%s); it lapses after pansaar.worker.fetch-lease: %s",
                    job.key(), mode, e.getMessage());
        }
    }
}
