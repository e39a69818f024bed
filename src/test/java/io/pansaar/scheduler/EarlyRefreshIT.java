package io.pansaar.scheduler;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Early refresh end to end, with the scheduler, the worker, a real Redis and a real origin: an image read
 * continuously is refreshed before it goes stale, TTL after TTL, while an image nobody reads is left to expire.
 */
@QuarkusTest
@TestProfile(EarlyRefreshIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class EarlyRefreshIT {

    /**
     * A fixed 4 s TTL in segment "hot", kept 2 s past grace for stale-if-error, a scheduler tick every second, and a
     * half-life short enough for a test.
     */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("pansaar.scheduler.enabled", "true"),
                    Map.entry("pansaar.scheduler.interval", "1s"),
                    Map.entry("pansaar.scheduler.lease", "3s"),
                    Map.entry("pansaar.segments.\"hot\".base-ttl", "4s"),
                    Map.entry("pansaar.segments.\"hot\".min-ttl", "4s"),
                    Map.entry("pansaar.segments.\"hot\".max-ttl", "4s"),
                    Map.entry("pansaar.segments.\"hot\".grace", "2s"),
                    Map.entry("pansaar.segments.\"hot\".stale-if-error", "2s"),
                    Map.entry("pansaar.priority.half-life", "5s"),
                    Map.entry("pansaar.refresh.max-per-second", "1000"),
                    Map.entry("pansaar.refresh.min-expected-requests", "1"));
        }
    }

    private static final Duration TTL = Duration.ofSeconds(4);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    ImageStore store;

    @Test
    void aKeyReadContinuouslyNeverMissesAcrossTenTtlsWhileAnUnreadKeyExpires() throws InterruptedException {
        ImageKey read = TestKeys.unique("hot", "png");
        ImageKey unread = TestKeys.unique("hot", "png");
        origin.serve(read.value(), Reply.image(TestImages.png(3_000), "image/png"));
        origin.serve(unread.value(), Reply.image(TestImages.png(3_000), "image/png"));
        assertEquals(ReadOutcome.MISS, read(read));
        assertEquals(ReadOutcome.MISS, read(unread));
        // Waiting on the details, which record no request, so the unread image stays unread.
        await().atMost(WAIT).until(() -> cached(read) && cached(unread));

        Map<ReadOutcome, Integer> outcomes = new EnumMap<>(ReadOutcome.class);
        long end = System.nanoTime() + TTL.multipliedBy(10).toNanos();
        while (System.nanoTime() < end) {
            outcomes.merge(read(read), 1, Integer::sum);
            Thread.sleep(100);
        }

        assertEquals(0, outcomes.getOrDefault(ReadOutcome.MISS, 0), "outcomes of the continuous reads: " + outcomes);
        // Without early refresh each TTL would end in a stale read that waits for the refresh it enqueues.
        assertTrue(outcomes.getOrDefault(ReadOutcome.STALE, 0) <= 2, "outcomes of the continuous reads: " + outcomes);
        int refreshes = origin.fetches(read.value()) - 1;
        assertTrue(refreshes >= 9 && refreshes <= 25, refreshes + " refreshes in ten TTLs");

        assertEquals(1, origin.fetches(unread.value()), "the unread image was never refreshed");
        assertTrue(store.details(unread).await().atMost(WAIT).isEmpty(), "the unread image expired");
    }

    private ReadOutcome read(ImageKey key) {
        return store.read(key).await().atMost(WAIT).outcome();
    }

    private boolean cached(ImageKey key) {
        return store.details(key).await().atMost(WAIT).isPresent();
    }
}
