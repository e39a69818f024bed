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
        return new Partitioner(config.partitions());
    }
}
