package io.pansaar.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link TestOrigin} answers for one request: status, headers, body, an optional delay and
 * validators. Immutable; each {@code with...} method returns a changed copy.
 */
public final class Reply {

    private final int status;
    private final List<Map.Entry<String, String>> headers;
    private final byte[] body;
    private final long streamedLength;
    private final Duration delay;
    private final Optional<String> etag;
    private final Optional<Instant> lastModified;
    private final boolean dropConnection;
    private final long declaredLength;

    private Reply(int status, List<Map.Entry<String, String>> headers, byte[] body, long streamedLength, Duration delay,
            Optional<String> etag, Optional<Instant> lastModified, boolean dropConnection, long declaredLength) {
        this.status = status;
        this.headers = List.copyOf(headers);
        this.body = body;
        this.streamedLength = streamedLength;
        this.delay = delay;
        this.etag = etag;
        this.lastModified = lastModified;
        this.dropConnection = dropConnection;
        this.declaredLength = declaredLength;
    }

    /** 200 with {@code body} under {@code contentType}, sent with a Content-Length. */
    public static Reply image(byte[] body, String contentType) {
        return body(200, body, contentType);
    }

    /** {@code status} with {@code body} under {@code contentType}, sent with a Content-Length. */
    public static Reply body(int status, byte[] body, String contentType) {
        return new Reply(status, List.of(Map.entry("Content-Type", contentType)), body.clone(), -1, Duration.ZERO,
                Optional.empty(), Optional.empty(), false, -1);
    }

    /** {@code status} with an empty body and no Content-Type. */
    public static Reply status(int status) {
        return new Reply(status, List.of(), new byte[0], -1, Duration.ZERO, Optional.empty(), Optional.empty(), false, -1);
    }

    /** A redirect ({@code status} 301, 302, 303, 307 or 308) to {@code location}, sent as given. */
    public static Reply redirect(int status, String location) {
        return status(status).withHeader("Location", location);
    }

    /**
     * 200 under {@code contentType} with a body of {@code totalLength} bytes, {@code head} followed by zeros,
     * sent in chunks without a Content-Length and generated while it is written, so even a huge body costs no memory.
     */
    public static Reply chunked(byte[] head, long totalLength, String contentType) {
        if (totalLength < head.length) {
            throw new IllegalArgumentException("the body must be at least as long as its head");
        }
        return new Reply(200, List.of(Map.entry("Content-Type", contentType)), head.clone(), totalLength, Duration.ZERO,
                Optional.empty(), Optional.empty(), false, -1);
    }

    /** Closes the connection without answering, as a crashing origin does. */
    public static Reply dropConnection() {
        return new Reply(0, List.of(), new byte[0], -1, Duration.ZERO, Optional.empty(), Optional.empty(), true, -1);
    }

    /** This reply with one more response header. */
    public Reply withHeader(String name, String value) {
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(Map.entry(name, value));
        return new Reply(status, more, body, streamedLength, delay, etag, lastModified, dropConnection, declaredLength);
    }

    /** This reply, sent only after {@code delay} (the response headers wait too). */
    public Reply withDelay(Duration delay) {
        return new Reply(status, headers, body, streamedLength, delay, etag, lastModified, dropConnection, declaredLength);
    }

    /** This reply with an ETag header (give it quoted, {@code "\"v1\""}); a request whose If-None-Match matches gets 304. */
    public Reply withETag(String etag) {
        return new Reply(status, headers, body, streamedLength, delay, Optional.of(etag), lastModified, dropConnection,
                declaredLength);
    }

    /** This reply with a Last-Modified header; a request whose If-Modified-Since is not earlier gets 304 (unless it sent If-None-Match). */
    public Reply withLastModified(Instant lastModified) {
        return new Reply(status, headers, body, streamedLength, delay, etag, Optional.of(lastModified), dropConnection,
                declaredLength);
    }

    /**
     * This reply announcing a Content-Length of {@code declaredLength} (at least 1) instead of its body's
     * length: a shorter one cuts the body off there; a longer one leaves the origin short, and it closes
     * the connection after the body, as a server whose file shrank under it does.
     */
    public Reply withContentLength(long declaredLength) {
        if (declaredLength < 1 || streamedLength >= 0) {
            throw new IllegalArgumentException("declare a length of at least 1, for a body sent with a Content-Length");
        }
        return new Reply(status, headers, body, streamedLength, delay, etag, lastModified, dropConnection, declaredLength);
    }

    /** {@code instant} as an HTTP date (RFC 1123), as Last-Modified and If-Modified-Since carry it. */
    public static String httpDate(Instant instant) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atOffset(ZoneOffset.UTC));
    }

    int status() {
        return status;
    }

    List<Map.Entry<String, String>> headers() {
        return headers;
    }

    byte[] body() {
        return body;
    }

    /** The streamed body's length, or -1 when the body is {@link #body()} sent with a Content-Length. */
    long streamedLength() {
        return streamedLength;
    }

    Duration delay() {
        return delay;
    }

    Optional<String> etag() {
        return etag;
    }

    Optional<Instant> lastModified() {
        return lastModified;
    }

    boolean dropsConnection() {
        return dropConnection;
    }

    /** The Content-Length to announce: the body's length unless {@link #withContentLength} said otherwise. */
    long declaredLength() {
        return declaredLength >= 0 ? declaredLength : body.length;
    }
}
