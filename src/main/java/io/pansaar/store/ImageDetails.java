package io.pansaar.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.pansaar.key.ImageKey;

/**
 * What is cached for one key, without its body.
 *
 * @param key the image key
 * @param partition the key's partition
 * @param status {@code ok}, or the origin's status code ({@code 404}, {@code 410}) for a negative entry
 * @param ttlMillis the hash's Redis TTL in ms (fresh TTL plus grace plus stale-if-error); -1 when it has none
 * @param freshForMillis how long until fresh-until, in the server's clock; negative when stale
 * @param sizeBytes the body's size; empty for a negative entry
 * @param contentType the body's media type; empty for a negative entry
 * @param etag the origin's entity tag, when it sent one
 * @param lastModified the origin's Last-Modified, when it sent one
 * @param fetchedAtMillis epoch ms (server time) at which the fetch that wrote the entry was claimed
 * @param freshUntilMillis epoch ms (server time) until which the entry is fresh
 * @param hits reads counted since the entry was written, with those still waiting in the hit counter
 * @param lastAccessMillis epoch ms (server time) of the last read, when there was one
 * @param fetchMillis how long the origin took to answer the fetch, in ms
 * @param pendingMarker the single-flight marker ({@code queued:<token>} or {@code fetching:<token>}) while a job is pending
 * @param freshTtlMillis the fresh TTL the dynamic TTL chose for this copy, in ms
 * @param changes refreshes that found new content, in the image's change history
 * @param exposureMillis how long the image's copies were observed before a refresh, in the change history
 * @param graceUntilMillis epoch ms (server time) until which a stale copy is served while it is refreshed
 * @param staleIfErrorUntilMillis epoch ms (server time) until which the copy is kept, to be served past grace only
 *        while its origin fails; when its hash expires
 * @param originFailedAtMillis epoch ms (server time) of the first origin failure since the copy was written, if any
 * @param tags the tags the image is filed under (from the origin's Surrogate-Key and Cache-Tag), empty when none
 */
public record ImageDetails(ImageKey key, int partition, String status, long ttlMillis, long freshForMillis,
        Optional<Long> sizeBytes, Optional<String> contentType, Optional<String> etag, Optional<String> lastModified,
        Optional<Long> fetchedAtMillis, Optional<Long> freshUntilMillis, long hits, Optional<Long> lastAccessMillis,
        Optional<Long> fetchMillis, Optional<String> pendingMarker, Optional<Long> freshTtlMillis, long changes,
        long exposureMillis, Optional<Long> graceUntilMillis, Optional<Long> staleIfErrorUntilMillis,
        Optional<Long> originFailedAtMillis, List<String> tags) {

    /**
     * Builds the details from the values of the image hash's meta that are present (see {@link ImageLayout}), the
     * server's clock, the hits that still wait in the partition's hit counter to be folded into the hash, and the
     * image's field of the partition's tags hash (space-separated tags).
     */
    static ImageDetails of(ImageKey key, int partition, Map<String, String> stored, long ttlMillis, long serverMillis,
            Optional<String> pendingMarker, long waitingHits, Optional<String> tags) {
        Optional<Long> freshUntil = number(stored, "fresh-until");
        // A remembered 404/410 counts its reads in the statistics only.
        long hits = number(stored, "hits").orElse(0L) + ("ok".equals(stored.get("status")) ? waitingHits : 0);
        return new ImageDetails(key, partition, stored.get("status"), ttlMillis,
                freshUntil.map(until -> until - serverMillis).orElse(0L),
                number(stored, "size"), Optional.ofNullable(stored.get("content-type")),
                Optional.ofNullable(stored.get("etag")), Optional.ofNullable(stored.get("last-modified")),
                number(stored, "fetched-at"), freshUntil, hits,
                number(stored, "last-access"), number(stored, "fetch-ms"), pendingMarker, number(stored, "fresh-ttl"),
                number(stored, "changes").orElse(0L), number(stored, "exposure").orElse(0L),
                number(stored, "grace-until"), number(stored, "stale-if-error-until"),
                number(stored, "origin-failed-at"),
                tags.map(list -> List.of(list.split(" "))).orElse(List.of()));
    }

    /** Whether the entry remembers that the origin does not have the image. */
    public boolean negative() {
        return !status.equals("ok");
    }

    /** A whole-number value of meta; empty when absent or mangled into anything else, so the details still show. */
    private static Optional<Long> number(Map<String, String> stored, String field) {
        return ImageLayout.wholeNumber(stored.get(field));
    }
}
