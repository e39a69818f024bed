package io.pansaar.config;

import org.jboss.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Mints this process' {@link WorkerIdentity} once, for the stream connector, the scheduler and status alike. */
@ApplicationScoped
public class WorkerIdentityProducer {

    private static final Logger LOG = Logger.getLogger(WorkerIdentityProducer.class);

    @Produces
    @Singleton
    WorkerIdentity workerIdentity(PansaarConfig config) {
        WorkerIdentity identity = WorkerIdentity.mint(config.worker().name());
        LOG.infof("this worker is %s: its consumer name in the job streams' group and its scheduler lease holder",
                identity);
        return identity;
    }
}
