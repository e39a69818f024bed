package io.pansaar.origin;

import java.util.Optional;

/**
 * What a cached copy knows about its version, sent back to the origin so it can answer
 * 304 Not Modified instead of the whole body.
 *
 * @param etag the ETag the origin sent with the cached copy, exactly as sent (quotes and {@code W/} included)
 * @param lastModified the Last-Modified value the origin sent with the cached copy, exactly as sent
 */
public record Validators(Optional<String> etag, Optional<String> lastModified) {

    public Validators {
        etag = etag.filter(value -> !value.isBlank());
        lastModified = lastModified.filter(value -> !value.isBlank());
    }

    /** Validators from stored values, each possibly null or blank when the origin did not send it. */
    public static Validators of(String etag, String lastModified) {
        return new Validators(Optional.ofNullable(etag), Optional.ofNullable(lastModified));
    }

    /** Whether there is anything to send, so the GET is conditional. */
    public boolean isEmpty() {
        return etag.isEmpty() && lastModified.isEmpty();
    }
}
