package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.nullValue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.key.RedisKeys;
import io.pansaar.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * A deployment without {@code pansaar.admin-token} and without a running worker: admin endpoints
 * refuse everything with 403, and /api/status still answers for streams that no consumer group reads.
 */
@QuarkusTest
@TestProfile(WithoutAdminTokenIT.NoTokenNoWorker.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class WithoutAdminTokenIT {

    /** No admin token (empty counts as unset) and no stream consumer. */
    public static class NoTokenNoWorker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.admin-token", "", "mp.messaging.incoming.regeneration-jobs.enabled", "false");
        }
    }

    @Inject
    RedisDataSource redis;

    @Test
    void adminEndpointsAreForbiddenEvenWithAToken() {
        given().get("/api/dead-letters").then().statusCode(403).contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("pansaar.admin-token"));
        given().header("Authorization", "Bearer test-admin-token").get("/api/dead-letters").then().statusCode(403);
        given().header("Authorization", "Bearer test-admin-token").post("/api/dead-letters/0/1-0/retry").then()
                .statusCode(403);
        given().header("Authorization", "Bearer test-admin-token").delete("/api/dead-letters/0/1-0").then()
                .statusCode(403);
        given().header("Authorization", "Bearer test-admin-token").contentType("application/json")
                .body("{\"keys\": [\"avatars/x.png\"]}").post("/api/purges").then().statusCode(403);
    }

    @Test
    void statusAnswersWhenNoWorkerHasCreatedTheConsumerGroups() {
        String stream = RedisKeys.jobs(5);
        redis.stream(String.class).xadd(stream, Map.of("key", "avatars/waiting.png"));
        redis.hash(String.class).hincrby(RedisKeys.stats(5), "misses", 3);

        given().get("/api/status").then().statusCode(200)
                .body("worker.consumerName", nullValue())
                .body("worker.reading", equalTo(false))
                .body("partitions.groupExists", everyItem(equalTo(false)))
                .body("partitions[5].length", equalTo(1))
                .body("partitions[5].lag", nullValue())
                .body("totals.misses", equalTo(3))
                .body("library.current", equalTo(true));
    }
}
