package io.pansaar.events;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * The events stream pansaar:{p}:events on a real Redis, with the worker consuming jobs and fetching from a real HTTP
 * origin: every outcome is appended, in the order it happened, with its fields, and the stream stays near its cap.
 * Each test uses a partition of its own.
 */
@QuarkusTest
@TestProfile(EventsStreamIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class EventsStreamIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration HOUR = Duration.ofHours(1);
    private static final long MAX_LENGTH = 20;
    /** Approximate trimming removes whole macro nodes only (stream-node-max-entries, 100 by default). */
    private static final long NODE_ENTRIES = 100;

    /** A small cap, so that trimming shows; the scheduler is off (the tests' default), so nothing evicts on its own. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.events.max-length", String.valueOf(MAX_LENGTH),
                    "pansaar.metrics.refresh-interval", "1h");
        }
    }

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    ImageStore store;

    @Inject
    PansaarFunctions functions;

    @Inject
    Partitioner partitioner;

    @Inject
    RedisDataSource redis;

    @Test
    void everyOutcomeIsAppendedInOrderWithItsFields() {
        int partition = 1;
        long startedAt = System.currentTimeMillis();
        ImageKey image = keyIn(partition);
        byte[] png = TestImages.png(4_000);
        origin.serve(image.value(), Reply.image(png, "image/png").withETag("\"v1\""));

        // regenerated: a miss, fetched by the worker.
        store.read(image).await().atMost(WAIT);
        awaitEvents(partition, 1);
        long fetchedAt = Long.parseLong(StoredImages.metaField(redis, RedisKeys.image(partition, image), "fetched-at"));
        // not-modified: a manual job after that fetch, answered 304 to its conditional GET.
        redis.stream(String.class).xadd(RedisKeys.jobs(partition), Map.of("key", image.value(), "reason", "manual",
                "requested-at", String.valueOf(fetchedAt + 1)));
        awaitEvents(partition, 2);
        // purged, soft then hard.
        assertEquals(1, store.purge(List.of(image), true).await().atMost(WAIT).purged());
        assertEquals(1, store.purge(List.of(image), false).await().atMost(WAIT).purged());
        // negative: the origin says 404.
        ImageKey missing = keyIn(partition);
        origin.serve(missing.value(), Reply.status(404));
        store.read(missing).await().atMost(WAIT);
        awaitEvents(partition, 5);
        // dead-lettered: a job whose key is invalid, with the key as the job gave it.
        String invalid = "avatars/../secret.png";
        redis.stream(String.class).xadd(RedisKeys.jobs(partition), Map.of("key", invalid, "reason", "miss"));
        awaitEvents(partition, 6);
        // evicted: the eviction duty with a budget of 0 bytes leaves no image; another image written first.
        ImageKey evictable = keyIn(partition);
        StoredImages.write(store, evictable, 3_000, HOUR);
        String holder = "events-" + UUID.randomUUID();
        assertTrue(functions.acquireLease(partition, holder, 10_000).await().atMost(WAIT));
        try {
            assertEquals(1, functions.evict(partition, holder, Optional.of(0L), 10).await().atMost(WAIT).evicted());
        } finally {
            functions.releaseLease(partition, holder).await().atMost(WAIT);
        }

        List<Map<String, String>> events = events(partition);
        long before = System.currentTimeMillis();
        String size = String.valueOf(png.length);
        List<Map<String, String>> expected = List.of(
                Map.of("event", "regenerated", "key", image.value(), "size", size, "etag", "\"v1\""),
                Map.of("event", "not-modified", "key", image.value(), "size", size, "etag", "\"v1\""),
                Map.of("event", "purged", "key", image.value(), "mode", "soft", "size", size, "etag", "\"v1\""),
                Map.of("event", "purged", "key", image.value(), "mode", "hard", "size", size, "etag", "\"v1\""),
                Map.of("event", "negative", "key", missing.value(), "status", "404"),
                Map.of("event", "dead-lettered", "key", invalid),
                Map.of("event", "regenerated", "key", evictable.value(), "size", "3000"),
                Map.of("event", "evicted", "key", evictable.value(), "size", "3000"));
        assertEquals(expected, events.stream().map(EventsStreamIT::withoutTime).toList());
        long previous = startedAt - 5_000;
        for (Map<String, String> event : events) {
            long at = Long.parseLong(event.get("at"));
            assertTrue(at >= previous && at <= before + 5_000, "server time in ms, in order: " + events);
            previous = at;
        }
    }

    @Test
    void theStreamStaysNearItsCap() {
        int partition = 2;
        List<ImageKey> keys = IntStream.range(0, 600).mapToObj(i -> keyIn(partition)).toList();
        StoredImages.writeAll(store, keys, 200, HOUR, 16);

        long length = redis.stream(String.class).xlen(RedisKeys.events(partition));
        assertTrue(length >= MAX_LENGTH && length <= MAX_LENGTH + NODE_ENTRIES,
                "600 events trimmed to about " + MAX_LENGTH + " (whole nodes of " + NODE_ENTRIES + "): " + length);
        // The newest entries are kept: the last one is the last write's.
        List<StreamMessage<String, String, String>> last = redis.stream(String.class)
                .xrevrange(RedisKeys.events(partition), StreamRange.of("+", "-"), 1);
        assertEquals("regenerated", last.get(0).payload().get("event"));
    }

    private ImageKey keyIn(int partition) {
        while (true) {
            ImageKey key = TestKeys.unique("avatars", "png");
            if (partitioner.partitionOf(key) == partition) {
                return key;
            }
        }
    }

    private List<Map<String, String>> events(int partition) {
        List<Map<String, String>> events = new ArrayList<>();
        for (StreamMessage<String, String, String> message : redis.stream(String.class)
                .xrange(RedisKeys.events(partition), StreamRange.of("-", "+"))) {
            events.add(message.payload());
        }
        return events;
    }

    private void awaitEvents(int partition, int count) {
        await().atMost(WAIT).until(() -> events(partition).size() >= count);
    }

    private static Map<String, String> withoutTime(Map<String, String> event) {
        Map<String, String> copy = new java.util.HashMap<>(event);
        assertTrue(copy.remove("at") != null, "every event has at: " + event);
        return copy;
    }
}
