package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** Without {@code pansaar.admin-token}, {@code POST /api/regenerations} refuses every request, whatever it presents. */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@TestProfile(NoAdminTokenProfile.class)
class RegenerationsWithoutAdminTokenIT {

    @Test
    void everyRequestIsRefusedWith403() {
        for (String authorization : new String[] { "Bearer test-admin-token", "Bearer ", "Basic dXNlcjpwYXNz" }) {
            given().contentType(ContentType.JSON).header("Authorization", authorization)
                    .body(Map.of("key", "avatars/x.png")).post("/api/regenerations")
                    .then().statusCode(403).contentType("application/problem+json")
                    .body("detail", containsString("pansaar.admin-token is set"));
        }
        given().contentType(ContentType.JSON).body(Map.of("key", "avatars/x.png")).post("/api/regenerations")
                .then().statusCode(403);
    }
}
