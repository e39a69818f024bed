package io.pansaar.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;

/**
 * The worker spreads its jobs over the event loops: many jobs against a slow-ish origin, each job's write step
 * recording the thread it ran on, must have used more than one event loop when there are several. Before jobs were
 * spread, every job ran on the loop that read the job streams, so a process used one core for its jobs.
 */
@QuarkusTest
@TestProfile(JobEventLoopsIT.FourEventLoops.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class JobEventLoopsIT {

    private static final int EVENT_LOOPS = 4;
    private static final int JOBS = 64;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Four event loops whatever the machine's cores, and the recording TTL policy in place of the real one. */
    public static class FourEventLoops implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.vertx.event-loops-pool-size", String.valueOf(EVENT_LOOPS),
                    "pansaar.worker.concurrency", "16");
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(ThreadRecordingTtlPolicy.class);
        }
    }

    /** The production TTL policy, recording which thread each job's write step asked it on. */
    @Alternative
    @ApplicationScoped
    public static class ThreadRecordingTtlPolicy implements TtlPolicy {

        /** The thread each key's job chose its TTL on. */
        static final Map<String, String> THREAD_OF_KEY = new ConcurrentHashMap<>();

        @Inject
        PansaarTtlPolicy policy;

        @Override
        public Lifetime lifetime(Regeneration regeneration) {
            THREAD_OF_KEY.put(regeneration.key().value(), Thread.currentThread().getName());
            return policy.lifetime(regeneration);
        }
    }

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Test
    void jobsRunOnMoreThanOneEventLoop() {
        byte[] png = TestImages.png(5_000);
        Set<String> keys = ConcurrentHashMap.newKeySet();
        for (int job = 0; job < JOBS; job++) {
            ImageKey key = ImageKey.of("avatars/" + UUID.randomUUID() + "-" + job + ".png");
            keys.add(key.value());
            // Slow enough that many jobs are in flight at once, so a single loop would hold them all.
            origin.serve(key.value(), Reply.image(png, "image/png").withDelay(Duration.ofMillis(20)));
            redis.stream(String.class).xadd(RedisKeys.jobs(partitioner.partitionOf(key)),
                    Map.of("key", key.value(), "reason", "manual"));
        }

        await().atMost(WAIT).until(() -> ThreadRecordingTtlPolicy.THREAD_OF_KEY.keySet().containsAll(keys));

        Set<String> threads = ConcurrentHashMap.newKeySet();
        keys.forEach(key -> threads.add(ThreadRecordingTtlPolicy.THREAD_OF_KEY.get(key)));
        assertTrue(threads.stream().allMatch(thread -> thread.startsWith("vert.x-eventloop-thread-")),
                "every job runs on an event loop, not on " + threads);
        assertTrue(threads.size() > 1, JOBS + " jobs on " + EVENT_LOOPS + " event loops all ran on " + threads);
    }
}
