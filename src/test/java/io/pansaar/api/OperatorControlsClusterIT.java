package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.OperatorControls;
import io.pansaar.testing.RedisClusterResource;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;

/**
 * The operator's controls on a real 3-primary Redis Cluster: warm-ups queued through the API or by an application, and
 * early refreshes, are fetched and written on every shard, a reader's miss overtakes a backlog of warm-ups spread over the shards, and the
 * events stream of every partition records what a warm-up and a purge did, with no SCAN or KEYS on any node.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisClusterResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class OperatorControlsClusterIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The test profile's pansaar.worker.concurrency: warm-ups can fill this many job slots. */
    private static final int CONCURRENCY = 8;

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    Vertx vertx;

    private OperatorControls controls;
    /** A direct, non-cluster connection to each primary. */
    private final List<Redis> nodes = new ArrayList<>();

    @BeforeEach
    void connect() {
        controls = new OperatorControls(origin, redis, partitioner);
        for (LocalRedisServer node : RedisClusterResource.cluster().nodes()) {
            nodes.add(Redis.createClient(vertx, node.uri()));
        }
    }

    @AfterEach
    void disconnect() {
        nodes.forEach(Redis::close);
    }

    @Test
    void warmUpsAndEarlyRefreshesQueuedThroughTheApiOrByAnApplicationAreFetchedAndWrittenOnEveryShard() {
        List<ImageKey> throughApi = controls.onePerPartition("warm-api/" + UUID.randomUUID() + "/");
        List<ImageKey> warmedByApplication = controls.onePerPartition("warm-app/" + UUID.randomUUID() + "/");
        List<ImageKey> refreshedByApplication = controls.onePerPartition("refresh-app/" + UUID.randomUUID() + "/");
        controls.serve(throughApi, Duration.ZERO);
        controls.serve(warmedByApplication, Duration.ZERO);
        controls.serve(refreshedByApplication, Duration.ZERO);

        controls.warm(throughApi);
        warmedByApplication.forEach(key -> controls.publish(RedisKeys::warm, key, "warm"));
        // The early-refresh lane, which the scheduler fills, is read on every shard as well.
        refreshedByApplication.forEach(key -> controls.publish(RedisKeys::earlyRefresh, key, "refresh"));

        controls.awaitStoredOnce(throughApi);
        controls.awaitStoredOnce(warmedByApplication);
        controls.awaitStoredOnce(refreshedByApplication);
        for (ImageKey key : throughApi) {
            assertEquals(List.of("regenerated"), controls.events(key), key.value());
        }
    }

    /**
     * The lanes on a cluster, where each partition's streams live on their own shard and are read by a reader of their
     * own: a miss read through and a miss an application publishes are fetched while warm-ups queued before them are
     * still waiting, on whichever shards they are. Shown by order, not by time: warm-ups reach the origin after them.
     */
    @Test
    void missesOvertakeABacklogOfWarmUpsSpreadOverTheShards() {
        List<ImageKey> backlog = new ArrayList<>();
        for (int i = 0; i < 8 * CONCURRENCY; i++) {
            backlog.add(ImageKey.of("warm-backlog/" + UUID.randomUUID() + ".png"));
        }
        long partitions = backlog.stream().map(partitioner::partitionOf).distinct().count();
        // Slow enough that the backlog takes several rounds of the worker's job slots.
        controls.serve(backlog, Duration.ofMillis(500));
        ImageKey readThrough = ImageKey.of("avatars/" + UUID.randomUUID() + ".png");
        ImageKey published = ImageKey.of("avatars/" + UUID.randomUUID() + ".png");
        controls.serve(List.of(readThrough, published), Duration.ZERO);

        controls.warm(backlog);
        // Every job slot holds a warm-up before the misses arrive.
        await().atMost(WAIT).until(() -> backlog.stream().filter(key -> origin.fetches(key.value()) > 0).count()
                >= CONCURRENCY);
        // The last warm-up not yet fetched: a reader asks for it after the misses.
        ImageKey warming = backlog.stream().filter(key -> origin.fetches(key.value()) == 0).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("the whole backlog was fetched before the misses arrived"));

        Map<ImageKey, Instant> queuedAt = new LinkedHashMap<>();
        queuedAt.put(published, Instant.now());
        controls.publish(RedisKeys::jobs, published, "miss");
        queuedAt.put(readThrough, Instant.now());
        Response served = readUntilServed(readThrough);
        assertEquals(200, served.statusCode(), served.asString());
        await().atMost(WAIT).until(() -> controls.stored(published));

        queuedAt.forEach((miss, queued) -> {
            Instant fetched = origin.requests(miss.value()).get(0).receivedAt();
            long warmedLater = backlog.stream().filter(key -> origin.fetches(key.value()) == 0
                    || origin.requests(key.value()).get(0).receivedAt().isAfter(fetched)).count();
            long warmedWhileQueued = backlog.stream().flatMap(key -> origin.requests(key.value()).stream())
                    .filter(request -> request.receivedAt().isAfter(queued) && request.receivedAt().isBefore(fetched))
                    .count();
            System.out.printf("lanes on a cluster: %s fetched with %d of %d warm-ups (on %d partitions) still to fetch; "
                    + "%d warm-up fetches began while it was queued%n", miss.value(), warmedLater, backlog.size(),
                    partitions, warmedWhileQueued);
            assertTrue(warmedLater > 0, miss.value() + " was fetched only after every warm-up queued before it");
            // The miss takes the first job slot that frees; warm-ups begin meanwhile only in the other slots freed about
            // then. Two rounds of slots leave room for entries read just before it and for retries.
            assertTrue(warmedWhileQueued < 2 * CONCURRENCY, miss.value() + " waited while " + warmedWhileQueued
                    + " warm-ups began");
        });

        // A reader of a key whose own warm-up is still queued waits for no warm-up's turn, and one fetch serves both.
        System.out.printf("lanes on a cluster: the marker of %s before its read: %s%n", warming.value(),
                redis.value(String.class).get(RedisKeys.marker(partitioner.partitionOf(warming), warming)));
        assertEquals(200, readUntilServed(warming).statusCode());
        assertEquals(1, origin.fetches(warming.value()), "fetched once, for the reader and the warm-up alike");

        // The backlog drains too: the warm lane is read on every shard, not only left behind. (A warm-up's fetch that
        // outlasts pansaar.origin.timeout on a loaded machine is retried, so fetches are not counted here.)
        controls.awaitStored(backlog);
        await().atMost(WAIT).until(() -> controls.warmBacklog() == 0);
    }

    @Test
    void everyShardRecordsRegeneratedAndPurgedEventsWithNoScanOrKeysOnAnyNode() {
        nodes.forEach(node -> node.send(Request.cmd(Command.CONFIG).arg("RESETSTAT")).await().atMost(WAIT));

        controls.warmPurgeAndFollowEvents();

        for (Redis node : nodes) {
            Map<String, Long> calls = OperatorControls.commandCalls(
                    node.send(Request.cmd(Command.INFO).arg("commandstats")).await().atMost(WAIT).toString());
            System.out.println("commands on a cluster node: " + calls);
            assertFalse(calls.containsKey("scan"), calls::toString);
            assertFalse(calls.containsKey("keys"), calls::toString);
            // The commands the functions run inside count too: each node purged by prefix with them.
            assertTrue(calls.containsKey("zrangebylex"), calls::toString);
        }
    }

    /** Reads the key until it is served: past pansaar.read-through.timeout a read answers 503, and a client tries again. */
    private static Response readUntilServed(ImageKey key) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Response served = read(key);
        while (served.statusCode() != 200 && System.nanoTime() < deadline) {
            served = read(key);
        }
        return served;
    }

    private static Response read(ImageKey key) {
        return given().urlEncodingEnabled(false).get("/images/" + key.value());
    }
}
