package io.pansaar.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pansaar.origin.OriginGuard.Admission;
import io.pansaar.origin.OriginGuard.Permit;
import io.pansaar.origin.OriginGuard.Reason;
import io.pansaar.origin.OriginGuard.Wait;
import io.pansaar.redis.FunctionCalls;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.OriginState;
import io.pansaar.testing.LocalRedisCluster;
import io.pansaar.testing.LocalRedisConnection;
import io.pansaar.testing.TestConfigs;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * The fleet's permits, pause and circuit breaker per origin, as the Redis functions keep them: each test uses an
 * origin of its own, on a redis-server the test starts, and once on a 3-primary Redis Cluster.
 */
class OriginGuardIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    @Test
    void noMoreThanMaxConcurrencyPermitsAreHeldAndAGivenBackPermitIsFreeAgain() {
        OriginId origin = newOrigin();
        OriginGuard guard = guard(origin, Map.of("max-concurrency", "3"));
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(assertInstanceOf(Permit.class, acquire(guard, origin)));
        }
        Wait busy = assertInstanceOf(Wait.class, acquire(guard, origin));
        assertEquals(Reason.BUSY, busy.reason());
        assertEquals(3, status(guard).inFlight());

        assertEquals(OriginState.CLOSED, release(guard, held.remove(0), Optional.empty()).state());
        assertInstanceOf(Permit.class, acquire(guard, origin));
        assertEquals(1, status(guard).deferred(), "the refused acquire is counted as a deferral");
    }

    @Test
    void aPermitWhoseHolderNeverGivesItBackLapsesAfterTheOriginTimeoutAndFiveSeconds() {
        OriginId origin = newOrigin();
        // A 1 s origin timeout: a permit lasts 6 s.
        OriginGuard guard = guard(origin, Map.of("max-concurrency", "1"), Map.of("pansaar.origin.timeout", "1s",
                "pansaar.worker.fetch-lease", "5s"));
        assertInstanceOf(Permit.class, acquire(guard, origin));
        long takenAt = System.nanoTime();
        Wait busy = assertInstanceOf(Wait.class, acquire(guard, origin));
        assertTrue(busy.retryIn().toMillis() > 5_000 && busy.retryIn().toMillis() <= 6_000, busy.toString());
        // The holder is gone (a killed worker): nobody releases. The permit comes back on its own.
        Admission later = awaitPermit(guard, origin, Duration.ofSeconds(15));
        long waitedMillis = (System.nanoTime() - takenAt) / 1_000_000;
        assertInstanceOf(Permit.class, later);
        assertTrue(waitedMillis >= 5_500, "the permit came back after " + waitedMillis + " ms");
    }

    @Test
    void aRetryAfterPausesTheOriginForEveryoneUpToTheCap() {
        OriginId origin = newOrigin();
        OriginGuard guard = guard(origin, Map.of(), Map.of("pansaar.origin.max-retry-after", "2s"));
        Permit permit = assertInstanceOf(Permit.class, acquire(guard, origin));
        OriginGuard.Condition condition = release(guard, permit,
                Optional.of(failure(FetchFailure.RATE_LIMITED, Optional.of(Duration.ofSeconds(3600)))));
        assertEquals(OriginState.PAUSED, condition.state());
        assertTrue(condition.left().toMillis() <= 2_000 && condition.left().toMillis() > 1_500, condition.toString());

        Wait paused = assertInstanceOf(Wait.class, acquire(guard, origin));
        assertEquals(Reason.PAUSED, paused.reason());
        assertTrue(paused.retryIn().toMillis() <= 2_000, paused.toString());
        assertInstanceOf(Permit.class, awaitPermit(guard, origin, Duration.ofSeconds(5)));
    }

    @Test
    void aFetchThatWorkedDuringAPauseIsToldOfThePauseAndOneAfterItFindsTheOriginClosed() {
        OriginId origin = newOrigin();
        OriginGuard guard = guard(origin, Map.of(), Map.of("pansaar.origin.max-retry-after", "1s"));
        // One fetch is under way when another's Retry-After pauses the origin.
        Permit underWay = assertInstanceOf(Permit.class, acquire(guard, origin));
        Permit limited = assertInstanceOf(Permit.class, acquire(guard, origin));
        assertEquals(OriginState.PAUSED, release(guard, limited,
                Optional.of(failure(FetchFailure.RATE_LIMITED, Optional.of(Duration.ofSeconds(60))))).state());

        OriginGuard.Condition during = release(guard, underWay, Optional.empty());
        assertEquals(OriginState.PAUSED, during.state());
        assertTrue(during.left().toMillis() > 0 && during.left().toMillis() <= 1_000, during.toString());

        // The state still holds when the pause ended; past it, a success finds the origin closed.
        Permit after = awaitPermit(guard, origin, Duration.ofSeconds(5));
        assertEquals(new OriginGuard.Condition(OriginState.CLOSED, Duration.ZERO), release(guard, after, Optional.empty()));
    }

    @Test
    void consecutiveFailuresOpenTheBreakerThenOneProbeDecides() {
        OriginId origin = newOrigin();
        OriginGuard guard = guard(origin, Map.of(), Map.of("pansaar.origin.breaker.failures", "3",
                "pansaar.origin.breaker.open-for", "1s"));
        // Two failures, an answer, then three failures: only consecutive failures count.
        failOnce(guard, origin, FetchFailure.SERVER_ERROR);
        failOnce(guard, origin, FetchFailure.TIMEOUT);
        release(guard, assertInstanceOf(Permit.class, acquire(guard, origin)), Optional.empty());
        failOnce(guard, origin, FetchFailure.CONNECTION_FAILED);
        failOnce(guard, origin, FetchFailure.SERVER_ERROR);
        assertEquals("closed", status(guard).breaker());
        OriginGuard.Condition opened = failOnce(guard, origin, FetchFailure.SERVER_ERROR);
        assertEquals(OriginState.OPEN, opened.state());
        assertEquals("open", status(guard).breaker());
        assertEquals(Reason.OPEN, assertInstanceOf(Wait.class, acquire(guard, origin)).reason());

        // Half-open: one probe at a time; its failure opens the breaker again.
        Permit probe = awaitPermit(guard, origin, Duration.ofSeconds(5));
        assertTrue(probe.probe());
        assertEquals(Reason.PROBING, assertInstanceOf(Wait.class, acquire(guard, origin)).reason());
        assertEquals(OriginState.OPEN, release(guard, probe, Optional.of(failure(FetchFailure.TIMEOUT, Optional.empty()))).state());
        assertEquals(Reason.OPEN, assertInstanceOf(Wait.class, acquire(guard, origin)).reason());

        // The next probe succeeds: the breaker closes and fetches flow.
        Permit second = awaitPermit(guard, origin, Duration.ofSeconds(5));
        assertTrue(second.probe());
        assertEquals(OriginState.CLOSED, release(guard, second, Optional.empty()).state());
        assertEquals("closed", status(guard).breaker());
        assertEquals(2, status(guard).timesOpened());
        Permit after = assertInstanceOf(Permit.class, acquire(guard, origin));
        assertTrue(!after.probe());
    }

    @Test
    void answersThatShowTheOriginIsUpNeverOpenTheBreaker() {
        OriginId origin = newOrigin();
        OriginGuard guard = guard(origin, Map.of(), Map.of("pansaar.origin.breaker.failures", "1"));
        for (FetchFailure answered : List.of(FetchFailure.CLIENT_ERROR, FetchFailure.TOO_LARGE,
                FetchFailure.NOT_AN_IMAGE, FetchFailure.CONTENT_TYPE_NOT_ALLOWED, FetchFailure.REDIRECT_OFF_ORIGIN)) {
            assertEquals(OriginState.CLOSED, failOnce(guard, origin, answered).state(), answered.name());
        }
        assertEquals("closed", status(guard).breaker());
    }

    @Test
    void theRateSpacesFetchesFleetWide() {
        OriginId origin = newOrigin();
        OriginGuard guard = guard(origin, Map.of("max-rate", "2", "max-concurrency", "100"));
        // A burst of one second's worth (2), then one fetch every 500 ms.
        assertInstanceOf(Permit.class, acquire(guard, origin));
        assertInstanceOf(Permit.class, acquire(guard, origin));
        Wait rate = assertInstanceOf(Wait.class, acquire(guard, origin));
        assertEquals(Reason.RATE, rate.reason());
        assertTrue(rate.retryIn().toMillis() > 0 && rate.retryIn().toMillis() <= 500, rate.toString());
    }

    @Test
    void everyFunctionRunsOnACluster() {
        try (LocalRedisCluster cluster = LocalRedisCluster.start()) {
            RedisOptions options = new RedisOptions().setType(RedisClientType.CLUSTER);
            cluster.nodes().forEach(node -> options.addConnectionString(node.uri()));
            Redis clusterRedis = Redis.createClient(REDIS.vertx(), options);
            try {
                OriginId origin = newOrigin();
                FunctionLibrary library = new FunctionLibrary(clusterRedis, REDIS.vertx(), "cluster",
                        List.of(cluster.nodes().get(0).uri()));
                library.loadEverywhere().await().atMost(WAIT);
                OriginGuard guard = new OriginGuard(new PansaarFunctions(new FunctionCalls(clusterRedis, library), 0),
                        new SimpleMeterRegistry(),
                        TestConfigs.pansaarConfig(settings(origin, Map.of("max-concurrency", "1")), Map.of()));
                Permit permit = assertInstanceOf(Permit.class, acquire(guard, origin));
                assertEquals(Reason.BUSY, assertInstanceOf(Wait.class, acquire(guard, origin)).reason());
                release(guard, permit, Optional.empty());
                assertEquals(0, status(guard).inFlight());
            } finally {
                clusterRedis.close();
            }
        }
    }

    private static OriginId newOrigin() {
        return OriginId.of(URI.create("http://" + UUID.randomUUID() + ".example:8080/"));
    }

    private static OriginGuard guard(OriginId origin, Map<String, String> originLimits) {
        return guard(origin, originLimits, Map.of());
    }

    private static OriginGuard guard(OriginId origin, Map<String, String> originLimits, Map<String, String> more) {
        Map<String, String> settings = new HashMap<>(settings(origin, originLimits));
        settings.putAll(more);
        FunctionLibrary library = new FunctionLibrary(REDIS.redis(), REDIS.vertx(), "standalone",
                List.of(REDIS.server().uri()));
        return new OriginGuard(new PansaarFunctions(new FunctionCalls(REDIS.redis(), library), 0),
                new SimpleMeterRegistry(), TestConfigs.pansaarConfig(settings, Map.of()));
    }

    private static Map<String, String> settings(OriginId origin, Map<String, String> originLimits) {
        Map<String, String> settings = new HashMap<>();
        settings.put("pansaar.origin.base-url", origin + "/");
        originLimits.forEach((name, value) -> settings.put("pansaar.origin." + name, value));
        return settings;
    }

    private static Admission acquire(OriginGuard guard, OriginId origin) {
        return guard.acquire(origin).await().atMost(WAIT);
    }

    private static OriginGuard.Condition release(OriginGuard guard, Permit permit, Optional<OriginFetchException> failure) {
        return guard.release(permit, failure).await().atMost(WAIT);
    }

    private static OriginGuard.Condition failOnce(OriginGuard guard, OriginId origin, FetchFailure reason) {
        Permit permit = assertInstanceOf(Permit.class, acquire(guard, origin));
        return release(guard, permit, Optional.of(failure(reason, Optional.empty())));
    }

    private static OriginStatus status(OriginGuard guard) {
        List<OriginStatus> all = guard.status().await().atMost(WAIT);
        assertEquals(1, all.size());
        return all.get(0);
    }

    private static OriginFetchException failure(FetchFailure reason, Optional<Duration> retryAfter) {
        return new OriginFetchException(reason, "test: " + reason, Optional.empty(), OptionalInt.empty(), retryAfter, null);
    }

    /** Asks every 100 ms until a permit is granted, failing after {@code atMost}. */
    private static Permit awaitPermit(OriginGuard guard, OriginId origin, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            if (acquire(guard, origin) instanceof Permit permit) {
                return permit;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no permit for " + origin + " within " + atMost);
    }
}
