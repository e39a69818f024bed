package io.pansaar.config;

import io.pansaar.key.Partitioner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Makes the deployment's {@link Partitioner} injectable. */
@ApplicationScoped
public class KeyspaceProducer {

    @Produces
    @ApplicationScoped
    Partitioner partitioner(PansaarConfig config) {
        return partitionerOf(config);
    }

    /**
     * The partitioner of {@code pansaar.partitions}, for code that runs without CDI (the start-up check); everything
     * else injects it. Throws IllegalArgumentException when the setting is below 1.
     */
    public static Partitioner partitionerOf(PansaarConfig config) {
        return new Partitioner(config.partitions());
    }
}
