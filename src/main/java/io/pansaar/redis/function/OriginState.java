package io.pansaar.redis.function;

/** Whether fetches to an origin go through, as {@code pansaar_origin_release} reports it after a fetch. */
public enum OriginState {
    /** Fetches go on. */
    CLOSED,
    /** The breaker is open. */
    OPEN,
    /** A pause the origin asked for (Retry-After) is in force. */
    PAUSED
}
