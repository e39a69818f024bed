package io.pansaar.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * One segment's effective settings, after falling back to {@code pansaar.defaults} and
 * {@code pansaar.origin.base-url}.
 *
 * @param name the segment (the image key's first path element)
 * @param originBaseUrl where its images come from; empty when neither the segment nor the deployment names one
 * @param baseTtl how long a fetched image is fresh
 * @param grace how long past freshness a stale copy is still served
 * @param staleIfError how much longer past grace a copy is kept, served only while its origin fails; zero: not kept
 * @param negativeTtl how long an origin 404 is remembered
 * @param freshnessBudget the share of hits that may be stale, which the dynamic TTL spends
 * @param minimumTtl the shortest TTL the dynamic TTL may choose
 * @param maximumTtl the longest TTL the dynamic TTL may choose
 */
public record SegmentSettings(String name, Optional<URI> originBaseUrl, Duration baseTtl, Duration grace,
        Duration staleIfError, Duration negativeTtl, double freshnessBudget, Duration minimumTtl, Duration maximumTtl) {
}
