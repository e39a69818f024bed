package io.pansaar.origin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.pansaar.config.PansaarConfig;

/**
 * The limits every origin fetch obeys, checked once when the client is built.
 *
 * @param maxBytes largest body accepted ({@code pansaar.origin.max-bytes})
 * @param maxPixels most pixels (width x height) an accepted image may declare ({@code pansaar.origin.max-pixels})
 * @param timeout upper bound on a whole fetch, redirects included ({@code pansaar.origin.timeout})
 * @param connectTimeout upper bound on opening a TCP connection ({@code pansaar.origin.connect-timeout})
 * @param maxRedirects redirects followed before the fetch fails ({@code pansaar.origin.max-redirects})
 * @param allowedFormats formats accepted ({@code pansaar.origin.allowed-content-types})
 * @param maxConnections pooled connections to one origin host ({@code pansaar.origin.max-connections}; unset: the
 *                       largest fleet-wide max-concurrency of the configured origins)
 */
public record OriginLimits(long maxBytes, long maxPixels, Duration timeout, Duration connectTimeout, int maxRedirects,
        Set<ImageFormat> allowedFormats, int maxConnections) {

    public OriginLimits {
        requirePositive("pansaar.origin.max-bytes", maxBytes);
        requirePositive("pansaar.origin.max-pixels", maxPixels);
        requirePositive("pansaar.origin.timeout", timeout.toMillis());
        requirePositive("pansaar.origin.connect-timeout", connectTimeout.toMillis());
        requirePositive("pansaar.origin.max-connections", maxConnections);
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("pansaar.origin.max-redirects must not be negative, was " + maxRedirects);
        }
        // Bodies are collected in one byte array, whose length is an int.
        if (maxBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("pansaar.origin.max-bytes must stay below 2G, was " + maxBytes);
        }
        if (allowedFormats.isEmpty()) {
            throw new IllegalArgumentException("pansaar.origin.allowed-content-types must list at least one image type");
        }
        allowedFormats = Collections.unmodifiableSet(EnumSet.copyOf(allowedFormats));
    }

    /** The limits configured under {@code pansaar.origin}. */
    public static OriginLimits from(PansaarConfig config) {
        PansaarConfig.Origin origin = config.origin();
        return new OriginLimits(origin.maxBytes().asLongValue(), origin.maxPixels(), origin.timeout(), origin.connectTimeout(),
                origin.maxRedirects(), parseAllowedContentTypes(origin.allowedContentTypes()),
                origin.maxConnections().orElseGet(() -> connectionsForTheFleetLimit(config)));
    }

    /**
     * Without a configured pool size, one process may open as many connections to an origin as it can have fetches
     * in flight there: no more than its worker runs jobs at once ({@code pansaar.worker.concurrency}), nor than the
     * whole fleet may send (the largest max-concurrency). A smaller pool would hold fetches back below both limits; a
     * larger one would never be used.
     */
    private static int connectionsForTheFleetLimit(PansaarConfig config) {
        int fleet = OriginPolicy.of(config).values().stream().mapToInt(OriginPolicy::maxConcurrency)
                .max().orElse(Math.max(1, config.origin().maxConcurrency()));
        return Math.max(1, Math.min(fleet, config.worker().concurrency()));
    }

    /**
     * Maps configured media types to formats. A type Pansaar cannot verify by magic number is refused
     * at start-up: allowing it would let any bytes through under that label.
     */
    public static Set<ImageFormat> parseAllowedContentTypes(List<String> contentTypes) {
        Set<ImageFormat> formats = EnumSet.noneOf(ImageFormat.class);
        List<String> unknown = new ArrayList<>();
        for (String contentType : contentTypes) {
            if (contentType.isBlank()) {
                continue;
            }
            ImageFormat.forMediaType(contentType).ifPresentOrElse(formats::add, () -> unknown.add(contentType.trim()));
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("pansaar.origin.allowed-content-types lists " + unknown
                    + ", which Pansaar cannot verify by magic number; it knows "
                    + Arrays.stream(ImageFormat.values()).map(ImageFormat::mediaType).collect(Collectors.joining(", ")));
        }
        return formats;
    }

    /** The allowed media types, comma-separated, as sent in the Accept header and shown in messages. */
    public String allowedMediaTypes() {
        return allowedFormats.stream().map(ImageFormat::mediaType).collect(Collectors.joining(", "));
    }

    private static void requirePositive(String setting, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(setting + " must be positive, was " + value);
        }
    }
}
