package io.pansaar.store;

/** What a read found. */
public enum ReadOutcome {
    /** A fresh copy. */
    HIT,
    /** A copy past its fresh-until but within grace; it is served while one refresh runs. */
    STALE,
    /** No copy; one job fetches it. */
    MISS,
    /** The origin said lately that the image does not exist. */
    NEGATIVE
}
