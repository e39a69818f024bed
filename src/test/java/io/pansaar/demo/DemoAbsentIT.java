package io.pansaar.demo;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.RedisServerResource;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Outside the {@code demo} profile (here the test profile, as in production) no demo bean or route exists. */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class DemoAbsentIT {

    @Test
    void noDemoBeanExists() {
        assertFalse(Arc.container().instance(DemoOrigin.class).isAvailable(), "DemoOrigin");
        assertFalse(Arc.container().instance(DemoTraffic.class).isAvailable(), "DemoTraffic");
    }

    @Test
    void theDemoOriginsPathIsNotFound() {
        given().get("/demo-origin/avatars/a1.png").then().statusCode(404);
    }
}
