package io.pansaar.testing;

import java.util.HashMap;
import java.util.Map;

/**
 * {@link NoConsumerProfile} that also names the channel's connector, so the disabled channel is valid
 * whether or not application.properties configures it.
 */
public class StoreTestProfile extends NoConsumerProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
        overrides.put("mp.messaging.incoming.regeneration-jobs.connector", "pansaar-redis-streams");
        return overrides;
    }
}
