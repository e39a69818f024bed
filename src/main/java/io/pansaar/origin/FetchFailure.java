package io.pansaar.origin;

/** Why a fetch from an origin failed, and whether trying again later may succeed. */
public enum FetchFailure {

    /** The whole fetch, redirects included, took longer than {@code pansaar.origin.timeout}. */
    TIMEOUT(true),
    /**
     * The origin could not be reached, or the connection broke (reset, or closed before the answer's
     * head or before the end of a chunked body) before the answer was complete.
     */
    CONNECTION_FAILED(true),
    /** The origin answered 5xx. */
    SERVER_ERROR(true),
    /** The origin answered 429 Too Many Requests. */
    RATE_LIMITED(true),
    /** The body is larger than {@code pansaar.origin.max-bytes}. */
    TOO_LARGE(false),
    /** The Content-Type header is missing or not in {@code pansaar.origin.allowed-content-types}. */
    CONTENT_TYPE_NOT_ALLOWED(false),
    /** The body is empty or its magic number is no accepted image format (an HTML error page, say). */
    NOT_AN_IMAGE(false),
    /** The body is an image, but not of the format the Content-Type header names, or of a format not allowed. */
    FORMAT_MISMATCH(false),
    /** The body starts like an image of its format but is not built like one: truncated, damaged, or zero pixels wide or high. */
    MALFORMED_IMAGE(false),
    /** The image declares more pixels (width x height) than {@code pansaar.origin.max-pixels}. */
    TOO_MANY_PIXELS(false),
    /** The origin declared a Content-Length, then closed the connection in good order before sending that many bytes. */
    LENGTH_MISMATCH(false),
    /**
     * The answer breaks HTTP/1.1 framing: a malformed status line, an unparseable or conflicting
     * Content-Length, headers over the client's limit, an invalid chunked body.
     */
    PROTOCOL_ERROR(false),
    /** The origin redirected more than {@code pansaar.origin.max-redirects} times. */
    TOO_MANY_REDIRECTS(false),
    /** A redirect pointed away from the origin's scheme, host and port. */
    REDIRECT_OFF_ORIGIN(false),
    /** A redirect came without a usable Location header. */
    BAD_REDIRECT(false),
    /** The origin answered a 4xx other than 404, 410 and 429. */
    CLIENT_ERROR(false),
    /** The origin answered a status a plain or conditional GET does not expect (206, 300, an unasked 304, ...). */
    UNEXPECTED_STATUS(false),
    /** The image key's segment has no origin configured. */
    NO_ORIGIN(false);

    private final boolean retryable;

    FetchFailure(boolean retryable) {
        this.retryable = retryable;
    }

    /** Whether the same fetch may succeed later, so the job should be retried rather than dead-lettered. */
    public boolean retryable() {
        return retryable;
    }
}
