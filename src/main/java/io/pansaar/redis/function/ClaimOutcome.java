package io.pansaar.redis.function;

/** What {@code pansaar_claim} decided. */
public enum ClaimOutcome {
    /** Nothing to fetch: a good enough copy or negative entry exists. */
    SATISFIED,
    /** Another claim holds a live fetch lease. */
    BUSY,
    /** This claim holds the fetch lease and may write with its fence. */
    CLAIMED
}
