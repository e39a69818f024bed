package io.pansaar.api;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.vertx.core.http.HttpMethod;

/**
 * The {@code http_server_requests_seconds} series of {@code GET} and {@code HEAD /images/<key>}, with the tags Quarkus'
 * HTTP server metrics give every other route (method, uri, status, outcome) and the route's URI template, recorded by
 * the route itself. Quarkus' own recording is switched off for the template
 * ({@code quarkus.micrometer.binder.http-server.ignore-patterns}): it builds the tags and looks the timer up in the
 * registry on every request, which was 8% of a hit's CPU time. Here each timer is looked up once, by method and
 * status, and kept.
 */
final class ImagesRouteTimers {

    /** HTTP status codes run from 100 to 599. */
    private static final int STATUS_CODES = 600;

    private final MeterRegistry registry;
    private final String uri;
    /** By status code, for GET and for HEAD; filled as each is first seen. */
    private final AtomicReferenceArray<Timer> get = new AtomicReferenceArray<>(STATUS_CODES);
    private final AtomicReferenceArray<Timer> head = new AtomicReferenceArray<>(STATUS_CODES);

    ImagesRouteTimers(MeterRegistry registry, String uri) {
        this.registry = registry;
        this.uri = uri;
    }

    /** Records a request answered with {@code status}, begun at {@code startedNanos} ({@link System#nanoTime()}). */
    void record(HttpMethod method, int status, long startedNanos) {
        timer(method, status).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(HttpMethod method, int status) {
        boolean isHead = HttpMethod.HEAD.equals(method);
        AtomicReferenceArray<Timer> byStatus = isHead ? head : get;
        int index = status >= 0 && status < STATUS_CODES ? status : 0;
        Timer timer = byStatus.get(index);
        if (timer == null) {
            // Two threads may both look it up: the registry hands both the same timer.
            timer = Timer.builder("http.server.requests").description("HTTP server request processing time")
                    .tags(Tags.of("method", isHead ? "HEAD" : "GET", "uri", uri, "status", String.valueOf(status))
                            .and(Outcome.forStatus(status).asTag()))
                    .register(registry);
            byStatus.set(index, timer);
        }
        return timer;
    }
}
