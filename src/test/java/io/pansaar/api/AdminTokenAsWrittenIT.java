package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.config.PansaarConfig;
import io.pansaar.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * The admin token as operators write it: read from a secret file that ends in a newline, presented
 * with the scheme in any case and with extra spaces; a wrong token is still refused.
 */
@QuarkusTest
@TestProfile(AdminTokenAsWrittenIT.TokenFromASecretFile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class AdminTokenAsWrittenIT {

    /** The token as a secret file holds it, with its trailing newline; no stream consumer. */
    public static class TokenFromASecretFile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.admin-token", "test-admin-token\n",
                    "mp.messaging.incoming.regeneration-jobs.enabled", "false");
        }
    }

    @Inject
    PansaarConfig config;

    @Test
    void theConfiguredTokenReallyEndsInANewline() {
        // Otherwise the test below would prove nothing about trimming.
        assertEquals("test-admin-token\n", config.adminToken().orElseThrow());
    }

    @Test
    void theTokenWorksWhateverTheSchemeCaseAndSpacing() {
        for (String authorization : new String[] { "Bearer test-admin-token", "bearer test-admin-token",
                "BEARER test-admin-token", "Bearer    test-admin-token   ", "bEaReR\ttest-admin-token" }) {
            given().header("Authorization", authorization).get("/api/dead-letters").then().statusCode(200);
        }
    }

    @Test
    void aWrongOrMalformedTokenIsStillRefusedWith401() {
        for (String authorization : new String[] { "Bearer wrong-token", "Bearer test-admin-token-and-more",
                "Bearer test-admin-toke", "Bearer test-admin-token\\n", "Basic dGVzdC1hZG1pbi10b2tlbg==",
                "Bearertest-admin-token", "Bearer", "test-admin-token" }) {
            given().header("Authorization", authorization).get("/api/dead-letters").then().statusCode(401)
                    .contentType(Problem.MEDIA_TYPE).header("WWW-Authenticate", containsString("Bearer"));
        }
        given().get("/api/dead-letters").then().statusCode(401)
                .body("detail", containsString("needs Authorization: Bearer"));
    }
}
