package io.pansaar.worker;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.stream.EntryLimits;
import io.pansaar.stream.RedisStreamsConnector;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.LogCapture;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

/**
 * Job entries written by mistake or by an attacker, published the way any client can: an entry with ten thousand
 * fields, fields carrying line breaks meant to forge log lines, a megabyte value. Each is dead-lettered with a
 * bounded excerpt; the jobs behind it complete; no log line is forged or huge.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class HostileJobEntriesIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TRACE_ID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String FORGED = "2026-12-02 10:00:00,000 ERROR [io.pansaar] FORGED admin password reset";

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    @Connector(RedisStreamsConnector.NAME)
    RedisStreamsConnector connector;

    @Test
    void anEntryWithTenThousandFieldsIsDeadLetteredWhileTheJobsAfterItComplete() {
        List<ImageKey> keys = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (int index = 0; index < 50; index++) {
            ImageKey key = ImageKey.of("avatars/" + run + "-" + index + ".png");
            origin.serve(key.value(), Reply.image(TestImages.png(1_000), "image/png"));
            keys.add(key);
        }
        int partition = partitioner.partitionOf(keys.get(0));
        Map<String, String> poison = new LinkedHashMap<>();
        poison.put("key", "../" + run + " not a key");
        for (int field = 0; field < 10_000; field++) {
            poison.put("field-" + field, "value-" + field);
        }
        String poisonId = add(partition, poison);
        for (ImageKey key : keys) {
            add(partitioner.partitionOf(key), Map.of("key", key.value(), "reason", "miss"));
        }

        await().atMost(WAIT).until(() -> keys.stream().allMatch(this::cached));
        Map<String, String> letter = await().atMost(WAIT).until(() -> deadLetter(partition, poisonId), found -> found != null);
        assertTrue(letter.get("last-error").startsWith("oversize entry: 10001 fields"), letter.get("last-error"));
        assertTrue(letter.get("excerpt").startsWith("the entry had 10001 fields; kept the first 32"), letter.get("excerpt"));
        assertTrue(letter.size() <= EntryLimits.MAX_FIELDS + 6, "a bounded excerpt: " + letter.size() + " fields");
        await().atMost(WAIT).until(() -> redis.stream(String.class).xlen(RedisKeys.jobs(partition)) == 0);
        assertTrue(connector.running(), "the consumer reads on");

        String deadLetterId = deadLetterIdOf(partition, poisonId);
        given().header("Authorization", "Bearer test-admin-token")
                .post("/api/dead-letters/" + partition + "/" + deadLetterId + "/retry")
                .then().statusCode(409).body("detail", containsString("only an excerpt of an oversize entry"));
        assertEquals(letter, deadLetter(partition, poisonId), "a refused retry leaves the dead letter as it was");
    }

    @Test
    void fieldsWithLineBreaksOrAMegabyteForgeNoLogLine() {
        try (LogCapture captured = LogCapture.start().withDebug("io.pansaar.worker")) {
            String run = UUID.randomUUID().toString().substring(0, 8);
            ImageKey traced = ImageKey.of("avatars/" + run + "-traced.png");
            origin.serve(traced.value(), Reply.image(TestImages.png(1_000), "image/png"));
            int partition = partitioner.partitionOf(traced);
            add(partition, Map.of("key", traced.value(), "traceparent", TRACE_ID + "\n" + FORGED));
            List<String> rejected = List.of(
                    add(partition, Map.of("key", "avatars/" + run + "-a.png", "reason", "miss\r\n" + FORGED)),
                    add(partition, Map.of("key", "avatars/" + run + "-b.png", "requested-at", "1\n" + FORGED)),
                    add(partition, Map.of("key", "avatars/" + run + "\n" + FORGED + ".png")),
                    add(partition, Map.of("key", "avatars/" + run + "-c.png", "note", "x".repeat(1_000_000) + "\n" + FORGED)));

            await().atMost(WAIT).until(() -> cached(traced));
            for (String id : rejected) {
                await().atMost(WAIT).until(() -> deadLetter(partition, id), found -> found != null);
            }
            await().atMost(WAIT).until(() -> redis.stream(String.class).xlen(RedisKeys.jobs(partition)) == 0);

            List<String> lines = captured.messagesOf("io.pansaar");
            assertFalse(lines.isEmpty(), "the jobs were logged");
            for (String line : lines) {
                assertFalse(line.contains("\n") || line.contains("\r"), "a log line broken in two: " + line);
                assertTrue(line.length() < 4_000, "a log line of " + line.length() + " characters");
            }
            assertTrue(lines.stream().anyMatch(line -> line.contains(traced.value()) && line.contains("regenerated")),
                    "the traced job ran, its malformed traceparent dropped");
            assertFalse(lines.stream().anyMatch(line -> line.contains(traced.value()) && line.contains("traceparent")),
                    "a malformed traceparent does not reach the log");
        }
    }

    private String add(int partition, Map<String, String> fields) {
        return redis.stream(String.class).xadd(RedisKeys.jobs(partition), fields);
    }

    private boolean cached(ImageKey key) {
        return redis.key().exists(RedisKeys.image(partitioner.partitionOf(key), key));
    }

    /** The dead letter of the job entry {@code originalId}, or null while there is none. */
    private Map<String, String> deadLetter(int partition, String originalId) {
        StreamMessage<String, String, String> entry = deadLetterEntry(partition, originalId);
        return entry == null ? null : entry.payload();
    }

    private String deadLetterIdOf(int partition, String originalId) {
        return deadLetterEntry(partition, originalId).id();
    }

    private StreamMessage<String, String, String> deadLetterEntry(int partition, String originalId) {
        return redis.stream(String.class).xrange(RedisKeys.deadLetters(partition), StreamRange.of("-", "+")).stream()
                .filter(message -> originalId.equals(message.payload().get("original-id"))).findFirst().orElse(null);
    }
}
