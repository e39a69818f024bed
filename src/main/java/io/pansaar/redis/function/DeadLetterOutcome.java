package io.pansaar.redis.function;

/** What {@code pansaar_dead_letter} did with a pending job entry. */
public enum DeadLetterOutcome {
    /** The entry was copied to the dead-letter stream, then acknowledged and deleted from the job stream. */
    MOVED,
    /** The consumer does not hold the entry (another took it over, or it was acknowledged): nothing changed. */
    NOT_PENDING,
    /** The entry was pending but its data had been deleted: it was acknowledged, nothing copied. */
    GONE
}
