package io.pansaar.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.jboss.logging.Logger;

import io.pansaar.config.PansaarConfig;
import io.pansaar.ops.PartitionInspector;
import io.pansaar.ops.PartitionState;
import io.pansaar.ops.SharedSnapshot;
import io.pansaar.origin.OriginGuard;
import io.pansaar.origin.OriginStatus;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.stream.RedisStreamsConnector;
import io.pansaar.worker.WorkerStatistics;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple3;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /api/status}: queues, consumers, counters and the function library, for people and dashboards.
 * Needs no token, so what it asks of Redis must not grow with its callers: the Redis figures come from a
 * snapshot read at most once per {@link #SNAPSHOT_PERIOD} and shared by all callers.
 */
@Path("/api/status")
@Tag(name = "Operations")
@Singleton
public class StatusResource {

    /** The most a status answer's Redis figures can lag behind Redis. */
    static final Duration SNAPSHOT_PERIOD = Duration.ofSeconds(1);

    private static final Logger LOG = Logger.getLogger(StatusResource.class);

    private final FunctionLibrary library;
    private final RedisStreamsConnector connector;
    private final WorkerStatistics statistics;
    private final Long memoryBudgetBytes;
    private final SharedSnapshot<Tuple3<List<PartitionState>, Map<String, Optional<String>>, List<OriginStatus>>> redisFigures;

    public StatusResource(PartitionInspector inspector, FunctionLibrary library, OriginGuard originGuard,
            @Connector(RedisStreamsConnector.NAME) RedisStreamsConnector connector, WorkerStatistics statistics,
            PansaarConfig config) {
        this.library = library;
        this.connector = connector;
        this.statistics = statistics;
        this.memoryBudgetBytes = config.memoryBudget().map(budget -> budget.asLongValue()).orElse(null);
        // The timeout ends a read that Redis never answers, so callers stop sharing it and the next one reads again.
        // A failed read is logged once, however many callers share it.
        this.redisFigures = new SharedSnapshot<>(SNAPSHOT_PERIOD,
                () -> Uni.combine().all().unis(inspector.inspectAll(), library.loadedVersions(), originGuard.status())
                        .asTuple()
                        .ifNoItem().after(config.redisTimeout()).fail()
                        .onFailure().invoke(failure -> LOG.warnf("GET /api/status: Redis did not answer: %s",
                                failure.toString())));
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Queue length, pending jobs, lag and consumers per partition; job and read counters; library "
            + "version; each origin's permits, pause and circuit breaker",
            description = "The Redis figures (partitions, totals, library, origins) come from a snapshot shared by all callers "
                    + "and up to one second old; worker and process are this process's own, current figures.")
    public Uni<StatusReport> status() {
        return redisFigures.get()
                .map(answers -> {
                    Map<String, String> loaded = new TreeMap<>();
                    answers.getItem2().forEach((address, version) -> loaded.put(address, version.orElse(null)));
                    boolean current = answers.getItem2().values().stream()
                            .allMatch(version -> version.filter(library.version()::equals).isPresent());
                    WorkerStatistics.Snapshot done = statistics.snapshot();
                    return new StatusReport(
                            new StatusReport.Worker(connector.consumerName().orElse(null), connector.running(),
                                    connector.inFlight(), connector.parked()),
                            new StatusReport.Library(library.version(), loaded, current),
                            new StatusReport.ProcessTotals(done.regenerated(), done.notModified(), done.negative(),
                                    done.deduplicated(), done.superseded(), done.failed(), done.malformed(),
                                    connector.deadLettered()),
                            StatusReport.Totals.of(answers.getItem1(), memoryBudgetBytes), answers.getItem1(), answers.getItem3());
                })
                .onFailure().transform(failure -> new ProblemException(Response.Status.SERVICE_UNAVAILABLE,
                        "Redis did not answer: " + Optional.ofNullable(failure.getMessage()).orElse(failure.toString())));
    }
}
