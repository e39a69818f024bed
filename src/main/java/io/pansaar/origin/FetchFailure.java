package io.pansaar.origin;

/** Why a fetch from an origin failed, and whether trying again later may succeed. */
public enum FetchFailure {

    /** The whole fetch, redirects included, took longer than {@code pansaar.origin.timeout}. */
    TIMEOUT(Retry.ALWAYS),
    /**
     * The origin could not be reached, or the connection broke (reset, or closed before the answer's
     * head or before the end of a chunked body) before the answer was complete.
     */
    CONNECTION_FAILED(Retry.ALWAYS),
    /** The origin answered 5xx. */
    SERVER_ERROR(Retry.ALWAYS),
    /** The origin answered 429 Too Many Requests. */
    RATE_LIMITED(Retry.ALWAYS),
    /** The body is larger than {@code pansaar.origin.max-bytes}. */
    TOO_LARGE(Retry.NEVER),
    /** The Content-Type header is missing or not in {@code pansaar.origin.allowed-content-types}. */
    CONTENT_TYPE_NOT_ALLOWED(Retry.NEVER),
    /** The body is empty or its magic number is no accepted image format (an HTML error page, say). */
    NOT_AN_IMAGE(Retry.NEVER),
    /** The body is an image, but not of the format the Content-Type header names, or of a format not allowed. */
    FORMAT_MISMATCH(Retry.NEVER),
    /** The body starts like an image of its format but is not built like one: truncated, damaged, or zero pixels wide or high. */
    MALFORMED_IMAGE(Retry.NEVER),
    /** The image declares more pixels (width x height) than {@code pansaar.origin.max-pixels}. */
    TOO_MANY_PIXELS(Retry.NEVER),
    /**
     * The origin declared a Content-Length, then closed the connection in good order before sending that many bytes.
     * Tried once more: an origin process that crashed mid-body closes the same way.
     */
    LENGTH_MISMATCH(Retry.ONCE),
    /**
     * The answer breaks HTTP/1.1 framing: a malformed status line, an unparseable or conflicting
     * Content-Length, headers over the client's limit, an invalid chunked body. Tried once more: the bytes an
     * earlier answer sent past its Content-Length, left on a pooled connection, read the same way, and the failed
     * connection is closed, so the next try reads a fresh one.
     */
    PROTOCOL_ERROR(Retry.ONCE),
    /** The origin redirected more than {@code pansaar.origin.max-redirects} times. */
    TOO_MANY_REDIRECTS(Retry.NEVER),
    /** A redirect pointed away from the origin's scheme, host and port. */
    REDIRECT_OFF_ORIGIN(Retry.NEVER),
    /** A redirect came without a usable Location header. */
    BAD_REDIRECT(Retry.NEVER),
    /** The origin answered a 4xx other than 404, 410 and 429. */
    CLIENT_ERROR(Retry.NEVER),
    /** The origin answered a status a plain or conditional GET does not expect (206, 300, an unasked 304, ...). */
    UNEXPECTED_STATUS(Retry.NEVER),
    /** The image key's segment has no origin configured. */
    NO_ORIGIN(Retry.NEVER);

    /** How often a job whose fetch failed this way is delivered again. */
    private enum Retry {
        /** Up to {@code pansaar.stream.max-deliveries}: the failure passes (an origin's bad minute). */
        ALWAYS,
        /** Once: the answer is malformed, which the next try on a fresh connection confirms or clears. */
        ONCE,
        /** Never: the same answer would come again (the wrong type, too large, a redirect off the origin). */
        NEVER
    }

    private final Retry retry;

    FetchFailure(Retry retry) {
        this.retry = retry;
    }

    /** Whether the same fetch may succeed later, so the job should be retried rather than dead-lettered. */
    public boolean retryable() {
        return retry == Retry.ALWAYS;
    }

    /**
     * Whether the failure says the origin is in trouble (5xx, 429, a timeout, a broken connection), so it counts
     * toward the origin's circuit breaker. Every other failure comes with an answer, which shows the origin is up.
     */
    public boolean countsAgainstOrigin() {
        return this == TIMEOUT || this == CONNECTION_FAILED || this == SERVER_ERROR || this == RATE_LIMITED;
    }

    /** Whether a job whose fetch failed this way on its {@code delivery}-th delivery should be delivered again. */
    public boolean worthAnotherDelivery(long delivery) {
        return retry == Retry.ALWAYS || (retry == Retry.ONCE && delivery < 2);
    }
}
