package io.pansaar.redis.function;

import java.util.List;
import java.util.Optional;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.ChangeHistory;

/**
 * What {@code pansaar_put} stores of a fetched image beside its staged body, as arguments that it packs into the
 * image's meta: the staging hash holds the body alone, so the function neither reads nor deletes other fields there.
 *
 * @param contentType the media type detected from the bytes
 * @param etag the origin's ETag
 * @param lastModified the origin's Last-Modified
 * @param sizeBytes the body's length
 * @param fetchMillis how long the origin took
 * @param digest the body's SHA-256 in hex
 * @param priority the eviction priority's terms: the size term and half-life, stored, and the newcomer penalty, which
 *     only a new image's first score takes
 * @param history the image's change history, this fetch included
 * @param tags the image's tags, valid by {@link io.pansaar.key.ImageTags}; they replace the former copy's
 */
public record ImageValues(String contentType, Optional<String> etag, Optional<String> lastModified, long sizeBytes,
        long fetchMillis, String digest, AccessPriority.Terms priority, ChangeHistory history,
        List<String> tags) {
}
