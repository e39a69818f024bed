package io.pansaar.store;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An image as the origin returned it, ready to be stored.
 *
 * @param body the bytes
 * @param contentType the media type
 * @param etag the origin's ETag
 * @param lastModified the origin's Last-Modified
 * @param fetchTime how long the origin took
 */
public record FetchedImage(byte[] body, String contentType, Optional<String> etag, Optional<String> lastModified,
        Duration fetchTime) {

    public FetchedImage {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(lastModified, "lastModified");
        Objects.requireNonNull(fetchTime, "fetchTime");
    }
}
