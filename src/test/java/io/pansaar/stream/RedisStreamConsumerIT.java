package io.pansaar.stream;

import static io.pansaar.stream.StreamHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.vertx.mutiny.redis.client.Redis;

/** The consumer's mechanics against a real single redis-server. */
class RedisStreamConsumerIT {

    private static final Duration SHORT_BLOCK = Duration.ofMillis(200);
    private static final Duration LONG_CLAIM_IDLE = Duration.ofSeconds(60);

    @RegisterExtension
    static final StandaloneRedis REDIS = new StandaloneRedis();

    @Test
    void createsTheGroupOnEveryPartitionAndDeliversEntriesAddedBeforeStart() {
        StreamSettings settings = StreamHarness.settings(3, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK);
        // Entries from before any worker existed: the stream does not even have a group yet.
        Request.add(REDIS.redis(), settings.jobs(0), "key", "avatars/a.png", "reason", "miss");
        Request.add(REDIS.redis(), settings.jobs(2), "key", "banners/b.png");
        try (StreamHarness harness = REDIS.start(settings)) {
            Set<String> keys = new HashSet<>();
            Set<Integer> partitions = new HashSet<>();
            for (int i = 0; i < 2; i++) {
                Message<StreamEntry> message = harness.next();
                StreamEntry entry = message.getPayload();
                assertEquals(1, entry.deliveryCount());
                assertEquals(settings.jobs(entry.partition()), entry.stream());
                assertEquals(entry, message.getMetadata(StreamEntry.class).orElseThrow());
                keys.add(entry.field("key"));
                partitions.add(entry.partition());
                message.ack().toCompletableFuture().join();
            }
            assertEquals(Set.of("avatars/a.png", "banners/b.png"), keys);
            assertEquals(Set.of(0, 2), partitions);
            for (int partition = 0; partition < 3; partition++) {
                // MKSTREAM made partition 1's stream although nothing was ever added to it.
                String groups = harness.call("XINFO", "GROUPS", harness.jobs(partition)).toString();
                assertTrue(groups.contains(settings.group()), groups);
                assertEquals(0, harness.length(harness.jobs(partition)), "acked entries leave the stream");
                assertEquals(0, harness.pending(harness.jobs(partition)), "acked entries leave the pending list");
            }
        }
    }

    @Test
    void aNackedEntryComesBackWithDeliveryCountTwoAndLeavesOnAck() {
        StreamSettings settings = StreamHarness.settings(2, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK);
        try (StreamHarness harness = REDIS.start(settings)) {
            harness.awaitRunning();
            String id = harness.add(1, "key", "thumbs/x.jpg");
            Message<StreamEntry> first = harness.next();
            assertEquals(id, first.getPayload().id());
            assertEquals(1, first.getPayload().deliveryCount());
            first.nack(new IllegalStateException("origin answered 503")).toCompletableFuture().join();
            assertEquals(1, harness.pending(harness.jobs(1)), "a nacked entry stays pending");

            Message<StreamEntry> second = harness.next();
            assertEquals(id, second.getPayload().id());
            assertEquals(2, second.getPayload().deliveryCount());
            assertEquals("thumbs/x.jpg", second.getPayload().field("key"));
            second.ack().toCompletableFuture().join();
            assertEquals(0, harness.pending(harness.jobs(1)));
            assertEquals(0, harness.length(harness.jobs(1)));
            assertEquals(0, harness.length(harness.dead(1)));
        }
    }

    @Test
    void anEntryThatAlwaysFailsEndsInTheDeadLetterStreamAfterMaxDeliveries() {
        StreamSettings settings = StreamHarness.settings(1, false, 3, LONG_CLAIM_IDLE, SHORT_BLOCK);
        try (StreamHarness harness = REDIS.start(settings)) {
            harness.awaitRunning();
            String id = harness.add(0, "key", "avatars/broken.png", "reason", "refresh");
            List<Long> counts = new ArrayList<>();
            for (int delivery = 1; delivery <= 3; delivery++) {
                Message<StreamEntry> message = harness.next();
                assertEquals(id, message.getPayload().id());
                counts.add(message.getPayload().deliveryCount());
                message.nack(new java.io.IOException("connection reset by origin")).toCompletableFuture().join();
            }
            assertEquals(List.of(1L, 2L, 3L), counts);

            List<Map<String, String>> dead = harness.entries(harness.dead(0));
            assertEquals(1, dead.size());
            Map<String, String> letter = dead.get(0);
            assertEquals("avatars/broken.png", letter.get("key"));
            assertEquals("refresh", letter.get("reason"));
            assertEquals(id, letter.get("original-id"));
            assertEquals(harness.jobs(0), letter.get("original-stream"));
            assertEquals("3", letter.get("deliveries"));
            assertEquals("java.io.IOException: connection reset by origin", letter.get("last-error"));
            long deadLetteredAt = Long.parseLong(letter.get("dead-lettered-at"));
            assertTrue(Math.abs(deadLetteredAt - System.currentTimeMillis()) < 60_000, "epoch ms: " + deadLetteredAt);
            assertEquals(0, harness.pending(harness.jobs(0)));
            assertEquals(0, harness.length(harness.jobs(0)));
            StreamHarness.pause(settings.backoff().max().toMillis());
            assertTrue(harness.received.isEmpty(), "a dead-lettered entry is not delivered again");
        }
    }

    @Test
    void anUnprocessableEntryIsDeadLetteredAtOnceAndTheNextEntryIsProcessed() {
        StreamSettings settings = StreamHarness.settings(1, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK);
        try (StreamHarness harness = REDIS.start(settings)) {
            harness.awaitRunning();
            String badId = harness.add(0, "reason", "miss");
            String goodId = harness.add(0, "key", "avatars/ok.png");

            Message<StreamEntry> bad = harness.next();
            assertEquals(badId, bad.getPayload().id());
            // The worker may wrap it; the connector looks through the cause chain.
            bad.nack(new RuntimeException("job rejected", new UnprocessableEntryException("entry has no key")))
                    .toCompletableFuture().join();
            Message<StreamEntry> good = harness.next();
            assertEquals(goodId, good.getPayload().id());
            good.ack().toCompletableFuture().join();

            List<Map<String, String>> dead = harness.entries(harness.dead(0));
            assertEquals(1, dead.size());
            assertEquals(badId, dead.get(0).get("original-id"));
            assertEquals("1", dead.get(0).get("deliveries"));
            assertEquals("unprocessable: entry has no key", dead.get(0).get("last-error"));
            assertEquals(0, harness.pending(harness.jobs(0)));
            assertEquals(0, harness.length(harness.jobs(0)));
        }
    }

    @Test
    void anEntryLeftByAVanishedConsumerIsReclaimedAndCompleted() {
        StreamSettings settings = StreamHarness.settings(1, false, 5, Duration.ofMillis(300), SHORT_BLOCK);
        String stream = settings.jobs(0);
        Request.call(REDIS.redis(), "XGROUP", "CREATE", stream, settings.group(), "0", "MKSTREAM");
        String id = Request.add(REDIS.redis(), stream, "key", "banners/orphan.png");
        // Another worker read it and died before acknowledging it.
        Request.call(REDIS.redis(), "XREADGROUP", "GROUP", settings.group(), "vanished-worker", "COUNT", "1", "STREAMS", stream, ">");
        try (StreamHarness harness = REDIS.start(settings)) {
            Message<StreamEntry> message = harness.next();
            assertEquals(id, message.getPayload().id());
            assertEquals(2, message.getPayload().deliveryCount(), "the vanished worker's delivery counts");
            String owner = harness.call("XPENDING", stream, settings.group(), "-", "+", "10").get(0).get(1).toString();
            assertEquals(settings.consumerName(), owner);
            message.ack().toCompletableFuture().join();
            assertEquals(0, harness.pending(stream));
            assertEquals(0, harness.length(stream));

            // Holding nothing and idle for ten claim-idle periods, the vanished worker's name is dropped;
            // the live consumer, which reads every BLOCK, stays.
            StreamHarness.await("the vanished consumer is forgotten",
                    () -> !harness.call("XINFO", "CONSUMERS", stream, settings.group()).toString().contains("vanished-worker"));
            assertTrue(harness.call("XINFO", "CONSUMERS", stream, settings.group()).toString()
                    .contains(settings.consumerName()));
        }
    }

    @Test
    void anEntryHeldLongerThanClaimIdleIsNotTakenAwayFromItsLiveConsumer() {
        StreamSettings settings = StreamHarness.settings(1, false, 5, Duration.ofMillis(300), SHORT_BLOCK);
        try (StreamHarness harness = REDIS.start(settings)) {
            harness.awaitRunning();
            String id = harness.add(0, "key", "avatars/slow.png");
            Message<StreamEntry> message = harness.next();
            // Several claim-idle periods pass while the worker is busy with it.
            StreamHarness.pause(4 * settings.claimIdle().toMillis());
            assertTrue(harness.received.isEmpty(), "the held entry was not delivered a second time");
            String delivered = harness.call("XPENDING", harness.jobs(0), settings.group(), "-", "+", "10").get(0).get(3)
                    .toString();
            assertEquals("1", delivered, "keep-alive does not count as a delivery");
            message.ack().toCompletableFuture().join();
            assertEquals(id, message.getPayload().id());
            assertEquals(0, harness.pending(harness.jobs(0)));
        }
    }

    @Test
    void stopEndsABlockingReadWithoutErrorsAndLeavesUnackedEntriesPending() {
        // A BLOCK far longer than the wait below: stop must end the read, not wait it out.
        StreamSettings settings = StreamHarness.settings(2, false, 5, LONG_CLAIM_IDLE, Duration.ofSeconds(120));
        CapturingHandler captured = new CapturingHandler();
        Logger root = Logger.getLogger("");
        root.addHandler(captured);
        try {
            StreamHarness harness = REDIS.start(settings);
            harness.awaitRunning();
            String id = harness.add(0, "key", "avatars/in-flight.png");
            Message<StreamEntry> inFlight = harness.next();
            assertEquals(id, inFlight.getPayload().id());
            // Give the next XREADGROUP time to reach the server and block.
            await("a blocked reader", () -> harness.call("INFO", "clients").toString().contains("blocked_clients:1"));

            harness.consumer.stop().await().atMost(StreamHarness.WAIT);

            assertTrue(harness.completed.get(), "the message stream completed");
            assertNull(harness.failed.get());
            assertFalse(harness.consumer.running());
            assertEquals(1, harness.pending(harness.jobs(0)), "the unacked entry stays pending for reclaim");
            await("the read connection closed", () -> harness.call("INFO", "clients").toString().contains("blocked_clients:0"));
            assertEquals(List.of(), captured.problems(), "nothing logged at WARNING or above");
        } finally {
            root.removeHandler(captured);
        }
    }

    /** Collects log records at WARNING and above, from every logger. */
    static final class CapturingHandler extends Handler {
        private final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                problems.add(record.getLoggerName() + ": " + record.getMessage());
            }
        }

        List<String> problems() {
            return problems;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** Commands sent before a harness exists. */
    static final class Request {
        private Request() {
        }

        static io.vertx.mutiny.redis.client.Response call(Redis client, String command, String... arguments) {
            io.vertx.mutiny.redis.client.Request request = io.vertx.mutiny.redis.client.Request
                    .cmd(io.vertx.mutiny.redis.client.Command.create(command));
            for (String argument : arguments) {
                request.arg(argument);
            }
            return client.send(request).await().atMost(StreamHarness.WAIT);
        }

        static String add(Redis client, String stream, String... fieldsAndValues) {
            String[] arguments = new String[fieldsAndValues.length + 2];
            arguments[0] = stream;
            arguments[1] = "*";
            System.arraycopy(fieldsAndValues, 0, arguments, 2, fieldsAndValues.length);
            return call(client, "XADD", arguments).toString();
        }
    }
}
