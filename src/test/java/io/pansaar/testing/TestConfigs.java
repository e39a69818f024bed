package io.pansaar.testing;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import io.pansaar.config.PansaarConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Builds {@link PansaarConfig} outside Quarkus, from properties and environment variables, as the application reads them. */
public final class TestConfigs {

    private static final Path APPLICATION_PROPERTIES = Path.of("src", "main", "resources", "application.properties");

    private TestConfigs() {
    }

    /** src/main/resources/application.properties as written, every profile's keys included. */
    public static Properties applicationProperties() {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(APPLICATION_PROPERTIES)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + APPLICATION_PROPERTIES, e);
        }
        return properties;
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
