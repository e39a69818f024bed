package io.pansaar.redis.function;

/** How a failed fetch gives its lease back. */
public enum ReleaseMode {
    /** The job will be redelivered: the marker becomes queued again, so misses wait for the retry. */
    RETRY("retry"),
    /** The job did not fail but waits for its origin: as {@link #RETRY}, counted as deferred rather than failed. */
    DEFER("defer"),
    /** The job is dead-lettered: the marker goes, so the next miss enqueues a new job. */
    ABANDON("abandon");

    private final String wireName;

    ReleaseMode(String wireName) {
        this.wireName = wireName;
    }

    /** The name {@code pansaar_release} takes. */
    public String wireName() {
        return wireName;
    }
}
