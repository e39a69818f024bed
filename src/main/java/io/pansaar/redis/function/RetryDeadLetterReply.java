package io.pansaar.redis.function;

/**
 * {@code pansaar_retry_dead_letter}'s reply.
 *
 * @param outcome what the call did
 * @param detail the new job's entry id when {@link Outcome#RETRIED}, why when {@link Outcome#REFUSED}; else empty
 */
public record RetryDeadLetterReply(Outcome outcome, String detail) {

    /** What a retry of a dead letter did. */
    public enum Outcome {
        /** The job is back on its job stream and the dead letter deleted. */
        RETRIED,
        /** The dead-letter stream holds no such entry: nothing changed. */
        NOT_FOUND,
        /** The dead letter is an excerpt of an oversize entry, or too large to put back: nothing changed. */
        REFUSED
    }
}
