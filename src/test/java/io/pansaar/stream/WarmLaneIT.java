package io.pansaar.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.pansaar.stream.RedisStreamConsumerIT.Request;

/**
 * The lower lanes of the consumer (early refreshes, then warm-ups) against a real single redis-server: order of the
 * lanes, shares, reclaim, dead letters.
 */
class WarmLaneIT {

    private static final Duration SHORT_BLOCK = Duration.ofMillis(200);
    private static final Duration LONG_CLAIM_IDLE = Duration.ofSeconds(60);
    /** A share so large that no lower lane's turn comes within a test that is not about it. */
    private static final int NO_TURN = 1_000;

    @RegisterExtension
    static final StandaloneRedis REDIS = new StandaloneRedis();

    @Test
    void jobEntriesGoFirstEvenAheadOfWarmUpsAlreadyReadAndWarmUpsTakeTheCapacityLeft() {
        StreamSettings settings = StreamHarness.withWarmShare(
                StreamHarness.settings(2, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK), NO_TURN);
        for (int i = 0; i < 5; i++) {
            Request.add(REDIS.redis(), settings.warm(0), "key", "warm/a" + i + ".png", "reason", "warm");
            Request.add(REDIS.redis(), settings.warm(1), "key", "warm/b" + i + ".png", "reason", "warm");
        }
        Request.add(REDIS.redis(), settings.jobs(1), "key", "avatars/first.png", "reason", "miss");
        Request.add(REDIS.redis(), settings.jobs(1), "key", "avatars/second.png", "reason", "miss");
        try (StreamHarness harness = REDIS.startWithDemand(settings, 0)) {
            harness.awaitRunning();
            // Ten warm-ups were queued before the misses: the misses come first all the same.
            harness.request(2);
            assertEquals(List.of("avatars/first.png", "avatars/second.png"),
                    List.of(acked(harness.next(), settings.jobs(1)), acked(harness.next(), settings.jobs(1))));

            // No miss left: the capacity goes to a warm-up. The read takes one per warm stream, so one waits here.
            harness.request(1);
            assertTrue(acked(harness.next(), null).startsWith("warm/"));
            StreamHarness.await("a warm-up waits, read and held", () -> harness.consumer.held() == 1);

            // A miss published now overtakes the warm-up already read.
            Request.add(REDIS.redis(), settings.jobs(0), "key", "avatars/late.png", "reason", "miss");
            harness.request(1);
            assertEquals("avatars/late.png", acked(harness.next(), settings.jobs(0)));

            harness.request(100);
            List<String> warmed = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                warmed.add(acked(harness.next(), null));
            }
            assertTrue(warmed.stream().allMatch(key -> key.startsWith("warm/")), warmed::toString);
            for (int partition = 0; partition < 2; partition++) {
                int current = partition;
                StreamHarness.await("acknowledged warm-ups leave warm stream " + current,
                        () -> harness.length(harness.warm(current)) == 0 && harness.pending(harness.warm(current)) == 0);
                assertEquals(0, harness.length(harness.jobs(partition)));
            }
        }
    }

    @Test
    void oneReadInWarmShareHandsOutAWarmUpWhileMissesKeepComing() {
        int warmShare = 3;
        StreamSettings settings = StreamHarness.withWarmShare(
                StreamHarness.settings(1, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK), warmShare);
        for (int i = 0; i < 12; i++) {
            Request.add(REDIS.redis(), settings.jobs(0), "key", "avatars/" + i + ".png", "reason", "miss");
            Request.add(REDIS.redis(), settings.warm(0), "key", "warm/" + i + ".png", "reason", "warm");
        }
        try (StreamHarness harness = REDIS.startWithDemand(settings, 0)) {
            harness.awaitRunning();
            StringBuilder lanes = new StringBuilder();
            // One job slot, as a busy worker frees them: each delivery is one read.
            for (int i = 0; i < 12; i++) {
                harness.request(1);
                lanes.append(acked(harness.next(), null).startsWith("warm/") ? 'W' : 'J');
            }
            assertEquals("JJWJJWJJWJJW", lanes.toString(), "one read in " + warmShare + " is a warm-up's");
        }
    }

    @Test
    void missesGoBeforeEarlyRefreshesAndEarlyRefreshesBeforeWarmUpsWhateverWasQueuedFirst() {
        StreamSettings settings = StreamHarness.withLaneShares(
                StreamHarness.settings(1, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK), NO_TURN, NO_TURN);
        // Queued lowest lane first, so that the order delivered is the lanes' and not the queue's.
        for (int i = 0; i < 3; i++) {
            Request.add(REDIS.redis(), settings.warm(0), "key", "warm/" + i + ".png", "reason", "warm");
            Request.add(REDIS.redis(), settings.earlyRefresh(0), "key", "refresh/" + i + ".png", "reason", "refresh");
            Request.add(REDIS.redis(), settings.jobs(0), "key", "avatars/" + i + ".png", "reason", "miss");
        }
        try (StreamHarness harness = REDIS.startWithDemand(settings, 0)) {
            harness.awaitRunning();
            assertEquals("JJJRRRWWW", deliveredLanes(harness, 9));

            // Once the lanes are empty, a warm-up and an early refresh queued before a miss still go after it.
            Request.add(REDIS.redis(), settings.warm(0), "key", "warm/late.png", "reason", "warm");
            Request.add(REDIS.redis(), settings.earlyRefresh(0), "key", "refresh/late.png", "reason", "refresh");
            Request.add(REDIS.redis(), settings.jobs(0), "key", "avatars/late.png", "reason", "miss");
            assertEquals("JRW", deliveredLanes(harness, 3));
        }
    }

    @Test
    void eachLowerLaneProgressesUnderASteadyLoadOfTheLanesAbove() {
        int refreshShare = 3;
        int warmShare = 4;
        StreamSettings settings = StreamHarness.withLaneShares(
                StreamHarness.settings(1, false, 5, LONG_CLAIM_IDLE, SHORT_BLOCK), refreshShare, warmShare);
        for (int i = 0; i < 12; i++) {
            Request.add(REDIS.redis(), settings.jobs(0), "key", "avatars/" + i + ".png", "reason", "miss");
            Request.add(REDIS.redis(), settings.earlyRefresh(0), "key", "refresh/" + i + ".png", "reason", "refresh");
            Request.add(REDIS.redis(), settings.warm(0), "key", "warm/" + i + ".png", "reason", "warm");
        }
        try (StreamHarness harness = REDIS.startWithDemand(settings, 0)) {
            harness.awaitRunning();
            // Every lane still has entries throughout. The early-refresh lane's turn comes at its third read after two of
            // misses; the warm lane's at its fourth, after two of misses and one of early refreshes.
            assertEquals("JJRWJJRWJJRWJJRW", deliveredLanes(harness, 16));
        }
    }

    /** Takes {@code count} messages one slot at a time, as a busy worker frees them, acknowledging each; their lanes. */
    private static String deliveredLanes(StreamHarness harness, int count) {
        StringBuilder lanes = new StringBuilder();
        for (int i = 0; i < count; i++) {
            harness.request(1);
            String key = acked(harness.next(), null);
            lanes.append(key.startsWith("warm/") ? 'W' : key.startsWith("refresh/") ? 'R' : 'J');
        }
        return lanes.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = { "warm", "refresh" })
    void entriesOfALowerLaneLeftByAVanishedConsumerAreReclaimedRetriedAndDeadLetteredLikeJobs(String lane) {
        StreamSettings settings = StreamHarness.settings(1, false, 3, Duration.ofMillis(300), SHORT_BLOCK);
        String stream = "warm".equals(lane) ? settings.warm(0) : settings.earlyRefresh(0);
        Request.call(REDIS.redis(), "XGROUP", "CREATE", stream, settings.group(), "0", "MKSTREAM");
        String orphan = Request.add(REDIS.redis(), stream, "key", lane + "/orphan.png", "reason", lane);
        String exhausted = Request.add(REDIS.redis(), stream, "key", lane + "/exhausted.png", "reason", lane);
        // Another worker read both and died; the second had been taken over twice more (a delivery each).
        Request.call(REDIS.redis(), "XREADGROUP", "GROUP", settings.group(), "vanished-worker", "COUNT", "2", "STREAMS", stream, ">");
        Request.call(REDIS.redis(), "XCLAIM", stream, settings.group(), "vanished-worker", "0", exhausted);
        Request.call(REDIS.redis(), "XCLAIM", stream, settings.group(), "vanished-worker", "0", exhausted);
        try (StreamHarness harness = REDIS.start(settings)) {
            Message<StreamEntry> reclaimed = harness.next();
            assertEquals(orphan, reclaimed.getPayload().id());
            assertEquals(stream, reclaimed.getPayload().stream());
            assertEquals(2, reclaimed.getPayload().deliveryCount(), "the vanished worker's delivery counts");
            reclaimed.nack(new IllegalStateException("origin answered 503")).toCompletableFuture().join();

            Message<StreamEntry> retried = harness.next();
            assertEquals(orphan, retried.getPayload().id());
            assertEquals(3, retried.getPayload().deliveryCount());
            retried.ack().toCompletableFuture().join();

            StreamHarness.await("the exhausted " + lane + " entry is dead-lettered", () -> harness.length(harness.dead(0)) == 1);
            Map<String, String> letter = harness.entries(harness.dead(0)).get(0);
            assertEquals(lane + "/exhausted.png", letter.get("key"));
            assertEquals(lane, letter.get("reason"));
            assertEquals(exhausted, letter.get("original-id"));
            assertEquals(stream, letter.get("original-stream"));
            assertEquals(0, harness.length(stream), "acknowledged and dead-lettered entries leave the " + lane + " stream");
            assertEquals(0, harness.pending(stream));
        }
    }

    /** Acknowledges a message, checking its stream when one is given, and returns its key. */
    private static String acked(Message<StreamEntry> message, String expectedStream) {
        if (expectedStream != null) {
            assertEquals(expectedStream, message.getPayload().stream());
        }
        message.ack().toCompletableFuture().join();
        return message.getPayload().field("key");
    }
}
