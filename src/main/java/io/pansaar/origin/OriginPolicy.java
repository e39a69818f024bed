package io.pansaar.origin;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import io.pansaar.config.PansaarConfig;
import io.pansaar.config.Segments;

/**
 * The limits on what the whole fleet sends to one origin.
 *
 * @param maxConcurrency fetches in flight at once
 * @param maxRate        fetches per second; empty: no limit
 */
public record OriginPolicy(int maxConcurrency, OptionalDouble maxRate) {

    /** The most fetches per second a limit may name: one per microsecond is what the rate schedule can tell apart. */
    public static final double MAX_RATE = 1_000_000;

    public OriginPolicy {
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("max-concurrency must be at least 1, was " + maxConcurrency);
        }
        if (maxRate.isPresent() && !(maxRate.getAsDouble() > 0 && maxRate.getAsDouble() <= MAX_RATE)) {
            throw new IllegalArgumentException("max-rate must be above 0 and at most " + (long) MAX_RATE
                    + " fetches per second, was " + maxRate.getAsDouble());
        }
    }

    /** Microseconds between two fetches at the rate; 0 without a rate limit. */
    public long rateIntervalMicros() {
        return maxRate.isPresent() ? Math.max(1, Math.round(1_000_000 / maxRate.getAsDouble())) : 0;
    }

    /** Fetches that may start together after a quiet spell: one second's worth, at least one. */
    public long rateBurst() {
        return maxRate.isPresent() ? Math.max(1, (long) Math.floor(maxRate.getAsDouble())) : 1;
    }

    /** The stricter of this policy and {@code other}, limit by limit. */
    public OriginPolicy strictest(OriginPolicy other) {
        OptionalDouble rate = maxRate.isEmpty() ? other.maxRate
                : other.maxRate.isEmpty() ? maxRate : OptionalDouble.of(Math.min(maxRate.getAsDouble(), other.maxRate.getAsDouble()));
        return new OriginPolicy(Math.min(maxConcurrency, other.maxConcurrency), rate);
    }

    /** The policy without segment overrides: {@code pansaar.origin.max-concurrency} and {@code max-rate}. */
    public static OriginPolicy defaults(PansaarConfig.Origin origin) {
        return named("pansaar.origin.", origin.maxConcurrency(), origin.maxRate());
    }

    /**
     * Every configured origin's policy: the base URL's origin and every segment's. A segment's own limits apply to
     * its origin, the defaults to a segment that sets none, and where segments share an origin the smallest applies.
     * Segments without a URL of their own (and every unlisted segment) use the base URL with the defaults.
     */
    public static Map<OriginId, OriginPolicy> of(PansaarConfig config) {
        Map<OriginId, OriginPolicy> policies = new LinkedHashMap<>();
        OriginPolicy defaults = defaults(config.origin());
        // Each segment's origin as jobs resolve it; a name no segment has resolves as every unlisted segment does.
        Segments segments = new Segments(config);
        segments.of("").originBaseUrl().map(OriginId::of).ifPresent(origin -> policies.put(origin, defaults));
        config.segments().forEach((name, segment) -> {
            Optional<OriginId> origin = segments.of(name).originBaseUrl().map(OriginId::of);
            if (origin.isEmpty()) {
                return;
            }
            String where = "pansaar.segments.\"" + name + "\".";
            OriginPolicy own = named(where, segment.maxConcurrency().orElse(defaults.maxConcurrency()),
                    segment.maxRate().isPresent() ? segment.maxRate() : defaults.maxRate());
            policies.merge(origin.get(), own, OriginPolicy::strictest);
        });
        return policies;
    }

    private static OriginPolicy named(String where, int maxConcurrency, OptionalDouble maxRate) {
        try {
            return new OriginPolicy(maxConcurrency, maxRate);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }
}
