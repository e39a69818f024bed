package io.pansaar.worker;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.pansaar.key.ImageKey;
import io.pansaar.logging.TraceLog;
import io.pansaar.origin.FetchResult;
import io.pansaar.origin.OriginFetchException;
import io.pansaar.stream.StreamEntry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The worker's OpenTelemetry spans: one per job, whose parent is the job's {@code traceparent} (a new root trace when
 * it has none, or an invalid one), with a child for the origin fetch (HTTP client semantic conventions) and one for
 * the Redis write. While the SDK is disabled (the default) nothing is built at all: with the SDK off, Quarkus' tracer
 * still runs its sampler and builds a non-recording span per call, which cost about 5% of a worker's CPU per job
 * (docs/benchmarks.md, Regenerations).
 */
@ApplicationScoped
public class JobTracing {

    private static final TextMapGetter<Map<String, String>> FIELDS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;
    private final boolean enabled;

    public JobTracing(Tracer tracer,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled) {
        this.tracer = tracer;
        this.enabled = !sdkDisabled;
    }

    /** Whether spans are recorded at all; when not, every method here returns at once, with the root or no span. */
    public boolean enabled() {
        return enabled;
    }

    /** Starts the span of one job; its parent is the entry's traceparent when that is valid. */
    public Context startJob(StreamEntry entry) {
        if (!enabled) {
            return Context.root();
        }
        String traceparent = entry.field("traceparent");
        Context parent = TraceLog.isTraceparent(traceparent)
                ? W3CTraceContextPropagator.getInstance().extract(Context.root(), Map.of("traceparent", traceparent),
                        FIELDS)
                : Context.root();
        Span span = tracer.spanBuilder("regenerate " + entry.stream()).setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "redis")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", entry.stream())
                .setAttribute("messaging.message.id", entry.id())
                .startSpan();
        return parent.with(span);
    }

    /** Ends a job's span, marked as an error when the job failed. */
    public void endJob(Context job, Throwable failure) {
        if (!enabled) {
            return;
        }
        end(Span.fromContext(job), failure);
    }

    /** Starts the span of an origin fetch (a GET of {@code key} from {@code origin}) as a child of the job's. */
    public Span startFetch(Context job, Optional<URI> origin, ImageKey key) {
        if (!enabled) {
            return Span.getInvalid();
        }
        String url = origin.map(base -> base + key.value()).orElse(key.value());
        var builder = tracer.spanBuilder("GET").setParent(job).setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", "GET")
                .setAttribute("url.full", url);
        try {
            URI uri = URI.create(url);
            builder.setAttribute("server.address", uri.getHost());
            if (uri.getPort() > 0) {
                builder.setAttribute("server.port", (long) uri.getPort());
            }
        } catch (IllegalArgumentException e) {
            // The URL is only described, never fetched from here: the client reports a bad one.
        }
        return builder.startSpan();
    }

    /** Ends a fetch's span with the status the origin answered, or the failure. */
    public void endFetch(Span fetch, FetchResult result, Throwable failure) {
        if (!enabled) {
            return;
        }
        OptionalInt status = result instanceof FetchResult.Fetched ? OptionalInt.of(200)
                : result instanceof FetchResult.NotModified ? OptionalInt.of(304)
                : result instanceof FetchResult.NotFound notFound ? OptionalInt.of(notFound.status())
                : failure instanceof OriginFetchException fetchFailure ? fetchFailure.status()
                : OptionalInt.empty();
        status.ifPresent(code -> fetch.setAttribute("http.response.status_code", (long) code));
        end(fetch, failure);
    }

    /** Starts the span of the Redis function call that writes a job's outcome, as a child of the job's. */
    public Span startWrite(Context job, String function) {
        if (!enabled) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder("FCALL " + function).setParent(job).setSpanKind(SpanKind.CLIENT)
                .setAttribute("db.system", "redis")
                .setAttribute("db.operation.name", "FCALL")
                .setAttribute("db.stored_procedure.name", function)
                .startSpan();
    }

    /** Ends a span, marked as an error when {@code failure} is not null. */
    public void end(Span span, Throwable failure) {
        if (!enabled) {
            return;
        }
        if (failure != null) {
            span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
            span.setAttribute("error.type", failure.getClass().getName());
        }
        span.end();
    }
}
