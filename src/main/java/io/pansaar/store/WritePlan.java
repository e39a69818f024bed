package io.pansaar.store;

import java.util.Objects;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.redis.function.CopyLifetime;

/**
 * What the worker decided for a copy it writes or revalidates, which the store persists as it is: the store takes no
 * decision of Pansaar's Algorithm itself.
 *
 * @param lifetime how long the copy is fresh, served stale and kept for stale-if-error, and how long before
 *     fresh-until it falls due for an early refresh
 * @param history the image's change history, this fetch included
 */
public record WritePlan(CopyLifetime lifetime, ChangeHistory history) {

    /** Checks that both parts are given. */
    public WritePlan {
        Objects.requireNonNull(lifetime, "lifetime");
        Objects.requireNonNull(history, "history");
    }
}
