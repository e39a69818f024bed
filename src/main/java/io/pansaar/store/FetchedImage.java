package io.pansaar.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
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
 * @param tags the image's tags (see {@link io.pansaar.key.ImageTags}); they replace the former copy's
 */
public record FetchedImage(byte[] body, String contentType, Optional<String> etag, Optional<String> lastModified,
        Duration fetchTime, String digest, List<String> tags) {

    public FetchedImage {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(lastModified, "lastModified");
        Objects.requireNonNull(fetchTime, "fetchTime");
        Objects.requireNonNull(digest, "digest");
        tags = List.copyOf(tags);
    }

    /** Describes fetched bytes without tags, computing their digest. */
    public static FetchedImage of(byte[] body, String contentType, Optional<String> etag, Optional<String> lastModified,
            Duration fetchTime) {
        return new FetchedImage(body, contentType, etag, lastModified, fetchTime, digestOf(body), List.of());
    }

    /** The same image filed under {@code tags}. */
    public FetchedImage withTags(List<String> tags) {
        return new FetchedImage(body, contentType, etag, lastModified, fetchTime, digest, tags);
    }

    /**
     * One SHA-256 instance per thread, reset by every {@code digest}: looking the algorithm up through the providers
     * for each image cost as much as hashing its 20 KB (docs/benchmarks.md, Regenerations).
     */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    });
    private static final HexFormat HEX = HexFormat.of();

    /** Returns the SHA-256 of the bytes in lower-case hex. */
    public static String digestOf(byte[] body) {
        return HEX.formatHex(SHA_256.get().digest(body));
    }
}
