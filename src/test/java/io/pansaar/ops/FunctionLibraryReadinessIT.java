package io.pansaar.ops;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.pansaar.redis.FunctionLibrary;
import io.pansaar.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A Redis that lost the function library (restarted without persistence, flushed) gets it back from the readiness
 * check alone: here the scheduler is off and no job or read calls a function meanwhile.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class FunctionLibraryReadinessIT {

    @Inject
    RedisDataSource redis;

    @Inject
    FunctionLibrary library;

    @Test
    void aLostLibraryIsLoadedAgainByTheReadinessCheck() {
        redis.execute("FUNCTION", "FLUSH");
        given().get("/q/health/ready").then().statusCode(503);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then()
                .statusCode(200).body("status", equalTo("UP")));
        assertEquals(library.version(), redis.execute("FCALL", "pansaar_version", "0").toString());
    }
}
