package io.pansaar.origin;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import org.jboss.logging.Logger;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.pansaar.key.ImageTags;
import io.pansaar.logging.LogText;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * One fetch from an origin, redirects included: a small state machine whose every step runs on one
 * Vert.x context, so its fields need no locking. It ends exactly once, by completing or failing the
 * emitter, or by being abandoned when the subscriber cancels.
 */
final class OriginFetch {

    private static final Logger LOG = Logger.getLogger(OriginFetch.class);
    private static final Set<Integer> REDIRECT_STATUSES = Set.of(301, 302, 303, 307, 308);
    /**
     * Bytes of an unwanted body (an error page, a redirect's note) read to keep the connection
     * reusable; past this, closing the connection is cheaper than reading on.
     */
    private static final int DRAIN_LIMIT = 64 * 1024;
    private static final int BODY_PREVIEW_BYTES = 8;

    private final Vertx vertx;
    private final Context context;
    private final HttpClient httpClient;
    private final OriginLimits limits;
    private final String userAgent;
    private final URI origin;
    private final Optional<Validators> validators;
    private final UniEmitter<? super FetchResult> emitter;
    private final long startNanos = System.nanoTime();

    private URI url;
    private int redirectsFollowed;
    /** The exchange whose connection must be closed if the fetch ends before its response does. */
    private HttpClientRequest openExchange;
    private long timerId = -1;
    private boolean finished;

    OriginFetch(Vertx vertx, Context context, HttpClient httpClient, OriginLimits limits, String userAgent, URI origin,
            URI url, Optional<Validators> validators, UniEmitter<? super FetchResult> emitter) {
        this.vertx = vertx;
        this.context = context;
        this.httpClient = httpClient;
        this.limits = limits;
        this.userAgent = userAgent;
        this.origin = origin;
        this.url = url;
        this.validators = validators;
        this.emitter = emitter;
    }

    /** Starts the fetch; runs on the fetch's context. */
    void start() {
        if (finished) {
            return;
        }
        timerId = vertx.setTimer(limits.timeout().toMillis(), id -> {
            timerId = -1;
            fail(FetchFailure.TIMEOUT, "origin " + url + " did not complete within " + describe(limits.timeout())
                    + redirectNote() + " (pansaar.origin.timeout)", OptionalInt.empty(), null);
        });
        send();
    }

    /** Stops the fetch if it is still running, closing its connection; safe to call from any thread. */
    void abandon() {
        // Every fetch is abandoned when its Uni ends, mostly on its own context just after it finished: then there
        // is nothing to stop, and no task needs queueing to find that out.
        if (Vertx.currentContext() == context) {
            stopIfRunning();
        } else {
            context.runOnContext(ignored -> stopIfRunning());
        }
    }

    private void stopIfRunning() {
        if (!finished) {
            finished = true;
            stopTimerAndCloseExchange();
        }
    }

    private void send() {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setAbsoluteURI(url.toString())
                .setFollowRedirects(false)
                .addHeader(HttpHeaders.USER_AGENT, userAgent)
                .addHeader(HttpHeaders.ACCEPT, limits.allowedMediaTypes());
        validators.ifPresent(given -> {
            given.etag().ifPresent(etag -> options.addHeader(HttpHeaders.IF_NONE_MATCH, etag));
            given.lastModified().ifPresent(date -> options.addHeader(HttpHeaders.IF_MODIFIED_SINCE, date));
        });
        httpClient.request(options).onComplete(obtained -> {
            if (obtained.failed()) {
                connectionFailed(obtained.cause());
                return;
            }
            HttpClientRequest request = obtained.result();
            if (finished) {
                // The fetch timed out or was cancelled while waiting for a pooled connection.
                request.reset();
                return;
            }
            openExchange = request;
            request.send().onComplete(answered -> {
                if (finished) {
                    return;
                }
                if (answered.failed()) {
                    answerFailed(answered.cause());
                    return;
                }
                onResponse(answered.result());
            });
        });
    }

    private void onResponse(HttpClientResponse response) {
        int status = response.statusCode();
        // Replaced by the body's own handlers on the paths that read it; this one covers a connection closed
        // at once (a declared oversize body), which would otherwise be logged as an unhandled stream error.
        response.exceptionHandler(error -> LOG.debugf("connection to origin %s closed after its %d answer: %s", url,
                status, error));
        if (status == 200 || status == 203) {
            readImage(response);
        } else if (status == 304) {
            if (validators.isEmpty()) {
                drainThenFail(response, FetchFailure.UNEXPECTED_STATUS,
                        "origin " + url + " answered " + statusLine(response) + " to a GET that was not conditional");
            } else {
                drainThen(response, () -> complete(new FetchResult.NotModified(header(response, HttpHeaders.ETAG),
                        header(response, HttpHeaders.LAST_MODIFIED), elapsed())));
            }
        } else if (status == 404 || status == 410) {
            drainThen(response, () -> complete(new FetchResult.NotFound(status, elapsed())));
        } else if (REDIRECT_STATUSES.contains(status)) {
            followRedirect(response);
        } else if (status == 429 || status == 503) {
            // The two answers RFC 6585 and RFC 9110 let carry a Retry-After that asks every client to pause.
            Optional<Duration> retryAfter = RetryAfter.parse(response.getHeader(HttpHeaders.RETRY_AFTER), Instant.now());
            FetchFailure reason = status == 429 ? FetchFailure.RATE_LIMITED : FetchFailure.SERVER_ERROR;
            String message = "origin " + url + " answered " + statusLine(response)
                    + retryAfter.map(pause -> ", Retry-After " + pause.toMillis() + " ms").orElse("");
            drainThen(response, () -> fail(reason, message, OptionalInt.of(status), retryAfter, null));
        } else if (status >= 500 && status <= 599) {
            drainThenFail(response, FetchFailure.SERVER_ERROR, "origin " + url + " answered " + statusLine(response));
        } else if (status >= 400 && status <= 499) {
            drainThenFail(response, FetchFailure.CLIENT_ERROR, "origin " + url + " answered " + statusLine(response));
        } else {
            drainThenFail(response, FetchFailure.UNEXPECTED_STATUS,
                    "origin " + url + " answered " + statusLine(response) + ", which a plain GET does not expect");
        }
    }

    private void followRedirect(HttpClientResponse response) {
        String location = response.getHeader(HttpHeaders.LOCATION);
        if (location == null || location.isBlank()) {
            drainThenFail(response, FetchFailure.BAD_REDIRECT,
                    "origin " + url + " answered " + statusLine(response) + " without a Location header");
            return;
        }
        URI target;
        try {
            target = withoutFragment(url.resolve(location.trim()));
        } catch (IllegalArgumentException malformed) {
            drainThenFail(response, FetchFailure.BAD_REDIRECT, "origin " + url + " answered " + statusLine(response)
                    + " with a Location that is no URL: " + location + " (" + malformed.getMessage() + ")");
            return;
        }
        if (!isOnOrigin(target)) {
            drainThenFail(response, FetchFailure.REDIRECT_OFF_ORIGIN, "origin " + url + " redirected to " + target
                    + ", which leaves " + originLabel() + "; a redirect must keep the origin's scheme, host and port");
            return;
        }
        if (redirectsFollowed >= limits.maxRedirects()) {
            drainThenFail(response, FetchFailure.TOO_MANY_REDIRECTS, "origin " + url + " redirected to " + target
                    + " after " + redirectsFollowed + " redirect(s) already; the limit is " + limits.maxRedirects()
                    + " (pansaar.origin.max-redirects)");
            return;
        }
        redirectsFollowed++;
        drainThen(response, () -> {
            url = target;
            send();
        });
    }

    private void readImage(HttpClientResponse response) {
        String contentType = response.getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType == null || contentType.isBlank()) {
            drainThenFail(response, FetchFailure.CONTENT_TYPE_NOT_ALLOWED, "origin " + url + " answered "
                    + statusLine(response) + " without a Content-Type; allowed are " + limits.allowedMediaTypes()
                    + " (pansaar.origin.allowed-content-types)");
            return;
        }
        Optional<ImageFormat> declared = ImageFormat.forMediaType(contentType).filter(limits.allowedFormats()::contains);
        if (declared.isEmpty()) {
            drainThenFail(response, FetchFailure.CONTENT_TYPE_NOT_ALLOWED, "origin " + url + " answered Content-Type "
                    + contentType + "; allowed are " + limits.allowedMediaTypes() + " (pansaar.origin.allowed-content-types)");
            return;
        }
        long declaredLength = contentLength(response);
        if (declaredLength > limits.maxBytes()) {
            fail(FetchFailure.TOO_LARGE, "origin " + url + " declared a body of " + bytes(declaredLength)
                    + " bytes (Content-Length); the limit is " + bytes(limits.maxBytes()) + " (pansaar.origin.max-bytes)",
                    OptionalInt.of(response.statusCode()), null);
            return;
        }
        ResponseBody body = ResponseBody.expecting(declaredLength, limits.maxBytes());
        response.handler(chunk -> {
            if (finished) {
                return;
            }
            long received = (long) body.length() + chunk.length();
            if (received > limits.maxBytes()) {
                // fail() closes the connection, so the origin stops sending and nothing more is buffered.
                fail(FetchFailure.TOO_LARGE, "origin " + url + " answered " + bytes(received) + "+ bytes; the limit is "
                        + bytes(limits.maxBytes()) + " (pansaar.origin.max-bytes)", OptionalInt.of(response.statusCode()), null);
                return;
            }
            body.append(chunk);
        });
        response.exceptionHandler(error -> bodyFailed(error, declaredLength, body.length(),
                OptionalInt.of(response.statusCode())));
        response.endHandler(ignored -> {
            if (finished) {
                return;
            }
            openExchange = null;
            checkImage(response, declared.get(), body.bytes());
        });
    }

    private void checkImage(HttpClientResponse response, ImageFormat declared, byte[] body) {
        OptionalInt status = OptionalInt.of(response.statusCode());
        if (body.length == 0) {
            fail(FetchFailure.NOT_AN_IMAGE, "origin " + url + " answered " + statusLine(response) + " with Content-Type "
                    + declared.mediaType() + " and an empty body", status, null);
            return;
        }
        Optional<ImageFormat> detected = ImageFormat.detect(body);
        if (detected.isEmpty()) {
            fail(FetchFailure.NOT_AN_IMAGE, "origin " + url + " answered Content-Type " + declared.mediaType()
                    + " but the body (" + bytes(body.length) + " bytes, starting " + preview(body)
                    + ") is not a JPEG, PNG, GIF, WebP or AVIF image", status, null);
            return;
        }
        if (detected.get() != declared) {
            fail(FetchFailure.FORMAT_MISMATCH, "origin " + url + " answered Content-Type " + declared.mediaType()
                    + " but the body is a " + detected.get().displayName() + " image", status, null);
            return;
        }
        Optional<ImageDimensions> dimensions;
        try {
            dimensions = ImageStructure.inspect(declared, body);
        } catch (MalformedImageException malformed) {
            fail(FetchFailure.MALFORMED_IMAGE, "origin " + url + " sent a malformed " + declared.displayName() + " image ("
                    + bytes(body.length) + " bytes): " + malformed.getMessage(), status, malformed);
            return;
        }
        if (dimensions.isPresent() && dimensions.get().pixels() > limits.maxPixels()) {
            fail(FetchFailure.TOO_MANY_PIXELS, "origin " + url + " sent a " + declared.displayName() + " image of "
                    + dimensions.get() + " = " + bytes(dimensions.get().pixels()) + " pixels; the limit is "
                    + bytes(limits.maxPixels()) + " (pansaar.origin.max-pixels)", status, null);
            return;
        }
        ImageTags.Parsed tags = tags(response);
        complete(new FetchResult.Fetched(body, detected.get().mediaType(), header(response, HttpHeaders.ETAG),
                header(response, HttpHeaders.LAST_MODIFIED), tags.tags(), tags.dropped(), elapsed(), url));
    }

    /**
     * The image's tags from every Surrogate-Key and Cache-Tag header of the answer. A tag that breaks the rules is
     * dropped, never the image: it is logged here at DEBUG (an origin may send it on every answer) and counted by the
     * worker's pansaar_origin_tags_dropped_total.
     */
    private ImageTags.Parsed tags(HttpClientResponse response) {
        List<String> values = new ArrayList<>();
        for (String header : ImageTags.HEADERS) {
            values.addAll(response.headers().getAll(header));
        }
        ImageTags.Parsed tags = ImageTags.parse(values);
        if (tags.dropped() > 0) {
            LOG.debugf("origin %s sent %d tags that were dropped (more than %d, or not 1 to %d characters of "
                    + "A-Z a-z 0-9 . _ : / -), the first %s", url, tags.dropped(), ImageTags.MAX_TAGS,
                    ImageTags.MAX_LENGTH, LogText.quote(tags.firstDropped().orElse("")));
        }
        return tags;
    }

    /**
     * Reads and discards a body whose status already decided the outcome, so the connection can be
     * reused, then runs {@code then}; a long body is cut off by closing the connection instead.
     */
    private void drainThen(HttpClientResponse response, Runnable then) {
        boolean[] done = {false};
        long[] drained = {0};
        Runnable finish = () -> {
            if (!done[0] && !finished) {
                done[0] = true;
                then.run();
            }
        };
        response.handler(chunk -> {
            drained[0] += chunk.length();
            if (drained[0] > DRAIN_LIMIT && !done[0]) {
                closeExchange();
                finish.run();
            }
        });
        response.exceptionHandler(error -> {
            // The status is already known; a connection that breaks while its body is discarded changes nothing.
            LOG.debugf("origin %s broke the connection while its %d answer was discarded: %s", url,
                    response.statusCode(), error);
            openExchange = null;
            finish.run();
        });
        response.endHandler(ignored -> {
            openExchange = null;
            finish.run();
        });
    }

    private void drainThenFail(HttpClientResponse response, FetchFailure reason, String message) {
        OptionalInt status = OptionalInt.of(response.statusCode());
        drainThen(response, () -> fail(reason, message, status, null));
    }

    /**
     * The request was sent but no usable answer head came back: either the origin's bytes broke
     * HTTP/1.1 (which it will do again), or the connection broke.
     */
    private void answerFailed(Throwable cause) {
        if (isProtocolError(cause)) {
            fail(FetchFailure.PROTOCOL_ERROR, "origin " + url + " answered with a malformed status line or headers: "
                    + decoderMessage(cause), OptionalInt.empty(), cause);
        } else {
            connectionFailed(cause);
        }
    }

    /**
     * The body stopped before its end. An orderly close (FIN) before the declared Content-Length is the
     * origin's own answer, which a retry would get again; a reset, a close of a chunked body or any other
     * I/O error is a connection that broke, which a retry may not meet.
     */
    private void bodyFailed(Throwable error, long declaredLength, int received, OptionalInt status) {
        if (isProtocolError(error)) {
            fail(FetchFailure.PROTOCOL_ERROR, "origin " + url + " sent a malformed body after " + bytes(received)
                    + " bytes: " + decoderMessage(error), status, error);
        } else if (error instanceof HttpClosedException && declaredLength >= 0) {
            fail(FetchFailure.LENGTH_MISMATCH, "origin " + url + " declared a body of " + bytes(declaredLength)
                    + " bytes (Content-Length) but closed the connection after " + bytes(received), status, error);
        } else {
            fail(FetchFailure.CONNECTION_FAILED, "origin " + url + " broke the connection after " + bytes(received)
                    + " body bytes: " + error, status, error);
        }
    }

    private void connectionFailed(Throwable cause) {
        String message = cause instanceof ConnectTimeoutException
                ? "could not connect to origin " + url + " within " + describe(limits.connectTimeout())
                        + " (pansaar.origin.connect-timeout)"
                : "could not fetch from origin " + url + ": " + cause;
        fail(FetchFailure.CONNECTION_FAILED, message, OptionalInt.empty(), cause);
    }

    private void complete(FetchResult result) {
        if (finished) {
            return;
        }
        finished = true;
        stopTimerAndCloseExchange();
        emitter.complete(result);
    }

    private void fail(FetchFailure reason, String message, OptionalInt status, Throwable cause) {
        fail(reason, message, status, Optional.empty(), cause);
    }

    private void fail(FetchFailure reason, String message, OptionalInt status, Optional<Duration> retryAfter,
            Throwable cause) {
        if (finished) {
            return;
        }
        finished = true;
        stopTimerAndCloseExchange();
        emitter.fail(new OriginFetchException(reason, message, Optional.of(url), status, retryAfter, cause));
    }

    private void stopTimerAndCloseExchange() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
        closeExchange();
    }

    /** Closes the connection of an exchange still in flight (for HTTP/1.x, a reset closes it). */
    private void closeExchange() {
        if (openExchange != null) {
            openExchange.reset();
            openExchange = null;
        }
    }

    private boolean isOnOrigin(URI target) {
        return target.getScheme() != null && target.getHost() != null && target.getRawUserInfo() == null
                && target.getScheme().equalsIgnoreCase(origin.getScheme())
                && target.getHost().equalsIgnoreCase(origin.getHost())
                && effectivePort(target) == effectivePort(origin);
    }

    private String originLabel() {
        return origin.getScheme() + "://" + origin.getHost() + ":" + effectivePort(origin);
    }

    private String redirectNote() {
        return redirectsFollowed == 0 ? "" : " (after " + redirectsFollowed + " redirect(s))";
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static URI withoutFragment(URI uri) {
        if (uri.getRawFragment() == null) {
            return uri;
        }
        String text = uri.toString();
        return URI.create(text.substring(0, text.indexOf('#')));
    }

    /**
     * Whether Netty's HTTP decoder refused the origin's bytes. It reports what it cannot parse (a status
     * line, a Content-Length, a chunk size) as IllegalArgumentException or NumberFormatException, and
     * what breaks its limits or framing (headers over 8 KiB, a chunk without its CRLF, Content-Length
     * with Transfer-Encoding) as a DecoderException; Vert.x passes either on as it is. A connection that
     * closes or resets surfaces as HttpClosedException, PrematureChannelClosureException or an
     * IOException instead, none of which is one of these.
     */
    private static boolean isProtocolError(Throwable error) {
        return error instanceof DecoderException || error instanceof IllegalArgumentException;
    }

    private static String decoderMessage(Throwable error) {
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }

    private static long contentLength(HttpClientResponse response) {
        String value = response.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException malformed) {
            // Netty refuses malformed lengths before this point; without a usable length the byte count still limits the body.
            LOG.debugf("origin answered an unreadable Content-Length %s; counting bytes instead", value);
            return -1;
        }
    }

    private static Optional<String> header(HttpClientResponse response, CharSequence name) {
        return Optional.ofNullable(response.getHeader(name)).filter(value -> !value.isBlank());
    }

    private static String statusLine(HttpClientResponse response) {
        String reason = response.statusMessage();
        return reason == null || reason.isBlank() ? String.valueOf(response.statusCode()) : response.statusCode() + " " + reason;
    }

    private static String bytes(long count) {
        return String.format(Locale.ROOT, "%,d", count);
    }

    private static String preview(byte[] body) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(body.length, BODY_PREVIEW_BYTES); i++) {
            if (i > 0) {
                hex.append(' ');
            }
            hex.append(String.format(Locale.ROOT, "%02X", body[i]));
        }
        return hex.toString();
    }

    /** A duration as an operator writes it in the configuration: 2s, 1500ms. */
    static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
