package io.pansaar.api;

import java.time.Duration;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.key.InvalidImageKeyException;
import io.pansaar.redis.RedisFailures;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.store.ImageStore;
import io.pansaar.store.ReadResult;
import io.quarkus.arc.ClientProxy;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response.Status;

/**
 * {@code GET /images/<key>} (and HEAD): the cached image, read through the cache. A fresh or stale copy is served
 * at once; a miss waits, without polling, until the one job for the key has written it, or until its fetch failed
 * and a copy kept for that case (stale-if-error) can be served.
 *
 * <p>It is a Vert.x route, ahead of the REST layer, because reads are the hot path: a hit runs on the event loop
 * from the request to the Redis reply to the response, without the REST layer's handler chain, request context
 * and context propagation, and the reply's buffer is written to the socket as it is. Only a path written
 * literally ({@code /images/} and a non-empty key, before and after the HTTP layer's normalization) is served here;
 * anything else, such as {@code /%69mages/a.png} or {@code /images;x=1/a.png}, goes on to the REST layer, whose
 * {@link ImagesResource} refuses it as every other route refuses an alias, and which also documents this route in
 * the OpenAPI document.
 */
@ApplicationScoped
public class ImagesRoute {

    private static final String PATH_PREFIX = ImagesResource.PATH_PREFIX;
    /**
     * The URI tag of these requests in the HTTP server metrics: the template the REST layer tagged them with when it
     * served them, kept so that dashboards and alerts over {@code http_server_requests_seconds} go on working.
     */
    static final String METRICS_URI = "/images/{key: .+}";
    /** The request-context key under which Quarkus' HTTP server metrics look for a route's path template. */
    private static final String METRICS_TEMPLATE_KEY = "UrlPathTemplate";
    /** Ahead of the REST layer's route, so that a literal image path never reaches it. */
    static final int ORDER = RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT;

    private static final Logger LOG = Logger.getLogger(ImagesRoute.class);
    /** Redis stalls and restarts are usually over within seconds. */
    private static final int REDIS_RETRY_AFTER_SECONDS = 1;
    /** RFC 9211 cache name in Cache-Status. */
    private static final String CACHE_NAME = "pansaar";

    // Header names and constant values encoded once, rather than on every response.
    private static final CharSequence ETAG = HttpHeaders.createOptimized("ETag");
    private static final CharSequence CACHE_STATUS = HttpHeaders.createOptimized("Cache-Status");
    private static final CharSequence CONTENT_TYPE_OPTIONS = HttpHeaders.createOptimized("X-Content-Type-Options");
    private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
    private static final CharSequence IF_NONE_MATCH = HttpHeaders.createOptimized("If-None-Match");
    private static final CharSequence PROBLEM_TYPE = HttpHeaders.createOptimized(Problem.MEDIA_TYPE);
    private static final CharSequence OCTET_STREAM = HttpHeaders.createOptimized("application/octet-stream");

    private final ImageStore store;
    private final ReadyNotifications notifications;
    private final ObjectMapper json;
    private final Duration timeout;
    private final ImagesRouteTimers timers;

    public ImagesRoute(ImageStore store, ReadyNotifications notifications, ObjectMapper json, PansaarConfig config,
            MeterRegistry registry) {
        // The beans themselves rather than their client proxies, which look the instance up on every call: reads are
        // the hot path, and both are application-scoped, so the instance never changes.
        this.store = ClientProxy.unwrap(store);
        this.timers = new ImagesRouteTimers(registry, METRICS_URI);
        this.notifications = ClientProxy.unwrap(notifications);
        this.json = json;
        this.timeout = config.readThrough().timeout();
    }

    void register(@Observes Router router) {
        router.route("/images/*").order(ORDER).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::handle);
    }

    /**
     * True for a path this route serves: {@code /images/} and at least one character. Checked on the raw path, which
     * the key is cut from, and on the normalized path, which the HTTP layer routes by: {@code /images/../api/status}
     * is a request for another route, written otherwise than literally, and that route refuses it.
     */
    static boolean serves(String path) {
        return path != null && path.length() > PATH_PREFIX.length() && path.startsWith(PATH_PREFIX);
    }

    private void handle(RoutingContext context) {
        long started = System.nanoTime();
        HttpServerRequest request = context.request();
        String path = request.path();
        if (!serves(path) || !serves(context.normalizedPath())) {
            context.next();
            return;
        }
        // Quarkus' HTTP server metrics tag the request with this rather than with the path, which names the key, and
        // leave it to this route to record (ImagesRouteTimers).
        ((HttpServerRequestInternal) request).context().putLocal(METRICS_TEMPLATE_KEY, METRICS_URI);
        ImageKey key;
        try {
            key = ImageKey.of(PathKeys.keyPart(path.substring(PATH_PREFIX.length())));
        } catch (InvalidImageKeyException invalid) {
            problem(request, started, Problem.of(Status.BAD_REQUEST, "invalid image key: " + invalid.getMessage(), path));
            return;
        }
        readThrough(request, key, started, started + timeout.toNanos(), false);
    }

    /**
     * Reads the key and answers; on a miss, waits for the key's next write, or for its fetch to fail, and reads
     * again, until the deadline. The notifications are marked before each read and the waiter registered with that
     * mark after a miss, so a write between the read and the wait is not missed, and a hit registers nothing. The
     * read is a plain callback on the event loop rather than a Mutiny pipeline, whose operators would each capture and
     * restore the request's context: a hit is the hot path.
     */
    private void readThrough(HttpServerRequest request, ImageKey key, long started, long deadline, boolean waited) {
        long mark = notifications.mark();
        store.read(key, read -> {
            if (read.failed()) {
                failed(request, started, key, read.cause());
                return;
            }
            ReadResult result = read.result();
            // An unrecorded miss enqueued no job, so there is nothing to wait for.
            if (result.outcome() != ReadOutcome.MISS || !result.recorded()) {
                answerOrFail(request, started, key, new ReadThrough(result, waited));
                return;
            }
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            notifications.register(key, mark).await(left).subscribe().with(ready -> {
                if (ready) {
                    readThrough(request, key, started, deadline, true);
                } else {
                    answerOrFail(request, started, key, new ReadThrough(result, true));
                }
            }, failure -> failed(request, started, key, failure));
        });
    }

    private void answerOrFail(HttpServerRequest request, long started, ImageKey key, ReadThrough read) {
        try {
            answer(request, started, key, read);
        } catch (RuntimeException unexpected) {
            // Thrown from a callback it would only be logged, and the client would wait for an answer forever.
            failed(request, started, key, unexpected);
        }
    }

    private void answer(HttpServerRequest request, long started, ImageKey key, ReadThrough readThrough) {
        ReadResult result = readThrough.result();
        HttpServerResponse response = request.response();
        switch (result.outcome()) {
            case HIT, STALE, STALE_IF_ERROR -> serve(request, started, response, result, cacheStatus(readThrough));
            case NEGATIVE -> {
                response.putHeader(CACHE_STATUS, CACHE_NAME + "; hit; detail=negative");
                problem(request, started, Problem.of(Status.NOT_FOUND, "the origin answered "
                        + result.negativeStatus().map(String::valueOf).orElse("404") + " for " + key
                        + "; the image does not exist (the answer is remembered for a while)", request.path()));
            }
            case MISS -> {
                response.putHeader(HttpHeaders.RETRY_AFTER,
                        String.valueOf(result.recorded() ? retryAfterSeconds() : REDIS_RETRY_AFTER_SECONDS));
                response.putHeader(CACHE_STATUS, CACHE_NAME + "; fwd=miss");
                problem(request, started, Problem.of(Status.SERVICE_UNAVAILABLE, result.recorded()
                        ? key + " is being fetched from the origin and was not ready within " + timeout.toMillis()
                                + " ms; try again after Retry-After"
                        : key + " is not cached, and Redis could not queue its fetch now (out of memory, or restarting); "
                                + "try again after Retry-After",
                        request.path()));
            }
        }
    }

    private void serve(HttpServerRequest request, long started, HttpServerResponse response, ReadResult result,
            String cacheStatus) {
        // The reply's buffer goes out as it is: no copy of the bytes on the way. It is pooled, off the heap, and
        // released once the response is written, or at once when it is not handed to the response.
        Buffer body = result.content().orElseThrow();
        boolean handedOver = false;
        try {
            handedOver = writeCopy(request, response, result, cacheStatus, body);
        } finally {
            if (!handedOver) {
                result.release();
            }
        }
        timers.record(request.method(), response.getStatusCode(), started);
    }

    /** Answers with the copy's headers and {@code body}; true when the response took the body, to release it. */
    private boolean writeCopy(HttpServerRequest request, HttpServerResponse response, ReadResult result,
            String cacheStatus, Buffer body) {
        String etag = EntityTags.of(result.etag(), result.digest(), body::getBytes);
        long maxAge = result.outcome() == ReadOutcome.HIT ? result.freshFor().toSeconds() : 0;
        String ifNoneMatch = request.getHeader(IF_NONE_MATCH);
        response.putHeader(ETAG, etag)
                .putHeader(HttpHeaders.CACHE_CONTROL, "max-age=" + maxAge)
                // The type was checked against the bytes' magic number; browsers must not guess another.
                .putHeader(CONTENT_TYPE_OPTIONS, NOSNIFF)
                .putHeader(CACHE_STATUS, cacheStatus);
        if (ifNoneMatch != null && EntityTags.noneMatchHits(ifNoneMatch, etag)) {
            response.setStatusCode(304).end();
            return false;
        }
        response.putHeader(HttpHeaders.CONTENT_TYPE, result.contentType().<CharSequence>map(type -> type)
                .orElse(OCTET_STREAM));
        // A HEAD request gets the same headers, Content-Length included; the HTTP layer leaves the body out. The
        // write completes, or fails when the client has gone, exactly once either way.
        response.end(body).onComplete(written -> result.release());
        return true;
    }

    /** 503 with Retry-After when Redis is slow or away, which passes; anything else is a 500. */
    private void failed(HttpServerRequest request, long started, ImageKey key, Throwable failure) {
        HttpServerResponse response = request.response();
        if (response.ended()) {
            LOG.errorf(failure, "read of %s failed after its answer was sent", key);
            return;
        }
        if (RedisFailures.isPassing(failure)) {
            // Logged without a stack trace: a Redis outage must not flood the log.
            LOG.debugf("read of %s failed, Redis is unavailable: %s", key, failure.toString());
            response.putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(REDIS_RETRY_AFTER_SECONDS));
            response.putHeader(CACHE_STATUS, CACHE_NAME + "; fwd=miss; detail=redis-unavailable");
            problem(request, started, Problem.of(Status.SERVICE_UNAVAILABLE,
                    "Redis did not answer the read of " + key + " in time; try again after Retry-After", request.path()));
            return;
        }
        LOG.errorf(failure, "read of %s failed", key);
        problem(request, started, Problem.of(Status.INTERNAL_SERVER_ERROR, "the read of " + key + " failed; see the log",
                request.path()));
    }

    /** Answers with the problem as RFC 9457 JSON, written by the same mapper as the REST layer's problems. */
    private void problem(HttpServerRequest request, long started, Problem problem) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(problem);
        } catch (JsonProcessingException impossible) {
            // A record of five strings and an int always serializes; should it not, say so rather than hang.
            throw new IllegalStateException("could not write a problem answer", impossible);
        }
        request.response().setStatusCode(problem.status()).putHeader(HttpHeaders.CONTENT_TYPE, PROBLEM_TYPE)
                .end(Buffer.buffer(body));
        timers.record(request.method(), problem.status(), started);
    }

    /**
     * RFC 9211 Cache-Status: a hit, a stale hit, a copy served because its origin failed (whether or not this request
     * waited for the fetch that failed), or a miss that this request waited for.
     */
    private static String cacheStatus(ReadThrough readThrough) {
        if (readThrough.result().outcome() == ReadOutcome.STALE_IF_ERROR) {
            return CACHE_NAME + "; hit; fwd=stale; detail=stale-if-error";
        }
        if (readThrough.waited()) {
            return CACHE_NAME + "; fwd=miss; stored";
        }
        if (readThrough.result().outcome() == ReadOutcome.STALE) {
            return CACHE_NAME + "; hit; detail=stale";
        }
        return CACHE_NAME + "; hit; ttl=" + readThrough.result().freshFor().toSeconds();
    }

    private long retryAfterSeconds() {
        // Whole seconds, rounded up: the job usually needs about as long as one more wait.
        return Math.max(1, (timeout.toMillis() + 999) / 1000);
    }

    /** A read's result and whether the request waited for a write to get it. */
    private record ReadThrough(ReadResult result, boolean waited) {
    }
}
