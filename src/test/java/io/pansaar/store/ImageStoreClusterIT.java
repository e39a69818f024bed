package io.pansaar.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.ClaimOutcome;
import io.pansaar.redis.function.EvictReply;
import io.pansaar.redis.function.FoldHitsReply;
import io.pansaar.redis.function.JobReason;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.redis.function.RefreshDueReply;
import io.pansaar.redis.function.RepairReply;
import io.pansaar.redis.function.Tuning;
import io.pansaar.redis.function.WriteOutcome;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.NoConsumerProfile;
import io.pansaar.testing.RedisClusterResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.worker.WritePlanner;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;

@QuarkusTest
@QuarkusTestResource(value = RedisClusterResource.class, restrictToAnnotatedClass = true)
@TestProfile(NoConsumerProfile.class)
class ImageStoreClusterIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    ImageStore store;

    @Inject
    WritePlanner planner;

    @Inject
    FunctionLibrary library;

    @Inject
    PansaarFunctions functions;

    @Inject
    Partitioner partitioner;

    @Inject
    Vertx vertx;

    @Inject
    RedisDataSource redis;

    /** A direct, non-cluster connection to each primary, by port. */
    private final Map<Integer, Redis> nodes = new HashMap<>();

    @BeforeEach
    void connectToEachNode() {
        for (LocalRedisServer node : RedisClusterResource.cluster().nodes()) {
            nodes.put(node.port(), Redis.createClient(vertx, node.uri()));
        }
    }

    @AfterEach
    void disconnect() {
        nodes.values().forEach(Redis::close);
    }

    @Test
    void theLibraryIsLoadedOnEveryPrimary() {
        assertEquals(3, nodes.size());
        nodes.forEach((port, node) -> assertEquals(library.version(),
                node.send(Request.cmd(Command.FCALL).arg("pansaar_version").arg(0)).await().atMost(WAIT).toString(),
                "node " + port));
    }

    @Test
    void readAndPutWorkOnEveryShard() {
        Map<Integer, ImageKey> keyPerNode = keyOnEveryNode("shard");
        assertEquals(nodes.keySet(), keyPerNode.keySet(), "the test's keys cover every primary");

        keyPerNode.forEach((port, key) -> {
            assertEquals(ReadOutcome.MISS, store.read(key).await().atMost(WAIT).outcome(), key.value());
            byte[] body = ("bytes of " + key).getBytes();
            storeImage(key, body);
            ReadResult hit = store.read(key).await().atMost(WAIT);
            assertEquals(ReadOutcome.HIT, hit.outcome(), key.value());
            assertArrayEquals(body, hit.body().orElseThrow());
            assertEquals(1L, nodes.get(port).send(Request.cmd(Command.EXISTS)
                    .arg(RedisKeys.image(partitioner.partitionOf(key), key))).await().atMost(WAIT).toLong(),
                    "the image lives on node " + port);
            // Its regenerated event is in the same slot, on the same node, appended by the write itself.
            Response lastEvent = nodes.get(port).send(Request.cmd(Command.XREVRANGE)
                    .arg(RedisKeys.events(partitioner.partitionOf(key))).arg("+").arg("-").arg("COUNT").arg("1"))
                    .await().atMost(WAIT);
            Response fields = lastEvent.get(0).get(1);
            assertEquals(List.of("event", "regenerated", "key", key.value()), List.of(fields.get(0).toString(),
                    fields.get(1).toString(), fields.get(2).toString(), fields.get(3).toString()), "on node " + port);
        });
    }

    @Test
    void schedulerDutiesWorkOnEveryShard() throws InterruptedException {
        // The duties' functions reach image hashes and markers through names derived from their declared keys:
        // on a cluster those must be in the same slot, which this proves on every primary.
        Map<Integer, ImageKey> keyPerNode = keyOnEveryNode("duties");
        String holder = "cluster-test-" + UUID.randomUUID();
        for (ImageKey key : keyPerNode.values()) {
            int partition = partitioner.partitionOf(key);
            storeImage(key, new byte[] { 4, 5, 6 });
            assertTrue(functions.acquireLease(partition, holder, 10_000).await().atMost(WAIT));
            // A budget of 0 empties the partition: this image and any other test's in the same partition. An image
            // whose hits still wait in the hit counter is spared by the call that folds them, and goes at the next.
            EvictReply report = functions.evict(partition, holder, Optional.of(0L), 10)
                    .await().atMost(WAIT);
            long evicted = report.evicted();
            for (int call = 0; call < 10 && report.usedBytes() > 0; call++) {
                report = functions.evict(partition, holder, Optional.of(0L), 10).await().atMost(WAIT);
                evicted += report.evicted();
            }
            assertTrue(evicted >= 1, key.value());
            assertEquals(0, report.usedBytes(), key.value());
            assertTrue(store.details(key).await().atMost(WAIT).isEmpty(), "evicted " + key.value());

            // The rebuild of a lost history reads the image hashes through names derived from its declared keys too.
            storeImage(key, new byte[] { 7, 8, 9 }, Duration.ofMillis(400));
            redis.key().del(RedisKeys.histories(partition));
            RepairReply repair = functions.repair(partition, holder, 1_000).await().atMost(WAIT);
            assertEquals(RepairReply.Outcome.REPAIRED, repair.outcome(), key.value());
            assertEquals(ImageLayout.chargedBytes(key.value().length(), 3),
                    StoredImages.charged(redis, partition).get(key.value()), key.value());
        }
        Thread.sleep(400);
        for (ImageKey key : keyPerNode.values()) {
            int partition = partitioner.partitionOf(key);
            RefreshDueReply due = functions.refreshDue(partition, 10).await().atMost(WAIT);
            assertEquals(List.of(key.value()), due.images().stream().map(RefreshDueReply.DueImage::key).toList());
            assertEquals(1L, functions.refreshEarly(partition, holder, 60_000, 1, List.of(key.value()), List.of())
                    .await().atMost(WAIT));
            assertTrue(store.details(key).await().atMost(WAIT).orElseThrow().pendingMarker().isPresent(),
                    "a refresh job is queued for " + key.value());
            functions.releaseLease(partition, holder).await().atMost(WAIT);
        }
    }

    @Test
    void tuningWorksOnEveryShard() {
        // pansaar_tune, a tuned write (the tuning hash read and the arrival recorded beside the image) and the fold that
        // reports it reach only keys of the partition's slot.
        String holder = "cluster-tuning-" + UUID.randomUUID();
        keyOnEveryNode("tuning").forEach((port, key) -> {
            int partition = partitioner.partitionOf(key);
            assertTrue(functions.acquireLease(partition, holder, 10_000).await().atMost(WAIT));
            try {
                Tuning tuning = new Tuning(7_200_000, 2.5);
                assertEquals(tuning, functions.tune(partition, holder, 7_200_000, 2.5).await().atMost(WAIT));
                assertEquals(Optional.of(tuning), functions.tuning(partition).await().atMost(WAIT), "node " + port);
                byte[] body = { 1, 2, 3, 4 };
                Claim claim = store.claim(key, UUID.randomUUID().toString(), System.currentTimeMillis() + 1,
                        JobReason.MANUAL).await().atMost(WAIT);
                FetchedImage image = FetchedImage.of(body, "image/png", Optional.empty(), Optional.empty(),
                        Duration.ofMillis(5));
                assertEquals(WriteOutcome.WRITTEN, store.put(key, claim, image, planner.plan(Duration.ofHours(1),
                        Duration.ofMinutes(1), Duration.ZERO, image.fetchTime(), ChangeHistory.NONE),
                        planner.priorityOf(key, body.length), Optional.empty(), true).await().atMost(WAIT));
                assertEquals("7200000", StoredImages.metaField(redis, RedisKeys.image(partition, key), "half-life"),
                        "written with the stored half-life on node " + port);
                List<FoldHitsReply.FoldedImage> reported = new ArrayList<>();
                FoldHitsReply fold;
                do {
                    fold = functions.foldHits(partition, PansaarFunctions.MAX_IMAGES_PER_CALL, 7_200_000)
                            .await().atMost(WAIT);
                    reported.addAll(fold.folded());
                } while (fold.waiting() > 0);
                assertTrue(reported.contains(new FoldHitsReply.FoldedImage(key.value(), 1,
                        ImageLayout.chargedBytes(key, body.length))), "the arrival reported on node " + port);
            } finally {
                redis.key().del(RedisKeys.tuning(partition));
                functions.releaseLease(partition, holder).await().atMost(WAIT);
            }
        });
    }

    @Test
    void aLostFenceCounterNeverDiscardsTheNextWriteOnAnyShard() {
        keyOnEveryNode("fence").forEach((port, key) -> {
            int partition = partitioner.partitionOf(key);
            storeImage(key, new byte[] { 1 });
            storeImage(key, new byte[] { 2 });
            redis.key().del(RedisKeys.fence(partition));

            storeImage(key, new byte[] { 3 });
            assertArrayEquals(new byte[] { 3 }, store.read(key).await().atMost(WAIT).body().orElseThrow(), key.value());
        });
    }

    @Test
    void aPrimaryThatLostTheLibraryGetsItBackOnTheNextCall() {
        Map<Integer, ImageKey> keyPerNode = keyOnEveryNode("flushed");
        int flushedPort = keyPerNode.keySet().iterator().next();
        ImageKey key = keyPerNode.get(flushedPort);
        Redis flushed = nodes.get(flushedPort);
        flushed.send(Request.cmd(Command.FUNCTION).arg("FLUSH")).await().atMost(WAIT);

        storeImage(key, new byte[] { 1, 2, 3 });

        assertEquals(library.version(), flushed.send(Request.cmd(Command.FCALL).arg("pansaar_version").arg(0))
                .await().atMost(WAIT).toString());
        ReadResult hit = store.read(key).await().atMost(WAIT);
        assertEquals(ReadOutcome.HIT, hit.outcome());
        assertArrayEquals(new byte[] { 1, 2, 3 }, hit.body().orElseThrow());
    }

    private void storeImage(ImageKey key, byte[] body) {
        storeImage(key, body, Duration.ofHours(1));
    }

    private void storeImage(ImageKey key, byte[] body, Duration freshTtl) {
        // Requested just now, so a copy written earlier does not satisfy the claim: a rewrite fetches again.
        Claim claim = store.claim(key, UUID.randomUUID().toString(), System.currentTimeMillis() + 1, JobReason.MANUAL)
                .await().atMost(WAIT);
        assertEquals(ClaimOutcome.CLAIMED, claim.outcome(), claim.detail());
        FetchedImage image = FetchedImage.of(body, "image/png", Optional.empty(), Optional.empty(), Duration.ofMillis(5));
        assertEquals(WriteOutcome.WRITTEN,
                store.put(key, claim, image, planner.plan(freshTtl, Duration.ofMinutes(1), Duration.ZERO,
                        image.fetchTime(), ChangeHistory.NONE), planner.priorityOf(key, body.length))
                        .await().atMost(WAIT));
    }

    /** One fresh key per primary, found by asking which node owns each candidate's slot. */
    private Map<Integer, ImageKey> keyOnEveryNode(String name) {
        Map<Integer, ImageKey> found = new HashMap<>();
        List<Integer> ports = new ArrayList<>(nodes.keySet());
        for (int i = 0; i < 1000 && found.size() < nodes.size(); i++) {
            ImageKey candidate = ImageKey.of("cluster/" + name + "-" + i + "-" + UUID.randomUUID() + ".png");
            found.putIfAbsent(owner(ports, RedisKeys.image(partitioner.partitionOf(candidate), candidate)), candidate);
        }
        return found;
    }

    /** The port of the primary that serves the key: the others answer MOVED. */
    private int owner(List<Integer> ports, String redisKey) {
        for (int port : ports) {
            Optional<Response> answer = nodes.get(port).send(Request.cmd(Command.EXISTS).arg(redisKey))
                    .map(Optional::ofNullable)
                    .onFailure(failure -> String.valueOf(failure.getMessage()).startsWith("MOVED"))
                    .recoverWithItem(Optional.empty())
                    .await().atMost(WAIT);
            if (answer.isPresent()) {
                return port;
            }
        }
        throw new IllegalStateException("no primary serves " + redisKey);
    }
}
