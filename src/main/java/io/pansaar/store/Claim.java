package io.pansaar.store;

import java.util.Optional;

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
 */
public record Claim(ClaimOutcome outcome, String token, long fence, long claimedAtMillis, Optional<String> etag,
        Optional<String> lastModified, String detail) {

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
