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
 * @param negativeTtl how long an origin 404 is remembered
 */
public record SegmentSettings(String name, Optional<URI> originBaseUrl, Duration baseTtl, Duration grace,
        Duration negativeTtl) {
}
