package io.pansaar.startup;

import org.jboss.logging.Logger;

import io.pansaar.config.KeyspaceProducer;
import io.pansaar.config.PansaarConfig;
import io.pansaar.origin.OriginLimits;
import io.pansaar.origin.OriginPolicy;
import io.pansaar.stream.StreamSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Checks the whole configuration when the application starts, before any other start-up work: Quarkus' scheduler
 * starts at priority 0 and the messaging channels at 1000, and either would touch Redis (a scheduler tick evicts,
 * a consumer reads jobs) with settings that are about to be refused. A bad value stops start-up with a message
 * naming the setting.
 */
@ApplicationScoped
public class StartupCheck {

    private static final Logger LOG = Logger.getLogger(StartupCheck.class);

    /** Before every observer of the start-up event that Quarkus or Pansaar registers. */
    static final int PRIORITY = Integer.MIN_VALUE;

    void checkFirst(@Observes @Priority(PRIORITY) StartupEvent event, PansaarConfig config) {
        try {
            check(config);
        } catch (IllegalArgumentException refused) {
            // One line an operator can act on, before Quarkus' own report of the failed start with its stack trace.
            LOG.errorf("refusing to start: %s", refused.getMessage());
            throw refused;
        }
        MemorySizing.warning(config, Runtime.getRuntime().maxMemory())
                .ifPresent(warning -> LOG.warnf("the heap may be too small: %s", warning));
    }

    /** Throws IllegalArgumentException naming the first setting that a job, a read or the scheduler would trip over. */
    public static void check(PansaarConfig config) {
        ConfigurationCheck.check(config);
        OriginLimits.from(config);
        // Every origin's fleet-wide limits, combined over the segments that share it, as the guard will build them.
        OriginPolicy.of(config);
        // The names do not matter here: only the settings, which the record checks as it is built.
        StreamSettings.from(config, KeyspaceProducer.partitionerOf(config), false, "start-up-check", Math.max(1, 2 * config.worker().concurrency()));
    }
}
