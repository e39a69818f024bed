package io.pansaar.redis.function;

import java.util.Optional;

import io.pansaar.algorithm.ChangeHistory;

/**
 * {@code pansaar_claim}'s reply.
 *
 * @param outcome what the claim decided
 * @param detail why it was {@link ClaimOutcome#SATISFIED}, or the lease holder's token when {@link ClaimOutcome#BUSY};
 *     empty when {@link ClaimOutcome#CLAIMED}
 * @param fence the write fence of a claimed lease; 0 otherwise
 * @param claimedAtMillis Redis server time of the claim; 0 unless claimed
 * @param etag the current ok copy's ETag, for a conditional GET
 * @param lastModified the current ok copy's Last-Modified, for a conditional GET
 * @param fetchedAtMillis when the current ok copy was fetched; empty without one
 * @param history the current copy's change history, or without a copy the one remembered of the image; empty when
 *     there is none
 * @param digest the current ok copy's body SHA-256; empty without one, or for a copy written without it
 * @param demand the current ok copy's access score and the half-life it is counted in; empty without one, or for a
 *     copy whose score counts no request
 */
public record ClaimReply(ClaimOutcome outcome, String detail, long fence, long claimedAtMillis, Optional<String> etag,
        Optional<String> lastModified, Optional<Long> fetchedAtMillis, Optional<ChangeHistory> history,
        Optional<String> digest, Optional<Demand> demand) {

    /**
     * How much a copy is requested, as its access score says.
     *
     * @param accessScore the score, log2 of the decayed request count at the time origin (see
     *     {@link io.pansaar.algorithm.AccessPriority})
     * @param halfLifeMillis the half-life the score is counted in, in ms
     */
    public record Demand(double accessScore, double halfLifeMillis) {
    }
}
