package io.pansaar.api;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.jboss.logging.Logger;

import io.pansaar.ops.PartitionInspector;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.stream.RedisStreamsConnector;
import io.pansaar.worker.WorkerStatistics;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code GET /api/status}: queues, consumers, counters and the function library, for people and dashboards. */
@Path("/api/status")
@Tag(name = "Operations")
public class StatusResource {

    private static final Logger LOG = Logger.getLogger(StatusResource.class);
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(5);

    private final PartitionInspector inspector;
    private final FunctionLibrary library;
    private final RedisStreamsConnector connector;
    private final WorkerStatistics statistics;

    public StatusResource(PartitionInspector inspector, FunctionLibrary library,
            @Connector(RedisStreamsConnector.NAME) RedisStreamsConnector connector, WorkerStatistics statistics) {
        this.inspector = inspector;
        this.library = library;
        this.connector = connector;
        this.statistics = statistics;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Queue length, pending jobs, lag and consumers per partition; job and read counters; library version")
    public Uni<StatusReport> status() {
        return Uni.combine().all().unis(inspector.inspectAll(), library.loadedVersions()).asTuple()
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(answers -> {
                    Map<String, String> loaded = new TreeMap<>();
                    answers.getItem2().forEach((address, version) -> loaded.put(address, version.orElse(null)));
                    boolean current = answers.getItem2().values().stream()
                            .allMatch(version -> version.filter(library.version()::equals).isPresent());
                    WorkerStatistics.Snapshot done = statistics.snapshot();
                    return new StatusReport(
                            new StatusReport.Worker(connector.consumerName().orElse(null), connector.running(),
                                    connector.inFlight()),
                            new StatusReport.Library(library.version(), loaded, current),
                            new StatusReport.ProcessTotals(done.regenerated(), done.notModified(), done.negative(),
                                    done.deduplicated(), done.superseded(), done.failed(), done.malformed(),
                                    connector.deadLettered()),
                            StatusReport.Totals.of(answers.getItem1()), answers.getItem1());
                })
                .onFailure().transform(failure -> {
                    LOG.warnf("GET /api/status: Redis did not answer: %s", failure.toString());
                    return new ProblemException(Response.Status.SERVICE_UNAVAILABLE,
                            "Redis did not answer: " + Optional.ofNullable(failure.getMessage()).orElse(failure.toString()));
                });
    }
}
