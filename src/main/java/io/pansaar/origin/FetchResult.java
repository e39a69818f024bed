package io.pansaar.origin;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.pansaar.key.ImageTags;

/** What an origin answered for one image, when it answered something Pansaar can act on. */
public sealed interface FetchResult {

    /** How long the whole fetch took, redirects included. */
    Duration elapsed();

    /**
     * The origin sent an image that passed every check. Like any record holding an array, two results
     * are equal only when they share the same body array.
     *
     * @param body the image bytes, at most {@code pansaar.origin.max-bytes}
     * @param contentType the media type detected from the bytes (which agrees with the origin's header)
     * @param etag the origin's ETag header, if it sent one
     * @param lastModified the origin's Last-Modified header, if it sent one
     * @param tags the image's tags from the origin's Surrogate-Key and Cache-Tag headers (see {@link ImageTags})
     * @param droppedTags how many tags those headers held that broke the rules and were dropped
     * @param elapsed how long the whole fetch took
     * @param url where the image finally came from, after redirects
     */
    record Fetched(byte[] body, String contentType, Optional<String> etag, Optional<String> lastModified,
            List<String> tags, int droppedTags, Duration elapsed, URI url) implements FetchResult {

        /** The body's length in bytes. */
        public int size() {
            return body.length;
        }

        @Override
        public String toString() {
            return "Fetched[" + body.length + " bytes of " + contentType + " from " + url + " in " + elapsed.toMillis()
                    + " ms, etag=" + etag.orElse("-") + ", lastModified=" + lastModified.orElse("-") + ", tags=" + tags
                    + "]";
        }
    }

    /**
     * The origin answered 304 to a conditional GET: the cached copy is still current.
     *
     * @param etag the ETag the origin sent with the 304, if any (it replaces the stored one)
     * @param lastModified the Last-Modified the origin sent with the 304, if any
     * @param elapsed how long the whole fetch took
     */
    record NotModified(Optional<String> etag, Optional<String> lastModified, Duration elapsed) implements FetchResult {
    }

    /**
     * The origin has no such image (404 Not Found or 410 Gone).
     *
     * @param status the status the origin answered
     * @param elapsed how long the whole fetch took
     */
    record NotFound(int status, Duration elapsed) implements FetchResult {
    }
}
