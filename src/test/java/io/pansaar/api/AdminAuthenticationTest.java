package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.TestConfigs;

class AdminAuthenticationTest {

    @Test
    void theConfiguredTokenIsTrimmedAndABlankOneIsUnset() {
        assertEquals(Optional.of("s3cret"), token(Map.of("pansaar.admin-token", "s3cret\n")));
        assertEquals(Optional.of("s3cret"), token(Map.of("pansaar.admin-token", " \ts3cret\r\n")));
        assertEquals(Optional.of("two words"), token(Map.of("pansaar.admin-token", "two words\n")));
        assertEquals(Optional.empty(), token(Map.of("pansaar.admin-token", " \n")));
        assertEquals(Optional.empty(), token(Map.of()));
        // Environment variables are read the same way, as a Kubernetes secret would set one.
        assertEquals(Optional.of("s3cret"),
                AdminAuthentication.configuredToken(TestConfigs.pansaarConfig(Map.of(), Map.of("PANSAAR_ADMIN_TOKEN", "s3cret\n"))));
    }

    @Test
    void theBearerSchemeMatchesInAnyCaseAndTheCredentialsAreTrimmed() {
        for (String field : new String[] { "Bearer s3cret", "bearer s3cret", "BEARER s3cret", "BeArEr s3cret",
                "Bearer   s3cret  ", "Bearer\ts3cret", " Bearer s3cret\t" }) {
            assertEquals(Optional.of("s3cret"), AdminAuthentication.bearerCredentials(field), field);
        }
    }

    @Test
    void otherSchemesAndMissingCredentialsGiveNone() {
        for (String field : new String[] { "Basic czNjcmV0", "Bearers3cret", "Bearer", "Bearer   ", "", "s3cret",
                "Token s3cret" }) {
            assertEquals(Optional.empty(), AdminAuthentication.bearerCredentials(field), field);
        }
        assertEquals(Optional.empty(), AdminAuthentication.bearerCredentials(null));
    }

    private static Optional<String> token(Map<String, String> properties) {
        return AdminAuthentication.configuredToken(TestConfigs.pansaarConfig(properties, Map.of()));
    }
}
