package io.pansaar.redis.function;

import java.util.Optional;

/**
 * {@code pansaar_repair}'s reply: what one repair call did.
 *
 * @param outcome where the partition's byte accounting stands
 * @param visited images this call visited
 * @param damage what this call found wrong when it started a rebuild; empty when it started none
 */
public record RepairReply(Outcome outcome, long visited, Optional<String> damage) {

    /** Where a partition's byte accounting stands after one repair call. */
    public enum Outcome {
        /** No rebuild runs and the checks found nothing wrong. */
        CONSISTENT,
        /** A rebuild runs and goes on at the next call. */
        REPAIRING,
        /** This call finished a rebuild: the used bytes are the sum of the charged bytes in the history again. */
        REPAIRED
    }
}
