package io.pansaar.redis.function;

/** What a fenced write did. */
public enum WriteOutcome {
    /** The copy (or negative entry) was written. */
    WRITTEN,
    /** A 304 extended the stored copy's freshness. */
    EXTENDED,
    /** A newer claim already wrote the key; this write changed nothing. */
    STALE_WRITE,
    /** A 304 arrived but no ok copy is left to extend: fetch in full. */
    GONE
}
