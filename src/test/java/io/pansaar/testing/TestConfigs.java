package io.pansaar.testing;

import java.time.Duration;
import java.util.Map;

import io.pansaar.config.PansaarConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Builds {@link PansaarConfig} outside Quarkus, from properties and environment variables, as the application reads them. */
public final class TestConfigs {

    private TestConfigs() {
    }

    /** The mapping of these properties (keys as in application.properties) and environment variables over the defaults. */
    public static PansaarConfig pansaarConfig(Map<String, String> properties, Map<String, String> environment) {
        // Quarkus' own converter reads durations such as "1s", as the application does.
        return new SmallRyeConfigBuilder().withMapping(PansaarConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "properties", 250))
                .withSources(new EnvConfigSource(environment, 300))
                .build().getConfigMapping(PansaarConfig.class);
    }
}
