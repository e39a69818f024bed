package io.pansaar.api;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Readers of a missing image wait only 300 ms, so a slow origin makes them time out. */
public class ShortReadThroughProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pansaar.read-through.timeout", "300ms");
    }
}
