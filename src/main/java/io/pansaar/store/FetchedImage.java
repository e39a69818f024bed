package io.pansaar.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
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
 * @param digest the body's SHA-256 in hex: a refresh whose digest differs from the stored one found a change
 */
public record FetchedImage(byte[] body, String contentType, Optional<String> etag, Optional<String> lastModified,
        Duration fetchTime, String digest) {

    public FetchedImage {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(lastModified, "lastModified");
        Objects.requireNonNull(fetchTime, "fetchTime");
        Objects.requireNonNull(digest, "digest");
    }

    /** Describes fetched bytes, computing their digest. */
    public static FetchedImage of(byte[] body, String contentType, Optional<String> etag, Optional<String> lastModified,
            Duration fetchTime) {
        return new FetchedImage(body, contentType, etag, lastModified, fetchTime, digestOf(body));
    }

    /** Returns the SHA-256 of the bytes in lower-case hex. */
    public static String digestOf(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
