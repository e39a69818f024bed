package io.pansaar.api;

import java.time.Duration;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;

import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.redis.RedisFailures;
import io.pansaar.store.ImageStore;
import io.pansaar.store.ReadOutcome;
import io.pansaar.store.ReadResult;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /images/<key>}: the cached image, read through the cache. A fresh or stale copy is
 * served at once; a miss waits, without polling, until the one job for the key has written it, or until its fetch
 * failed and a copy kept for that case (stale-if-error) can be served.
 */
@Path("/images")
public class ImagesResource {

    static final String PATH_PREFIX = "/images/";
    private static final Logger LOG = Logger.getLogger(ImagesResource.class);
    /** Redis stalls and restarts are usually over within seconds. */
    private static final int REDIS_RETRY_AFTER_SECONDS = 1;
    /** RFC 9211 cache name in Cache-Status. */
    private static final String CACHE_NAME = "pansaar";

    private final ImageStore store;
    private final ReadyNotifications notifications;
    private final Duration timeout;

    public ImagesResource(ImageStore store, ReadyNotifications notifications, PansaarConfig config) {
        this.store = store;
        this.notifications = notifications;
        this.timeout = config.readThrough().timeout();
    }

    /** Serves the image of {@code key}, fetching it from the origin first when it is not cached. */
    @GET
    @Path("{key: .+}")
    @Operation(summary = "Read an image through the cache",
            description = "Fresh: 200 with max-age. Stale: 200 with max-age=0 while one refresh runs. Past grace while "
                    + "the origin fails: 200 with the kept copy, max-age=0 (stale-if-error). Missing: one job fetches it "
                    + "and the request waits up to pansaar.read-through.timeout.")
    @APIResponse(responseCode = "200", description = "The image bytes, with Content-Type, ETag and Cache-Control")
    @APIResponse(responseCode = "304", description = "If-None-Match matched the current ETag")
    @APIResponse(responseCode = "400", description = "The key breaks the key rules")
    @APIResponse(responseCode = "404", description = "The origin answered 404 or 410 for this key lately")
    @APIResponse(responseCode = "503", description = "Not fetched within pansaar.read-through.timeout, or Redis did not "
            + "answer within pansaar.read-through.redis-timeout; see Retry-After")
    public Uni<Response> image(
            @Parameter(description = "Image key, e.g. avatars/u123.png") @PathParam("key") String key,
            @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
            @Context HttpServerRequest request) {
        ImageKey imageKey = PathKeys.after(request, PATH_PREFIX);
        long deadline = System.nanoTime() + timeout.toNanos();
        return readThrough(imageKey, deadline, false)
                .onItem().transform(result -> answer(imageKey, result, ifNoneMatch, request.path()))
                .onFailure(RedisFailures::isPassing).recoverWithItem(failure -> redisUnavailable(imageKey, failure,
                        request.path()));
    }

    /** 503 with Retry-After: Redis is slow or away, which passes; logged without a stack trace. */
    private Response redisUnavailable(ImageKey key, Throwable failure, String path) {
        LOG.debugf("read of %s failed, Redis is unavailable: %s", key, failure.toString());
        return Response.fromResponse(Problem.of(Response.Status.SERVICE_UNAVAILABLE,
                "Redis did not answer the read of " + key + " in time; try again after Retry-After", path).toResponse())
                .header(HttpHeaders.RETRY_AFTER, REDIS_RETRY_AFTER_SECONDS)
                .header("Cache-Status", CACHE_NAME + "; fwd=miss; detail=redis-unavailable").build();
    }

    /**
     * Reads the key; on a miss, waits for the key's next write, or for its fetch to fail, and reads again, until the
     * deadline. The waiter is registered before each read, so a write between the read and the wait is not missed.
     */
    private Uni<ReadThrough> readThrough(ImageKey key, long deadline, boolean waited) {
        ReadyNotifications.Waiter waiter = notifications.register(key);
        return store.read(key)
                .onFailure().invoke(failure -> waiter.cancel())
                .onItem().transformToUni(result -> {
                    // An unrecorded miss enqueued no job, so there is nothing to wait for.
                    if (result.outcome() != ReadOutcome.MISS || !result.recorded()) {
                        waiter.cancel();
                        return Uni.createFrom().item(new ReadThrough(result, waited));
                    }
                    Duration left = Duration.ofNanos(deadline - System.nanoTime());
                    return waiter.await(left).onItem().transformToUni(ready -> ready
                            ? readThrough(key, deadline, true)
                            : Uni.createFrom().item(new ReadThrough(result, true)));
                });
    }

    private Response answer(ImageKey key, ReadThrough readThrough, String ifNoneMatch, String path) {
        ReadResult result = readThrough.result();
        return switch (result.outcome()) {
            case HIT, STALE, STALE_IF_ERROR -> serve(result, ifNoneMatch, cacheStatus(readThrough));
            case NEGATIVE -> Response.fromResponse(Problem.of(Response.Status.NOT_FOUND,
                    "the origin answered " + result.negativeStatus().map(String::valueOf).orElse("404") + " for "
                            + key + "; the image does not exist (the answer is remembered for a while)",
                    path).toResponse())
                    .header("Cache-Status", CACHE_NAME + "; hit; detail=negative").build();
            case MISS -> Response.fromResponse(Problem.of(Response.Status.SERVICE_UNAVAILABLE, result.recorded()
                    ? key + " is being fetched from the origin and was not ready within " + timeout.toMillis()
                            + " ms; try again after Retry-After"
                    : key + " is not cached, and Redis could not queue its fetch now (out of memory, or restarting); "
                            + "try again after Retry-After",
                    path).toResponse())
                    .header(HttpHeaders.RETRY_AFTER, result.recorded() ? retryAfterSeconds() : REDIS_RETRY_AFTER_SECONDS)
                    .header("Cache-Status", CACHE_NAME + "; fwd=miss").build();
        };
    }

    private static Response serve(ReadResult result, String ifNoneMatch, String cacheStatus) {
        // The reply's buffer goes out as it is: no copy of the bytes on the way.
        Buffer body = result.content().orElseThrow();
        String etag = EntityTags.of(result.etag(), result.digest(), body::getBytes);
        long maxAge = result.outcome() == ReadOutcome.HIT ? result.freshFor().toSeconds() : 0;
        Response.ResponseBuilder response = ifNoneMatch != null && EntityTags.noneMatchHits(ifNoneMatch, etag)
                ? Response.notModified()
                : Response.ok(body, result.contentType().orElse("application/octet-stream"));
        return response.header(HttpHeaders.ETAG, etag)
                .header(HttpHeaders.CACHE_CONTROL, "max-age=" + maxAge)
                // The type was checked against the bytes' magic number; browsers must not guess another.
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Status", cacheStatus)
                .build();
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
