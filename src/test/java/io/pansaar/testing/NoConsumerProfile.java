package io.pansaar.testing;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * A profile for tests that inspect the job streams themselves: the worker's stream consumer is off,
 * so nothing consumes the jobs the test enqueues. The Redis gauges are refreshed only hourly, so no
 * periodic batch runs while a test counts the commands Redis executed.
 */
public class NoConsumerProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("mp.messaging.incoming.regeneration-jobs.enabled", "false",
                "pansaar.metrics.refresh-interval", "1h");
    }
}
