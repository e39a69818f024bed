package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class EvictionPolicyCheckTest {

    @Test
    void onlyAllKeysPoliciesAreWarnedAbout() {
        for (String policy : new String[] { "allkeys-lru", "allkeys-lfu", "allkeys-random" }) {
            String warning = EvictionPolicyCheck.warningFor(policy).orElseThrow();
            assertTrue(warning.contains(policy) && warning.contains("volatile-lru"), warning);
        }
        for (String policy : new String[] { "noeviction", "volatile-lru", "volatile-lfu", "volatile-random",
                "volatile-ttl" }) {
            assertEquals(Optional.empty(), EvictionPolicyCheck.warningFor(policy), policy);
        }
    }
}
