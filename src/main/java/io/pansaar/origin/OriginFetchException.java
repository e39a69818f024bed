package io.pansaar.origin;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** A fetch from an origin failed; the message tells an operator what happened, with URL, status and limits. */
public class OriginFetchException extends RuntimeException {

    private final FetchFailure reason;
    private final Optional<URI> url;
    private final OptionalInt status;
    private final Optional<Duration> retryAfter;

    public OriginFetchException(FetchFailure reason, String message, Optional<URI> url, OptionalInt status, Throwable cause) {
        this(reason, message, url, status, Optional.empty(), cause);
    }

    public OriginFetchException(FetchFailure reason, String message, Optional<URI> url, OptionalInt status,
            Optional<Duration> retryAfter, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.url = url;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** Why the fetch failed. */
    public FetchFailure reason() {
        return reason;
    }

    /** Whether the same fetch may succeed later. */
    public boolean retryable() {
        return reason.retryable();
    }

    /** The URL being fetched when the failure happened (after redirects); empty when there was no origin. */
    public Optional<URI> url() {
        return url;
    }

    /** The HTTP status of the answer that failed the fetch, when an answer arrived. */
    public OptionalInt status() {
        return status;
    }

    /** How long the origin asked to be left alone: a 429 or 503 answer's Retry-After, when it had a usable one. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
