package io.pansaar.redis.function;

/**
 * {@code pansaar_release}'s reply.
 *
 * @param outcome whether the lease was given back
 * @param marker when {@link Outcome#NOT_OWNER}, the marker found instead (empty when there was none)
 */
public record ReleaseReply(Outcome outcome, String marker) {

    /** Whether the release changed anything. */
    public enum Outcome {
        /** The lease is given back. */
        RELEASED,
        /** The marker is not this claim's lease (it expired, or another claim took over): nothing changed. */
        NOT_OWNER
    }
}
