package io.pansaar.config;

import java.time.Duration;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Refuses, at start-up and with a message naming the settings, combinations of settings that would make
 * Pansaar misbehave quietly later.
 */
@Startup
@ApplicationScoped
public class ConfigurationCheck {

    public ConfigurationCheck(PansaarConfig config) {
        check(config);
    }

    /** Throws IllegalArgumentException naming the first inconsistent settings. */
    public static void check(PansaarConfig config) {
        Duration interval = config.scheduler().interval();
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            // Quarkus' scheduler fires at most once a second; a shorter interval would silently stretch.
            throw new IllegalArgumentException("pansaar.scheduler.interval must be at least 1s, was " + interval);
        }
        if (config.scheduler().lease().compareTo(interval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("pansaar.scheduler.lease (" + config.scheduler().lease()
                    + ") must be at least twice pansaar.scheduler.interval (" + interval
                    + "), or leases lapse between ticks");
        }
        if (config.scheduler().batchSize() < 1) {
            throw new IllegalArgumentException("pansaar.scheduler.batch-size must be at least 1, was "
                    + config.scheduler().batchSize());
        }
        if (!(config.refresh().maxPerSecond() >= 0)) {
            throw new IllegalArgumentException("pansaar.refresh.max-per-second must not be negative, was "
                    + config.refresh().maxPerSecond());
        }
        PansaarConfig.partitionMemoryBudget(config).ifPresent(share -> {
            long budget = config.memoryBudget().orElseThrow().asLongValue();
            long largestImage = config.origin().maxBytes().asLongValue();
            if (share < largestImage) {
                // An image larger than its partition's share would be evicted right after every write and
                // fetched again at the next read, for ever.
                throw new IllegalArgumentException("pansaar.memory-budget (" + budget + " bytes) gives each of "
                        + config.partitions() + " partitions " + share + " bytes, less than one image may have "
                        + "(pansaar.origin.max-bytes, " + largestImage + " bytes); raise the budget to at least "
                        + largestImage * config.partitions() + " bytes or lower max-bytes");
            }
        });
    }
}
