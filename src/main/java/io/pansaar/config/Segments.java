package io.pansaar.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.pansaar.algorithm.DynamicTtl;
import jakarta.enterprise.context.ApplicationScoped;

/** Resolves a segment name to its effective settings. */
@ApplicationScoped
public class Segments {

    private final PansaarConfig config;
    private final Map<String, SegmentSettings> resolved = new ConcurrentHashMap<>();

    public Segments(PansaarConfig config) {
        this.config = config;
    }

    /** The settings of segment {@code name}. */
    public SegmentSettings of(String name) {
        return resolved.computeIfAbsent(name, segment -> resolve(config, segment));
    }

    /**
     * Checks every URL and every segment's settings, as a job would later need them: the configured segments, and
     * the defaults that every other segment takes. Throws IllegalArgumentException naming the first bad setting.
     */
    public static void check(PansaarConfig config) {
        config.origin().baseUrl().ifPresent(url -> parseBaseUrl("pansaar.origin.base-url", url));
        config.segments().forEach((name, segment) -> segment.originUrl()
                .ifPresent(url -> parseBaseUrl("pansaar.segments.\"" + name + "\".origin-url", url)));
        config.segments().keySet().forEach(name -> resolve(config, name));
        // A name no segment has: it resolves from pansaar.defaults alone, as every unlisted segment does.
        resolve(config, "");
    }

    private static SegmentSettings resolve(PansaarConfig config, String name) {
        PansaarConfig.SegmentDefaults defaults = config.segmentDefaults();
        Optional<PansaarConfig.Segment> segment = Optional.ofNullable(config.segments().get(name));
        Optional<URI> origin = segment.flatMap(PansaarConfig.Segment::originUrl)
                .or(() -> config.origin().baseUrl())
                .map(url -> parseBaseUrl("origin of segment " + name, url));
        Duration baseTtl = segment.flatMap(PansaarConfig.Segment::baseTtl).orElse(defaults.baseTtl());
        Duration minimumTtl = segment.flatMap(PansaarConfig.Segment::minTtl).or(defaults::minTtl)
                .orElseGet(() -> Duration.ofMillis(DynamicTtl.floorOf(baseTtl.toMillis())));
        Duration maximumTtl = segment.flatMap(PansaarConfig.Segment::maxTtl).or(defaults::maxTtl)
                .orElseGet(() -> Duration.ofMillis(DynamicTtl.ceilingOf(baseTtl.toMillis())));
        double freshnessBudget = segment.map(PansaarConfig.Segment::freshnessBudget)
                .filter(OptionalDouble::isPresent).map(OptionalDouble::getAsDouble)
                .orElse(defaults.freshnessBudget());
        String where = name.isEmpty() ? "pansaar.defaults" : "pansaar.segments.\"" + name + "\"";
        if (!(freshnessBudget > 0 && freshnessBudget < 1)) {
            throw new IllegalArgumentException(where + ": freshness-budget must lie strictly between 0 and 1, was "
                    + freshnessBudget);
        }
        if (minimumTtl.toMillis() < 1 || minimumTtl.compareTo(baseTtl) > 0 || baseTtl.compareTo(maximumTtl) > 0) {
            throw new IllegalArgumentException(where + ": TTLs must satisfy 1ms <= min-ttl <= base-ttl <= max-ttl, were "
                    + minimumTtl + ", " + baseTtl + ", " + maximumTtl);
        }
        Duration grace = atLeast(where, segment, PansaarConfig.Segment::grace, defaults.grace(), "grace", Duration.ZERO);
        Duration staleIfError = atLeast(where, segment, PansaarConfig.Segment::staleIfError, defaults.staleIfError(),
                "stale-if-error", Duration.ZERO);
        Duration negativeTtl = atLeast(where, segment, PansaarConfig.Segment::negativeTtl, defaults.negativeTtl(),
                "negative-ttl", Duration.ofMillis(1));
        return new SegmentSettings(name, origin, baseTtl, grace, staleIfError, negativeTtl, freshnessBudget, minimumTtl,
                maximumTtl);
    }

    /**
     * A segment's own duration setting, or the default's; one below {@code minimum} is refused, named where it comes
     * from: a segment without its own value takes the default's, so the default is named.
     */
    private static Duration atLeast(String where, Optional<PansaarConfig.Segment> segment,
            Function<PansaarConfig.Segment, Optional<Duration>> own, Duration fallback, String setting, Duration minimum) {
        Optional<Duration> ownValue = segment.flatMap(own);
        Duration value = ownValue.orElse(fallback);
        if (value.compareTo(minimum) < 0) {
            String source = ownValue.isPresent() ? where : "pansaar.defaults";
            throw new IllegalArgumentException(source + "." + setting + (minimum.isZero()
                    ? " must not be negative (0 switches it off), was " : " must be at least " + minimum + ", was ")
                    + value);
        }
        return value;
    }

    /** An origin base URL must be absolute http(s) and end with '/', so "base + key" cannot change the host. */
    static URI parseBaseUrl(String setting, String url) {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + " is not a URL: " + url, e);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException(setting + " must be an http or https URL, was " + url);
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(setting + " must name a host and carry no user, query or fragment: " + url);
        }
        if (!uri.getRawPath().endsWith("/")) {
            throw new IllegalArgumentException(setting + " must end with '/' (the key is appended to it): " + url);
        }
        return uri;
    }
}
