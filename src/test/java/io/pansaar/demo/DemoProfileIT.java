package io.pansaar.demo;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.RedisServerResource;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Built with the {@code demo} profile, as {@code ./demo} builds it, the application has the demo origin and traffic. */
@QuarkusTest
@TestProfile(DemoProfileIT.Demo.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class DemoProfileIT {

    /** The test profile's settings under the demo's; no sample reads, so no jobs go to the demo's fixed base URL. */
    public static class Demo implements QuarkusTestProfile {

        @Override
        public String getConfigProfile() {
            return "test,demo";
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.demo.reads-per-second", "0");
        }
    }

    @Test
    void theDemoBeansExist() {
        assertTrue(Arc.container().instance(DemoOrigin.class).isAvailable(), "DemoOrigin");
        assertTrue(Arc.container().instance(DemoTraffic.class).isAvailable(), "DemoTraffic");
    }

    @Test
    void theDemoOriginServesImagesLikeAnOrigin() {
        String etag = given().get("/demo-origin/avatars/a1.png").then().statusCode(200)
                .header("Content-Type", equalTo("image/png")).header("ETag", notNullValue())
                .extract().header("ETag");
        given().header("If-None-Match", etag).get("/demo-origin/avatars/a1.png").then().statusCode(304);
        given().get("/demo-origin/avatars/missing-1.png").then().statusCode(404);
    }
}
