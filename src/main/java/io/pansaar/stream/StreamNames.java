package io.pansaar.stream;

import java.util.function.IntFunction;

import io.pansaar.key.RedisKeys;

/**
 * The consumer group and the per-partition job, early-refresh, warm, dead-letter, statistics and events key names the
 * connector uses. Production uses {@link #standard()}; tests give each case its own names with {@link #prefixed}.
 */
public record StreamNames(String group, IntFunction<String> jobs, IntFunction<String> earlyRefresh,
        IntFunction<String> warm, IntFunction<String> deadLetters, IntFunction<String> stats, IntFunction<String> events) {

    /**
     * The public contract: group {@code pansaar}, streams {@code pansaar:{p}:jobs}, {@code pansaar:{p}:early-refresh},
     * {@code pansaar:{p}:warm} and {@code pansaar:{p}:dead}.
     */
    public static StreamNames standard() {
        return new StreamNames(RedisKeys.CONSUMER_GROUP, RedisKeys::jobs, RedisKeys::earlyRefresh, RedisKeys::warm,
                RedisKeys::deadLetters, RedisKeys::stats, RedisKeys::events);
    }

    /**
     * Streams {@code <prefix>:{p}:jobs}, {@code <prefix>:{p}:early-refresh}, {@code <prefix>:{p}:warm} and
     * {@code <prefix>:{p}:dead}, keeping the {p} hash tag, with group {@code pansaar}.
     */
    public static StreamNames prefixed(String prefix) {
        return new StreamNames(RedisKeys.CONSUMER_GROUP, p -> prefix + ":{" + p + "}:jobs",
                p -> prefix + ":{" + p + "}:early-refresh", p -> prefix + ":{" + p + "}:warm",
                p -> prefix + ":{" + p + "}:dead", p -> prefix + ":{" + p + "}:stats", p -> prefix + ":{" + p + "}:events");
    }
}
