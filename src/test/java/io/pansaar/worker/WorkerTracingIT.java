package io.pansaar.worker;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.OtlpReceiverResource;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Traces from publish to write, received over OTLP/HTTP by a receiver in the test: a job's span is the child of its
 * traceparent, and the origin fetch and the Redis write are children of the job's span.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = OtlpReceiverResource.class, restrictToAnnotatedClass = true)
class WorkerTracingIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String PARENT_ID = "b7ad6b7169203331";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Test
    void aJobsSpanIsTheChildOfItsTraceparentAndParentOfItsFetchAndWrite() {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(1_500), "image/png"));
        String entryId = redis.stream(String.class).xadd(RedisKeys.jobs(partitioner.partitionOf(key)),
                Map.of("key", key.value(), "reason", "miss", "traceparent", TRACEPARENT));

        // Found by what they are, not by trace id, so that a span in the wrong trace fails an assertion below.
        Span job = await().atMost(WAIT).until(() -> span(span -> span.getName().startsWith("regenerate ")
                && attribute(span, "messaging.message.id").equals(entryId)), Optional::isPresent).orElseThrow();
        String jobSpanId = hex(job.getSpanId().toByteArray());
        Span fetch = await().atMost(WAIT).until(() -> span(span -> span.getName().equals("GET")
                && hex(span.getParentSpanId().toByteArray()).equals(jobSpanId)), Optional::isPresent)
                .orElseThrow(() -> new AssertionError("no fetch span under the job's: " + names()));
        Span write = await().atMost(WAIT).until(() -> span(span -> span.getName().equals("FCALL pansaar_put")
                && hex(span.getParentSpanId().toByteArray()).equals(jobSpanId)), Optional::isPresent)
                .orElseThrow(() -> new AssertionError("no write span under the job's: " + names()));

        assertEquals(TRACE_ID, hex(job.getTraceId().toByteArray()), "the job's span is in the traceparent's trace");
        assertEquals(PARENT_ID, hex(job.getParentSpanId().toByteArray()), "the job's parent is the traceparent's span");
        assertEquals(Span.SpanKind.SPAN_KIND_CONSUMER, job.getKind());
        assertEquals("redis", attribute(job, "messaging.system"));
        assertEquals(TRACE_ID, hex(fetch.getTraceId().toByteArray()), "the fetch is in the job's trace");
        assertEquals(TRACE_ID, hex(write.getTraceId().toByteArray()), "the write is in the job's trace");
        assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, fetch.getKind());
        assertEquals("GET", attribute(fetch, "http.request.method"));
        assertEquals(origin.baseUrl() + key.value(), attribute(fetch, "url.full"));
        assertEquals(URI.create(origin.baseUrl()).getHost(), attribute(fetch, "server.address"));
        assertEquals(String.valueOf(URI.create(origin.baseUrl()).getPort()), attribute(fetch, "server.port"));
        assertEquals("200", attribute(fetch, "http.response.status_code"));
        assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, write.getKind());
        assertEquals("redis", attribute(write, "db.system"));
        assertEquals("FCALL", attribute(write, "db.operation.name"));
        assertEquals("pansaar_put", attribute(write, "db.stored_procedure.name"));
        List<String> inTrace = OtlpReceiverResource.spans().stream()
                .filter(span -> hex(span.getTraceId().toByteArray()).equals(TRACE_ID)).map(Span::getName).toList();
        assertEquals(3, inTrace.size(), "the job, its fetch and its write, nothing else: " + inTrace);
    }

    @Test
    void aReadOfAnImageIsTracedAndRedisCommandsAreNot() {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(1_600), "image/png"));
        await().atMost(WAIT).until(() -> given().get("/images/" + key.value()).statusCode() == 200);

        await().atMost(WAIT).until(() -> OtlpReceiverResource.spans().stream()
                .anyMatch(span -> span.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                        && attribute(span, "url.path").equals("/images/" + key.value())));
        // The Redis client's own spans are switched off (a span per stream poll would bury the jobs' traces):
        // the only Redis spans are the worker's writes.
        List<String> redisSpans = OtlpReceiverResource.spans().stream()
                .filter(span -> attribute(span, "db.system").equals("redis")).map(Span::getName).distinct().toList();
        assertTrue(redisSpans.stream().allMatch(name -> name.startsWith("FCALL pansaar_")), redisSpans.toString());
    }

    private static Optional<Span> span(Predicate<Span> test) {
        return OtlpReceiverResource.spans().stream().filter(test).findFirst();
    }

    /** What the receiver got, for a failure's message. */
    private static String names() {
        return OtlpReceiverResource.spans().stream().map(Span::getName).toList() + ", undecodable exports: "
                + OtlpReceiverResource.failures();
    }

    private static String attribute(Span span, String name) {
        for (KeyValue attribute : span.getAttributesList()) {
            if (attribute.getKey().equals(name)) {
                var value = attribute.getValue();
                return value.hasIntValue() ? String.valueOf(value.getIntValue()) : value.getStringValue();
            }
        }
        return "";
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
