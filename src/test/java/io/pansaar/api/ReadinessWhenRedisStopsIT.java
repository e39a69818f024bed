package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.LocalRedisServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;

/** Readiness follows Redis: UP while it answers, DOWN once it is gone, while liveness stays UP. */
@QuarkusTest
@QuarkusTestResource(value = ReadinessWhenRedisStopsIT.StoppableRedis.class, restrictToAnnotatedClass = true)
class ReadinessWhenRedisStopsIT {

    /** A redis-server of this test's own, which the test may kill. */
    public static class StoppableRedis implements QuarkusTestResourceLifecycleManager {

        static volatile LocalRedisServer server;

        @Override
        public Map<String, String> start() {
            server = LocalRedisServer.start();
            return Map.of("quarkus.redis.hosts", server.uri());
        }

        @Override
        public void stop() {
            server.close();
        }
    }

    @Test
    void readinessGoesDownWhenRedisStopsAndLivenessStaysUp() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));

        StoppableRedis.server.kill();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then()
                .statusCode(503).body("status", equalTo("DOWN")));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
