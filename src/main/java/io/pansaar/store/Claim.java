package io.pansaar.store;

import java.util.Optional;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.redis.function.ClaimOutcome;
import io.pansaar.redis.function.ClaimReply;
import io.pansaar.redis.function.WriteFence;

/**
 * A worker's claim of the fetch lease of one key.
 *
 * @param outcome what the claim decided
 * @param token the claim token the worker passed
 * @param fence the write fence of a {@link ClaimOutcome#CLAIMED} claim (0 otherwise); writes with a lower fence lose
 * @param claimedAtMillis Redis server time of the claim (0 unless claimed); it becomes the copy's fetched-at
 * @param etag the current copy's ETag, for a conditional GET
 * @param lastModified the current copy's Last-Modified, for a conditional GET
 * @param detail why it was {@link ClaimOutcome#SATISFIED}, or the lease holder's token when {@link ClaimOutcome#BUSY}
 * @param current what is known of the cached copy this fetch replaces, when there is one
 * @param remembered without a current copy, the change history remembered of the image from before it was
 *     evicted or expired, when there is one
 */
public record Claim(ClaimOutcome outcome, String token, long fence, long claimedAtMillis, Optional<String> etag,
        Optional<String> lastModified, String detail, Optional<CurrentCopy> current, Optional<ChangeHistory> remembered) {

    /**
     * The cached copy a claimed fetch replaces, as Pansaar's Algorithm sees it.
     *
     * @param fetchedAtMillis when it was fetched, server time
     * @param history what earlier revalidations showed about the image's changes
     * @param digest its body's SHA-256, empty for a copy written without one
     * @param requestsPerMilli its image's request rate at the claim, as its access score tells it ({@link
     *     AccessPriority#requestRate}); 0 when the score is not known
     */
    public record CurrentCopy(long fetchedAtMillis, ChangeHistory history, Optional<String> digest,
            double requestsPerMilli) {
    }

    /**
     * The claim {@code token} made, from {@code pansaar_claim}'s reply: a claimed one with the replaced copy's
     * fetched-at, history and digest when there is a copy, else with the history remembered of the image, if any.
     */
    static Claim of(String token, ClaimReply reply) {
        double requestsPerMilli = reply.demand().map(demand -> new AccessPriority(demand.halfLifeMillis(), 0)
                .requestRate(demand.accessScore(), reply.claimedAtMillis())).orElse(0.0);
        Optional<CurrentCopy> current = reply.fetchedAtMillis().map(fetchedAt -> new CurrentCopy(fetchedAt,
                reply.history().orElse(ChangeHistory.NONE), reply.digest(), requestsPerMilli));
        return new Claim(reply.outcome(), token, reply.fence(), reply.claimedAtMillis(), reply.etag(),
                reply.lastModified(), reply.detail(), current, current.isPresent() ? Optional.empty() : reply.history());
    }

    /** What a write or release under this claim carries of it. */
    WriteFence writeFence() {
        return new WriteFence(token, fence, claimedAtMillis);
    }

    /** True when this claim holds the fetch lease. */
    public boolean claimed() {
        return outcome == ClaimOutcome.CLAIMED;
    }

    /** Fails unless this claim holds the fetch lease: only such a claim may write or release. */
    Claim requireClaimed(String operation) {
        if (!claimed()) {
            throw new IllegalArgumentException(operation + " needs a CLAIMED claim, got " + outcome + " (" + detail + ")");
        }
        return this;
    }
}
