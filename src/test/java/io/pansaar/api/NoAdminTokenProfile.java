package io.pansaar.api;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** No {@code pansaar.admin-token}: admin endpoints must refuse every request. */
public class NoAdminTokenProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pansaar.admin-token", "");
    }
}
