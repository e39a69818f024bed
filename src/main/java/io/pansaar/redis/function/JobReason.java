package io.pansaar.redis.function;

/** Why a regeneration job exists; its wire name is the job entry's {@code reason} field. */
public enum JobReason {

    /** A read found no copy. */
    MISS("miss"),
    /** A read found a stale copy within grace. */
    REFRESH("refresh"),
    /** Someone asked for a regeneration outside a read. */
    MANUAL("manual"),
    /** A warm-up: fetch the image before anyone reads it, with the capacity misses leave (the warm stream). */
    WARM("warm");

    private final String wireName;

    JobReason(String wireName) {
        this.wireName = wireName;
    }

    /** The name in job entries and function arguments. */
    public String wireName() {
        return wireName;
    }

    /** Parses a wire name, rejecting anything but {@code miss}, {@code refresh}, {@code manual} and {@code warm}. */
    public static JobReason parse(String wireName) {
        for (JobReason reason : values()) {
            if (reason.wireName.equals(wireName)) {
                return reason;
            }
        }
        throw new IllegalArgumentException("unknown job reason '" + wireName + "'; expected miss, refresh, manual or warm");
    }
}
