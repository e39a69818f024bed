package io.pansaar.config;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/** One process, one name: the job streams' consumer, the scheduler's lease holder and status all show the same. */
@QuarkusTest
@TestProfile(WorkerIdentityIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class WorkerIdentityIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** The scheduler on, ticking every second, with a configured worker name. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.scheduler.enabled", "true",
                    "pansaar.scheduler.interval", "1s",
                    "pansaar.worker.name", "identity-test");
        }
    }

    @Inject
    WorkerIdentity identity;

    @Test
    void theConsumerAndTheLeaseHolderAreOneName() {
        assertTrue(identity.name().matches("identity-test-[0-9a-f]{8}"), identity.name());

        // Status' Redis figures come from a snapshot up to a second old: wait for one taken after every lease.
        JsonPath status = await().atMost(WAIT).until(WorkerIdentityIT::status,
                answer -> answer.getList("partitions.memory.leaseHolder", String.class).stream()
                        .allMatch(Objects::nonNull));

        assertEquals(identity.name(), status.getString("worker.consumerName"));
        List<String> holders = status.getList("partitions.memory.leaseHolder", String.class);
        assertEquals(List.of(identity.name()), holders.stream().distinct().toList());
    }

    private static JsonPath status() {
        return given().get("/api/status").then().statusCode(200).extract().jsonPath();
    }
}
