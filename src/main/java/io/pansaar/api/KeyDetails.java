package io.pansaar.api;

import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.pansaar.key.RedisKeys;
import io.pansaar.store.ImageDetails;

/**
 * The JSON answer of {@code GET /api/keys/<key>}: what is cached for one key. Fields a negative
 * entry lacks (size, content type, validators) are null.
 */
@Schema(description = "What is cached for one image key")
public record KeyDetails(
        String key,
        String segment,
        int partition,
        @Schema(description = "The Redis key of the image hash") String redisKey,
        @Schema(description = "ok, or the origin's status (404, 410) for a negative entry") String status,
        @Schema(description = "Redis TTL of the entry (fresh TTL plus grace plus stale-if-error), in seconds; -1 when it has none") long ttlSeconds,
        @Schema(description = "Seconds until fresh-until; negative when stale") long freshForSeconds,
        Instant freshUntil,
        Long sizeBytes,
        String contentType,
        String etag,
        @Schema(description = "The origin's Last-Modified, as it sent it") String lastModified,
        @Schema(description = "When the fetch that wrote the entry was claimed (Redis server time)") Instant fetchedAt,
        @Schema(description = "How long the origin took, in ms") Long fetchMillis,
        @Schema(description = "Reads since the entry was written") long hits,
        Instant lastAccess,
        @Schema(description = "The pending job's single-flight marker (queued:<token> or fetching:<token>), or null") String pending,
        @Schema(description = "The fresh TTL the dynamic TTL chose for this copy, in seconds") Long freshTtlSeconds,
        @Schema(description = "Refreshes that found new content (the image's change history)") long changes,
        @Schema(description = "Seconds the image's copies were observed before refreshes (the change history)") long exposureSeconds,
        @Schema(description = "Until when a stale copy is served while one refresh runs (Redis server time)") Instant graceUntil,
        @Schema(description = "Until when the copy is kept past grace, served only while its origin fails "
                + "(stale-if-error); when the entry expires") Instant staleIfErrorUntil,
        @Schema(description = "When the origin first failed since the copy was written (Redis server time); null "
                + "while it has not") Instant originFailedAt,
        @Schema(description = "The tags the image is filed under, from the origin's Surrogate-Key and Cache-Tag "
                + "headers (POST /api/purges purges by them); empty when none") List<String> tags) {

    /** The answer for stored details. */
    static KeyDetails of(ImageDetails details) {
        return new KeyDetails(details.key().value(), details.key().segment(), details.partition(),
                RedisKeys.image(details.partition(), details.key()), details.status(),
                details.ttlMillis() < 0 ? -1 : details.ttlMillis() / 1000,
                Math.floorDiv(details.freshForMillis(), 1000),
                details.freshUntilMillis().map(Instant::ofEpochMilli).orElse(null),
                details.sizeBytes().orElse(null), details.contentType().orElse(null), details.etag().orElse(null),
                details.lastModified().orElse(null), details.fetchedAtMillis().map(Instant::ofEpochMilli).orElse(null),
                details.fetchMillis().orElse(null), details.hits(),
                details.lastAccessMillis().map(Instant::ofEpochMilli).orElse(null),
                details.pendingMarker().orElse(null), details.freshTtlMillis().map(ttl -> ttl / 1000).orElse(null),
                details.changes(), details.exposureMillis() / 1000,
                details.graceUntilMillis().map(Instant::ofEpochMilli).orElse(null),
                details.staleIfErrorUntilMillis().map(Instant::ofEpochMilli).orElse(null),
                details.originFailedAtMillis().map(Instant::ofEpochMilli).orElse(null), details.tags());
    }
}
