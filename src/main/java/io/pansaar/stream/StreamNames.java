package io.pansaar.stream;

import java.util.function.IntFunction;

import io.pansaar.key.RedisKeys;

/**
 * The consumer group and the per-partition job and dead-letter stream names the connector uses.
 * Production uses {@link #standard()}; tests give each case its own names with {@link #prefixed}.
 */
public record StreamNames(String group, IntFunction<String> jobs, IntFunction<String> deadLetters,
        IntFunction<String> stats) {

    /** The public contract: group {@code pansaar}, streams {@code pansaar:{p}:jobs} and {@code pansaar:{p}:dead}. */
    public static StreamNames standard() {
        return new StreamNames(RedisKeys.CONSUMER_GROUP, RedisKeys::jobs, RedisKeys::deadLetters, RedisKeys::stats);
    }

    /** Streams {@code <prefix>:{p}:jobs} and {@code <prefix>:{p}:dead}, keeping the {p} hash tag, with group {@code pansaar}. */
    public static StreamNames prefixed(String prefix) {
        return new StreamNames(RedisKeys.CONSUMER_GROUP, p -> prefix + ":{" + p + "}:jobs", p -> prefix + ":{" + p + "}:dead",
                p -> prefix + ":{" + p + "}:stats");
    }
}
