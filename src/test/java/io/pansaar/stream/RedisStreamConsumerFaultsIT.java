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
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.testing.LocalRedisConnection;

/**
 * The consumer when Redis refuses what it asks, provoked for real on a redis-server of its own: an acknowledgement
 * refused by an ACL, a dead letter refused for want of memory or for a missing function library, a job that fails
 * for want of Redis. Each leaves the entry pending and the subscription alive; nothing is lost.
 */
class RedisStreamConsumerFaultsIT {

    private static final Duration SHORT_BLOCK = Duration.ofMillis(200);
    private static final Duration SHORT_CLAIM_IDLE = Duration.ofSeconds(1);
    private static final Duration LONG_CLAIM_IDLE = Duration.ofSeconds(60);

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    @Test
    void aRefusedAcknowledgementLeavesTheEntryPendingAndReadingGoesOn() {
        StreamSettings settings = StreamHarness.settings(1, false, 5, SHORT_CLAIM_IDLE, SHORT_BLOCK);
        try (StreamHarness harness = StreamHarness.start(REDIS, settings)) {
            harness.awaitRunning();
            String first = harness.add(0, "key", "avatars/ack-refused.png");
            Message<StreamEntry> message = harness.next();
            harness.call("ACL", "SETUSER", "default", "-xack", "-xdel");
            try {
                message.ack().toCompletableFuture().join();
            } finally {
                harness.call("ACL", "SETUSER", "default", "+@all");
            }
            assertEquals(1, harness.pending(harness.jobs(0)), "the refused acknowledgement left the entry pending");

            String second = harness.add(0, "key", "avatars/after.png");
            Set<String> delivered = new HashSet<>();
            for (int i = 0; i < 2; i++) {
                Message<StreamEntry> next = harness.next();
                delivered.add(next.getPayload().id() + "#" + next.getPayload().deliveryCount());
                next.ack().toCompletableFuture().join();
            }
            assertEquals(Set.of(second + "#1", first + "#2"), delivered,
                    "reading went on, and the entry came back after claim-idle");
            assertEquals(0, harness.pending(harness.jobs(0)));
            assertNull(harness.failed.get());
            assertFalse(harness.completed.get());
        }
    }

    @Test
    void aDeadLetterRefusedForWantOfMemoryIsMovedOnceRedisHasMemoryAgain() {
        StreamSettings settings = StreamHarness.settings(1, false, 5, SHORT_CLAIM_IDLE, SHORT_BLOCK);
        try (StreamHarness harness = StreamHarness.start(REDIS, settings)) {
            harness.awaitRunning();
            String badId = harness.add(0, "reason", "miss");
            String goodId = harness.add(0, "key", "avatars/good.png");
            Message<StreamEntry> bad = harness.next();
            Message<StreamEntry> good = harness.next();
            assertEquals(List.of(badId, goodId), List.of(bad.getPayload().id(), good.getPayload().id()));

            harness.call("CONFIG", "SET", "maxmemory", "1");
            try {
                bad.nack(new UnprocessableEntryException("entry has no key")).toCompletableFuture().join();
                good.ack().toCompletableFuture().join();
                assertEquals(0, harness.length(harness.dead(0)), "out of memory, nothing could be dead-lettered");
                assertEquals(1, harness.pending(harness.jobs(0)), "the bad entry stays pending");
            } finally {
                harness.call("CONFIG", "SET", "maxmemory", "0");
            }

            Message<StreamEntry> again = harness.next();
            assertEquals(badId, again.getPayload().id());
            again.nack(new UnprocessableEntryException("entry has no key")).toCompletableFuture().join();
            List<Map<String, String>> dead = harness.entries(harness.dead(0));
            assertEquals(1, dead.size());
            assertEquals(badId, dead.get(0).get("original-id"));
            assertEquals(0, harness.pending(harness.jobs(0)));
            assertNull(harness.failed.get());
        }
    }

    @Test
    void aDeadLetterAfterRedisLostTheFunctionLibraryLoadsItAgain() {
        StreamSettings settings = StreamHarness.settings(1, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK);
        try (StreamHarness harness = StreamHarness.start(REDIS, settings)) {
            harness.awaitRunning();
            String id = harness.add(0, "reason", "miss");
            Message<StreamEntry> message = harness.next();
            harness.call("FUNCTION", "FLUSH");
            message.nack(new UnprocessableEntryException("entry has no key")).toCompletableFuture().join();
            assertEquals(id, harness.entries(harness.dead(0)).get(0).get("original-id"));
            assertEquals(0, harness.pending(harness.jobs(0)));
        }
    }

    @Test
    void failuresForWantOfRedisDoNotUseUpDeliveries() {
        StreamSettings settings = StreamHarness.settings(1, false, 2, LONG_CLAIM_IDLE, SHORT_BLOCK);
        try (StreamHarness harness = StreamHarness.start(REDIS, settings)) {
            harness.awaitRunning();
            String id = harness.add(0, "key", "avatars/outage.png");
            for (int attempt = 0; attempt < 4; attempt++) {
                Message<StreamEntry> message = harness.next();
                assertEquals(1, message.getPayload().deliveryCount(), "attempt " + attempt);
                message.nack(new ServiceUnavailableException("Redis is unavailable", new java.net.ConnectException()))
                        .toCompletableFuture().join();
            }
            Message<StreamEntry> counted = harness.next();
            assertEquals(1, counted.getPayload().deliveryCount());
            counted.nack(new IllegalStateException("origin answered 503")).toCompletableFuture().join();
            Message<StreamEntry> last = harness.next();
            assertEquals(2, last.getPayload().deliveryCount());
            last.nack(new IllegalStateException("origin answered 503")).toCompletableFuture().join();

            List<Map<String, String>> dead = harness.entries(harness.dead(0));
            assertEquals(1, dead.size());
            assertEquals(id, dead.get(0).get("original-id"));
            assertEquals("2", dead.get(0).get("deliveries"));
        }
    }

    @Test
    void entriesWaitingForARetryCountTowardMaxInFlight() throws InterruptedException {
        StreamSettings settings = StreamHarness.settings(1, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK,
                new RetryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(2)), 2);
        try (StreamHarness harness = StreamHarness.start(REDIS, settings)) {
            harness.awaitRunning();
            for (int i = 0; i < 4; i++) {
                harness.add(0, "key", "avatars/waiting-" + i + ".png");
            }
            List<Message<StreamEntry>> first = List.of(harness.next(), harness.next());
            for (Message<StreamEntry> message : first) {
                message.nack(new IllegalStateException("origin answered 503")).toCompletableFuture().join();
            }
            assertEquals(2, harness.consumer.held(), "both wait for their retry, still held");
            assertEquals(0, harness.consumer.inFlight(), "and neither is in the worker");
            assertNull(harness.received.poll(500, TimeUnit.MILLISECONDS),
                    "nothing new is read while the entries waiting for a retry fill max-in-flight");

            Set<Long> deliveries = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                Message<StreamEntry> message = harness.next();
                deliveries.add(message.getPayload().deliveryCount());
                message.ack().toCompletableFuture().join();
            }
            assertEquals(Set.of(1L, 2L), deliveries, "the two retried, and the two read once they were done");
            assertEquals(0, harness.pending(harness.jobs(0)));
        }
    }

    @Test
    void aDeadWorkersBacklogIsTakenOverAtOnceAndWithoutWaitingForTheNextPeriod() {
        // Periodic reclaims every claim-idle / 2 = 30 s; at 8 entries a round, 200 would take 13 minutes.
        StreamSettings settings = StreamHarness.settings(1, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK,
                new RetryBackoff(Duration.ofMillis(50), Duration.ofMillis(400)), 8);
        String stream = settings.jobs(0);
        harnessCall("XGROUP", "CREATE", stream, settings.group(), "0", "MKSTREAM");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add(harnessCall("XADD", stream, "*", "key", "avatars/backlog-" + i + ".png").toString());
        }
        harnessCall("XREADGROUP", "GROUP", settings.group(), "dead-worker", "COUNT", "200", "STREAMS", stream, ">");
        // The dead worker's entries look as idle as they would ten minutes after it died.
        List<String> claim = new ArrayList<>(List.of(stream, settings.group(), "dead-worker", "0"));
        claim.addAll(ids);
        claim.addAll(List.of("IDLE", "600000", "JUSTID"));
        harnessCall("XCLAIM", claim.toArray(String[]::new));

        long started = System.nanoTime();
        try (StreamHarness harness = StreamHarness.start(REDIS, settings)) {
            Set<String> taken = new HashSet<>();
            while (taken.size() < ids.size()) {
                Message<StreamEntry> message = harness.next();
                taken.add(message.getPayload().id());
                message.ack().toCompletableFuture().join();
            }
            assertTrue(System.nanoTime() - started < settings.claimIdle().toNanos() / 2,
                    "all 200 were taken over before the first periodic reclaim after start");
            await("the backlog is gone", () -> harness.pending(stream) == 0 && harness.length(stream) == 0);
            assertEquals(new HashSet<>(ids), taken);
        }
    }

    private static io.vertx.mutiny.redis.client.Response harnessCall(String command, String... arguments) {
        return RedisStreamConsumerIT.Request.call(REDIS.redis(), command, arguments);
    }
}
