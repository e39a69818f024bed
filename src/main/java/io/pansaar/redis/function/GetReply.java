package io.pansaar.redis.function;

import java.util.Optional;

/**
 * {@code pansaar_get}'s reply: how the server judged a copy, and what the read's bookkeeping did.
 *
 * @param outcome what the read found
 * @param freshForMillis how long the copy stays fresh; negative past fresh-until (by that much), 0 for no copy
 * @param enqueued whether the call enqueued a job (false when one was already pending, or none was needed)
 * @param jobId the job stream entry id when the call enqueued a job
 * @param negativeStatus the origin's status code for {@link ReadOutcome#NEGATIVE}
 */
public record GetReply(ReadOutcome outcome, long freshForMillis, boolean enqueued, Optional<String> jobId,
        Optional<Integer> negativeStatus) {
}
