package io.pansaar.metrics;

import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Filters applied to every meter of the Prometheus registry. */
public class MeterFilters {

    /**
     * Drops Vert.x's connection-pool meters of the Redis client (tagged {@code clientType=redis} or
     * {@code pool.type=redis}):
     * the client opens a second pool under the same name for the stream consumers' dedicated
     * connections, which would register the same gauges twice and log a warning at every start.
     * The {@code pansaar_*} meters report what operators need.
     */
    @Produces
    @Singleton
    MeterFilter dropRedisPoolMeters() {
        return MeterFilter.deny(id -> "redis".equals(id.getTag("clientType")) || "redis".equals(id.getTag("pool.type")));
    }
}
