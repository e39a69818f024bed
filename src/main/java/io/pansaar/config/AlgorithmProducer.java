package io.pansaar.config;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.EarlyRefresh;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Makes Pansaar's Algorithm's formulas, with this deployment's parameters, available for injection. */
@ApplicationScoped
public class AlgorithmProducer {

    /** The eviction priority from {@code pansaar.priority.*}. */
    @Produces
    @Singleton
    AccessPriority accessPriority(PansaarConfig config) {
        return accessPriorityOf(config);
    }

    /**
     * The eviction priority {@code pansaar.priority.*} sets, without a stage where there is no memory budget; throws
     * IllegalArgumentException for a bad value.
     */
    public static AccessPriority accessPriorityOf(PansaarConfig config) {
        return accessPriorityOf(config, PansaarConfig.probationShare(config));
    }

    /**
     * The eviction priority {@code pansaar.priority.*} sets, with a stage of {@code probationShare}; throws
     * IllegalArgumentException for a bad value.
     */
    public static AccessPriority accessPriorityOf(PansaarConfig config, double probationShare) {
        return new AccessPriority(config.priority().halfLife().toMillis(), config.priority().sizeExponent(),
                config.priority().newcomerPenalty(), probationShare);
    }

    /**
     * The early refresh from {@code pansaar.refresh.*}. Its lead is two scheduler intervals: one until the
     * scheduler sees the image due, one for the refresh job to be picked up.
     */
    @Produces
    @Singleton
    EarlyRefresh earlyRefresh(PansaarConfig config) {
        return new EarlyRefresh(config.refresh().beta(), 2 * config.scheduler().interval().toMillis(),
                config.refresh().minExpectedRequests());
    }
}
