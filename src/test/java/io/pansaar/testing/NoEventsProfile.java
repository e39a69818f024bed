package io.pansaar.testing;

import java.util.HashMap;
import java.util.Map;

/**
 * {@link NoConsumerProfile} with the events stream off ({@code pansaar.events.max-length=0}): writes, purges and
 * evictions append no event, so a test sees Redis hold only the images and their indexes.
 */
public class NoEventsProfile extends NoConsumerProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
        overrides.put("pansaar.events.max-length", "0");
        return overrides;
    }
}
