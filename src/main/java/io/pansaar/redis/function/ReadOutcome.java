package io.pansaar.redis.function;

/** What a read found: the outcome {@code pansaar_get} replies with, which a read judging a copy itself also uses. */
public enum ReadOutcome {
    /** A fresh copy. */
    HIT,
    /** A copy past its fresh-until but within grace; it is served while one refresh runs. */
    STALE,
    /**
     * A copy past grace but within stale-if-error whose origin failed since it was written; it is served, marked
     * stale, while the refresh is retried (RFC 5861 stale-if-error).
     */
    STALE_IF_ERROR,
    /** No copy, or one past grace whose origin is not known to fail (it is not served); one job fetches it. */
    MISS,
    /** The origin said lately that the image does not exist. */
    NEGATIVE;

    /** Whether the read serves the cached bytes. */
    public boolean servesCopy() {
        return this == HIT || this == STALE || this == STALE_IF_ERROR;
    }
}
