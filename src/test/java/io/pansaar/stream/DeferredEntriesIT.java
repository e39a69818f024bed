package io.pansaar.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.testing.LocalRedisConnection;

/**
 * Entries whose job waits for its origin ({@link DeferredJobException}): parked without using a delivery or
 * in-flight room, delivered again after the delay they name, and dead-lettered as origin-unavailable once older
 * than max-defer. Against a redis-server the test starts.
 */
class DeferredEntriesIT {

    private static final Duration SHORT_BLOCK = Duration.ofMillis(200);
    private static final Duration LONG_CLAIM_IDLE = Duration.ofSeconds(60);
    private static final RetryBackoff BACKOFF = new RetryBackoff(Duration.ofMillis(50), Duration.ofMillis(100));

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    @Test
    void parkedEntriesComeBackAfterTheirDelayWithoutUsingDeliveriesOrInFlightRoom() throws InterruptedException {
        StreamSettings settings = StreamHarness.settings(1, false, 2, LONG_CLAIM_IDLE, SHORT_BLOCK, BACKOFF, 2);
        try (StreamHarness harness = StreamHarness.start(REDIS, settings)) {
            harness.awaitRunning();
            for (int i = 0; i < 4; i++) {
                harness.add(0, "key", "avatars/deferred-" + i + ".png");
            }
            List<Message<StreamEntry>> waiting = List.of(harness.next(), harness.next());
            long parkedAt = System.nanoTime();
            for (Message<StreamEntry> message : waiting) {
                message.nack(new DeferredJobException("origin paused", Duration.ofSeconds(1))).toCompletableFuture().join();
            }
            assertEquals(2, harness.consumer.parked());

            // Max-in-flight is 2, and both held entries are parked: the other two are read at once.
            for (int i = 0; i < 2; i++) {
                Message<StreamEntry> other = harness.received.poll(700, TimeUnit.MILLISECONDS);
                assertNotNull(other, "an entry behind the parked ones is read while they wait");
                other.ack().toCompletableFuture().join();
            }

            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 2; i++) {
                    Message<StreamEntry> back = harness.next();
                    assertEquals(1, back.getPayload().deliveryCount(), "a deferral uses no delivery");
                    if (round == 0) {
                        long waitedMillis = (System.nanoTime() - parkedAt) / 1_000_000;
                        assertTrue(waitedMillis >= 950, "delivered again after " + waitedMillis + " ms, before its delay");
                    }
                    if (round < 2) {
                        back.nack(new DeferredJobException("breaker open", Duration.ofMillis(100))).toCompletableFuture()
                                .join();
                    } else {
                        back.ack().toCompletableFuture().join();
                    }
                }
            }
            assertEquals(0, harness.pending(harness.jobs(0)));
            assertEquals(0, harness.length(harness.dead(0)));
            assertEquals(0, harness.consumer.parked());
        }
    }

    @Test
    void anEntryOlderThanMaxDeferIsDeadLetteredAsOriginUnavailable() {
        StreamSettings settings = StreamHarness.settings(1, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK, BACKOFF, 4,
                Duration.ofSeconds(1));
        try (StreamHarness harness = StreamHarness.start(REDIS, settings)) {
            harness.awaitRunning();
            String id = harness.add(0, "key", "avatars/never-fetched.png");
            long added = System.nanoTime();
            Message<StreamEntry> message = harness.next();
            message.nack(new DeferredJobException("breaker open", Duration.ofMillis(200))).toCompletableFuture().join();
            message = harness.next();
            assertEquals(1, message.getPayload().deliveryCount(), "younger than max-defer: parked, not counted");
            // Past max-defer (1 s) since the entry entered the stream, the next deferral dead-letters it.
            StreamHarness.pause(Math.max(0, 1_200 - (System.nanoTime() - added) / 1_000_000));
            message.nack(new DeferredJobException("origin https://images.example.com:443 has its circuit breaker open",
                    Duration.ofMillis(200))).toCompletableFuture().join();

            List<Map<String, String>> dead = harness.entries(harness.dead(0));
            assertEquals(1, dead.size());
            assertEquals(id, dead.get(0).get("original-id"));
            assertEquals("1", dead.get(0).get("deliveries"));
            String lastError = dead.get(0).get("last-error");
            assertTrue(lastError.startsWith("origin-unavailable: the job has waited "), lastError);
            assertTrue(lastError.contains("pansaar.origin.max-defer") && lastError.contains("circuit breaker open"),
                    lastError);
            assertEquals(0, harness.pending(harness.jobs(0)));
        }
    }
}
