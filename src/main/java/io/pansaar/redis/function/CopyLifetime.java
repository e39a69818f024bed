package io.pansaar.redis.function;

import java.time.Duration;

/**
 * How long a written or revalidated copy lives, as {@code pansaar_put} and {@code pansaar_revalidated} take it.
 *
 * @param freshTtl how long the copy is fresh
 * @param grace how long past fresh-until it is served stale while one refresh runs
 * @param staleIfError how much longer past grace it is kept, served only once its origin fails
 * @param earlyRefreshMillis how long before fresh-until the copy falls due for an early refresh
 */
public record CopyLifetime(Duration freshTtl, Duration grace, Duration staleIfError, long earlyRefreshMillis) {
}
