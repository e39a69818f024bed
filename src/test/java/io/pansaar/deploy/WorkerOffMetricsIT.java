package io.pansaar.deploy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.NoConsumerProfile;
import io.pansaar.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * What a process reports before it has done anything: with its worker off it reads no job stream, and says so in
 * {@code pansaar_worker_reading}, the meter the alert {@code PansaarNoConsumerReading} sums over the processes
 * (MonitoringFilesIT shows the 1 of one that reads); and before the meters were first refreshed from Redis, the
 * fleet-wide counters are NaN, not 0, so that the first real total is no burst to rate().
 */
@QuarkusTest
@TestProfile(WorkerOffMetricsIT.NothingRunsProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class WorkerOffMetricsIT {

    /** The worker off, and no scheduled method runs: the Redis meters are never refreshed. */
    public static class NothingRunsProfile extends NoConsumerProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("quarkus.scheduler.enabled", "false");
            return overrides;
        }
    }

    @Test
    void workerReadingIsZeroWhileTheWorkerIsOff() {
        given().get("/api/status").then().statusCode(200).body("worker.reading", equalTo(false));
        given().get("/q/metrics").then().statusCode(200).body(containsString("\npansaar_worker_reading 0.0\n"));
    }

    @Test
    void theFleetCountersAreNaNUntilRedisHasAnsweredOnce() {
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("\npansaar_reads_total{result=\"hit\"} NaN\n"))
                .body(containsString("\npansaar_cache_events_total{event=\"evicted\"} NaN\n"))
                .body(containsString("\npansaar_stream_length{partition=\"0\"} NaN\n"));
    }
}
