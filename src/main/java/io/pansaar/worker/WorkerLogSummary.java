package io.pansaar.worker;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.jboss.logging.Logger;

import io.pansaar.config.PansaarConfig;
import io.pansaar.stream.RedisStreamsConnector;
import io.pansaar.worker.WorkerStatistics.Outcome;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Logs, every {@code pansaar.log.summary-interval}, one INFO line saying what this process's worker did in that
 * interval, and nothing when it did nothing. The jobs themselves log at DEBUG, so a busy worker does not write a line
 * per image.
 */
@ApplicationScoped
public class WorkerLogSummary {

    private static final Logger LOG = Logger.getLogger(WorkerLogSummary.class);

    private final WorkerStatistics statistics;
    private final RedisStreamsConnector connector;
    private final Duration interval;
    private final Map<Outcome, Long> lastCounts = new EnumMap<>(Outcome.class);
    private long lastDeadLettered;
    private long timerId = -1;

    public WorkerLogSummary(WorkerStatistics statistics, @Connector(RedisStreamsConnector.NAME) RedisStreamsConnector connector,
            PansaarConfig config) {
        this.statistics = statistics;
        this.connector = connector;
        this.interval = config.log().summaryInterval();
    }

    void start(@Observes StartupEvent started, Vertx vertx) {
        synchronized (this) {
            remember();
        }
        timerId = vertx.setPeriodic(interval.toMillis(), id -> logSummary());
    }

    void stop(@Observes ShutdownEvent stopping, Vertx vertx) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** Logs what happened since the previous summary, if anything did. */
    synchronized void logSummary() {
        long regenerated = since(Outcome.REGENERATED);
        long notModified = since(Outcome.NOT_MODIFIED);
        long negative = since(Outcome.NEGATIVE);
        long deduplicated = since(Outcome.DEDUPLICATED);
        long failed = since(Outcome.FAILED);
        long deferred = since(Outcome.DEFERRED);
        long deadLettered = connector.deadLettered() - lastDeadLettered;
        remember();
        if (regenerated + notModified + negative + deduplicated + failed + deferred + deadLettered == 0) {
            return;
        }
        LOG.infof("worker, last %ds: %d regenerated, %d not modified, %d negative, %d deduplicated, %d failed, "
                + "%d dead-lettered, %d deferred", interval.toSeconds(), regenerated, notModified, negative, deduplicated, failed,
                deadLettered, deferred);
    }

    private long since(Outcome outcome) {
        return statistics.count(outcome) - lastCounts.get(outcome);
    }

    private void remember() {
        for (Outcome outcome : Outcome.values()) {
            lastCounts.put(outcome, statistics.count(outcome));
        }
        lastDeadLettered = connector.deadLettered();
    }
}
