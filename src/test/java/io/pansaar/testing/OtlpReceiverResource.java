package io.pansaar.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpServer;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * An OTLP/HTTP (protobuf) trace receiver in the test: switches the application's OpenTelemetry SDK on, points its
 * exporter here, and keeps every span it receives for {@link #spans()}.
 */
public class OtlpReceiverResource implements QuarkusTestResourceLifecycleManager {

    private static final List<Span> SPANS = new CopyOnWriteArrayList<>();
    private static final List<String> FAILURES = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the OTLP receiver", e);
        }
        server.createContext("/", exchange -> {
            try (InputStream raw = exchange.getRequestBody()) {
                InputStream body = "gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                        ? new GZIPInputStream(raw) : raw;
                byte[] bytes = body.readAllBytes();
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(bytes);
                for (ResourceSpans resource : request.getResourceSpansList()) {
                    for (ScopeSpans scope : resource.getScopeSpansList()) {
                        SPANS.addAll(scope.getSpansList());
                    }
                }
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, 0);
            } catch (IOException | RuntimeException | Error e) {
                // An Error too: protobuf classes built for a newer runtime fail to initialise with one.
                FAILURES.add(exchange.getRequestURI().getPath() + ": " + e);
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
        String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of("quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.traces.endpoint", endpoint,
                "quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf",
                "quarkus.otel.bsp.schedule.delay", "100ms");
    }

    /** Every span received so far. */
    public static List<Span> spans() {
        return new ArrayList<>(SPANS);
    }

    /** The exports that could not be decoded, with why. */
    public static List<String> failures() {
        return new ArrayList<>(FAILURES);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
