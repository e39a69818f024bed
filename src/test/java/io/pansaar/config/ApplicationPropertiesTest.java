package io.pansaar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.MappingProperties;
import io.pansaar.testing.TestConfigs;

/**
 * application.properties sets a {@code pansaar.} key (outside a profile) only to override its default: one that
 * restates its {@code @WithDefault} is a second copy of the default, which a change of the default would leave
 * behind unnoticed. Such a value belongs there as a commented example.
 */
class ApplicationPropertiesTest {

    private static final Map<String, Optional<String>> MAPPING = MappingProperties.of(PansaarConfig.class);

    @Test
    void noPansaarKeyRestatesItsDefault() {
        assertEquals(List.of(), restatedDefaults(TestConfigs.applicationProperties()));
    }

    @Test
    void noticesARestatedDefault() {
        Properties properties = new Properties();
        properties.setProperty("pansaar.partitions", "16");
        properties.setProperty("pansaar.defaults.freshness-budget", "0.01");
        properties.setProperty("pansaar.worker.concurrency", "32");
        properties.setProperty("%test.pansaar.stream.max-deliveries", "5");
        properties.setProperty("pansaar.segments.\"banners\".base-ttl", "1h");
        properties.setProperty("quarkus.redis.max-pool-size", "48");

        assertEquals(List.of("pansaar.defaults.freshness-budget=0.01", "pansaar.partitions=16"),
                restatedDefaults(properties));
    }

    /** The {@code pansaar.} keys without a profile that are set to exactly their default, as key=value. */
    static List<String> restatedDefaults(Properties properties) {
        List<String> restated = new ArrayList<>();
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            String value = properties.getProperty(key).strip();
            boolean isDefault = key.startsWith("pansaar.")
                    && MAPPING.getOrDefault(MappingProperties.nameOf(key), Optional.empty()).filter(value::equals).isPresent();
            if (isDefault) {
                restated.add(key + "=" + value);
            }
        }
        return restated;
    }
}
