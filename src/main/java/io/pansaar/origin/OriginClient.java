package io.pansaar.origin;

import java.net.URI;
import java.util.Optional;
import java.util.OptionalInt;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.pansaar.config.PansaarConfig;
import io.pansaar.config.SegmentSettings;
import io.pansaar.key.ImageKey;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

/**
 * Fetches images from the configured origins over HTTP, without blocking a thread.
 *
 * <p>The URL is always the segment's configured origin base URL plus the image key, never anything a
 * request supplied. Every fetch obeys {@link OriginLimits}: one overall timeout covering redirects,
 * a byte cut-off that closes the connection as soon as it is crossed, redirects that must stay on the
 * origin's scheme, host and port, and a content check in which the Content-Type header and the body's
 * magic number must both name the same allowed image format, whose structure the body must have
 * ({@link ImageStructure}) with no more pixels than allowed. An answer that breaks HTTP/1.1 framing
 * fails for good; a connection that breaks may be retried.
 */
@ApplicationScoped
public class OriginClient implements AutoCloseable {

    private final Vertx vertx;
    private final OriginLimits limits;
    private final String userAgent;
    private final HttpClient httpClient;

    @Inject
    public OriginClient(Vertx vertx, PansaarConfig config,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this(vertx, OriginLimits.from(config), version);
    }

    /** A client on {@code vertx} obeying {@code limits}, announcing itself as {@code Pansaar/<version>}. */
    public OriginClient(Vertx vertx, OriginLimits limits, String version) {
        this.vertx = vertx;
        this.limits = limits;
        this.userAgent = "Pansaar/" + version;
        HttpClientOptions options = new HttpClientOptions()
                .setName("pansaar-origin")
                .setConnectTimeout((int) Math.min(limits.connectTimeout().toMillis(), Integer.MAX_VALUE))
                .setKeepAlive(true)
                // Image bytes are stored as the origin sent them; a compressed transfer would hide the magic number.
                .setTryUseCompression(false)
                .setVerifyHost(true);
        this.httpClient = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(limits.maxConnections()));
    }

    /**
     * Fetches {@code key} from {@code segment}'s origin, conditionally when {@code validators} are given.
     * The Uni fails with {@link OriginFetchException} when the origin gives nothing usable; cancelling it
     * closes the connection.
     */
    public Uni<FetchResult> fetch(ImageKey key, SegmentSettings segment, Optional<Validators> validators) {
        if (segment.originBaseUrl().isEmpty()) {
            return Uni.createFrom().failure(() -> new OriginFetchException(FetchFailure.NO_ORIGIN,
                    "segment '" + segment.name() + "' has no origin, so image " + key + " cannot be fetched: set "
                            + "pansaar.origin.base-url or pansaar.segments.\"" + segment.name() + "\".origin-url",
                    Optional.empty(), OptionalInt.empty(), null));
        }
        URI origin = segment.originBaseUrl().get();
        // The key's characters are all URL-safe and its path elements are never '.' or '..', so appending it
        // to a base ending in '/' stays under that base.
        URI url = URI.create(origin + key.value());
        Optional<Validators> conditional = validators.filter(given -> !given.isEmpty());
        return Uni.createFrom().emitter(emitter -> {
            Context context = vertx.getOrCreateContext();
            OriginFetch fetch = new OriginFetch(vertx, context, httpClient, limits, userAgent, origin, url, conditional,
                    emitter);
            emitter.onTermination(fetch::abandon);
            context.runOnContext(ignored -> fetch.start());
        });
    }

    /** The limits this client enforces. */
    public OriginLimits limits() {
        return limits;
    }

    /** Closes the pooled connections; fetches still running fail with a connection failure. */
    @PreDestroy
    @Override
    public void close() {
        httpClient.close();
    }
}
