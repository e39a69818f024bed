package io.pansaar.redis.function;

/** What {@code pansaar_purge} did to one image key. */
public enum PurgeOutcome {

    /** The image hash was deleted and the image left every index: the next read is a miss. */
    PURGED,

    /** Soft purge: the copy stays, stale from now on; the next read gets it marked stale and enqueues one refresh. */
    MARKED_STALE,

    /** Nothing was cached for the key. */
    ABSENT
}
