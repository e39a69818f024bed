package io.pansaar.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pansaar.config.PansaarConfig;
import io.pansaar.key.Partitioner;
import io.pansaar.logging.RepeatingFailureLog;
import io.pansaar.origin.OriginGuard;
import io.pansaar.origin.OriginStatus;
import io.pansaar.store.ImageStore;
import io.pansaar.stream.RedisStreamsConnector;
import io.pansaar.worker.WorkerStatistics;
import io.quarkus.arc.ClientProxy;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Meters that describe Redis rather than this process, refreshed on a schedule from the same
 * commands as {@code GET /api/status}, so a scrape costs Redis nothing:
 * {@code pansaar_stream_length}, {@code pansaar_stream_pending}, {@code pansaar_stream_lag},
 * {@code pansaar_lane_length{lane}} and {@code pansaar_lane_pending{lane}} (the lower lanes' streams, apart from the
 * job stream's gauges so that sums over those stay the job backlog), {@code pansaar_dead_letters}, {@code pansaar_cache_bytes},
 * {@code pansaar_cache_images} and (with a memory budget) {@code pansaar_cache_budget_bytes} per partition,
 * {@code pansaar_reads_total{result}} and {@code pansaar_cache_events_total{event}} summed over the
 * partitions' statistics hashes. Also {@code pansaar_jobs_total{outcome="dead_lettered"}}, which the
 * stream consumer counts, {@code pansaar_worker_reading}, whether it reads, and {@code pansaar_reads_unrecorded_total},
 * which the reads of this process count.
 * Per configured origin, fleet-wide: {@code pansaar_origin_in_flight} (fetch permits held),
 * {@code pansaar_origin_breaker_open} (1 while the breaker is open or half-open) and {@code pansaar_origin_paused}
 * (1 while a Retry-After pause lasts); the guard itself counts this process's deferrals in
 * {@code pansaar_origin_deferred_total}.
 */
@Startup
@ApplicationScoped
public class RedisMeters {

    private static final Logger LOG = Logger.getLogger(RedisMeters.class);

    /** The read counters of {@code pansaar:{p}:stats} and their tag values. */
    private static final Map<String, String> READ_COUNTERS = Map.of("hits", "hit", "stale-hits", "stale_hit",
            "stale-if-error-hits", "stale_if_error", "misses", "miss", "negative-hits", "negative_hit");

    /** The scheduler's counters of {@code pansaar:{p}:stats} and their tag values. */
    private static final Map<String, String> CACHE_COUNTERS = Map.of("evicted", "evicted", "expired", "expired",
            "refreshed-early", "refreshed_early", "refresh-skipped", "refresh_skipped", "repaired", "repaired");

    private final PartitionInspector inspector;
    /** Kept here because meters hold their state objects only weakly. */
    private final RedisStreamsConnector connector;
    private final AtomicReference<List<PartitionState>> latest = new AtomicReference<>(List.of());
    private final OriginGuard originGuard;
    private final AtomicReference<Map<String, OriginStatus>> latestOrigins = new AtomicReference<>(Map.of());
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    /** An outage fails every refresh: warned of once a minute, and its end told (see {@link RepeatingFailureLog}). */
    private final RepeatingFailureLog streamRefreshFailures = new RepeatingFailureLog(LOG, "refreshing the stream gauges");
    private final RepeatingFailureLog originRefreshFailures = new RepeatingFailureLog(LOG, "refreshing the origin gauges");
    /**
     * A refresh still waiting for Redis after {@code pansaar.redis-timeout} is given up: refreshes never overlap, so
     * one whose reply never came would otherwise keep every later one from running and freeze the gauges. Not one
     * interval: the first refresh, on a cold JVM against many partitions, may well take longer than a short one.
     */
    private final Duration refreshTimeout;
    /**
     * Set at shutdown, before Quarkus closes the Redis client: a refresh still in flight then fails for a reason that
     * is no fault, and no new one starts.
     */
    private volatile boolean stopping;

    public RedisMeters(PartitionInspector inspector, MeterRegistry registry, PansaarConfig config, Partitioner partitioner,
            @Connector(RedisStreamsConnector.NAME) RedisStreamsConnector connector, ImageStore store,
            OriginGuard originGuard) {
        this.inspector = inspector;
        this.originGuard = originGuard;
        this.connector = connector;
        this.registry = registry;
        this.refreshTimeout = config.redisTimeout();
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            int p = partition;
            gauge(registry, "pansaar.stream.length", p, "Entries in the job stream", state -> state.length());
            gauge(registry, "pansaar.stream.pending", p, "Job entries delivered and not yet acknowledged",
                    state -> state.pending());
            gauge(registry, "pansaar.stream.lag", p, "Job entries not yet delivered to the group (NaN when Redis cannot tell)",
                    state -> state.lag() == null ? Double.NaN : state.lag());
            laneGauges(registry, p, "early_refresh", state -> state.earlyRefresh().length(),
                    state -> state.earlyRefresh().pending());
            laneGauges(registry, p, "warm", state -> state.warm().length(), state -> state.warm().pending());
            gauge(registry, "pansaar.dead.letters", p, "Entries in the dead-letter stream", state -> state.deadLetters());
            gauge(registry, "pansaar.cache.bytes", p, "Bytes the partition's images count: bodies plus their measured overhead",
                    state -> state.memory().usedBytes());
            gauge(registry, "pansaar.cache.images", p, "Images the partition holds", state -> state.memory().images());
            // A constant, exported so that dashboards and alerts compare each partition's bytes with its own share.
            PansaarConfig.partitionMemoryBudget(config, partitioner).ifPresent(budget -> meters.add(
                    Gauge.builder("pansaar.cache.budget", () -> budget).baseUnit("bytes")
                            .tag("partition", String.valueOf(p))
                            .description("The partition's share of pansaar.memory-budget, counted like pansaar_cache_bytes")
                            .register(registry)));
        }
        originGuard.origins().keySet().forEach(origin -> {
            String name = origin.toString();
            meters.add(Gauge.builder("pansaar.origin.in.flight", this,
                    redisMeters -> redisMeters.originValue(name, status -> status.inFlight()))
                    .tag("origin", name).description("Fetch permits held for the origin by every worker")
                    .register(registry));
            meters.add(Gauge.builder("pansaar.origin.breaker.open", this,
                    redisMeters -> redisMeters.originValue(name, status -> status.breakerOpen() ? 1 : 0))
                    .tag("origin", name).description("1 while the origin's circuit breaker is open or half-open, else 0")
                    .register(registry));
            meters.add(Gauge.builder("pansaar.origin.paused", this,
                    redisMeters -> redisMeters.originValue(name, status -> status.pausedForMillis() > 0 ? 1 : 0))
                    .tag("origin", name).description("1 while a Retry-After from the origin pauses its fetches, else 0")
                    .register(registry));
        });
        CACHE_COUNTERS.forEach((counter, event) -> meters.add(
                FunctionCounter.builder("pansaar.cache.events", this, redisMeters -> redisMeters.sum(counter))
                        .tag("event", event).description("Evictions, sweeps, early refreshes and repairs, all processes")
                        .register(registry)));
        READ_COUNTERS.forEach((counter, result) -> meters.add(
                FunctionCounter.builder("pansaar.reads", this, redisMeters -> redisMeters.sum(counter))
                        .tag("result", result).description("Reads answered by the cache functions, all processes")
                        .register(registry)));
        // The store itself, built now on the start-up thread, not its client proxy: a proxy builds the store at its
        // first call, and a scrape that came first (tests that restart the application in one JVM) failed to resolve
        // the store's configuration from the metrics handler's thread.
        meters.add(FunctionCounter.builder("pansaar.reads.unrecorded", ClientProxy.unwrap(store),
                ImageStore::unrecordedReads)
                .description("Reads of this process answered from the plain read alone, because Redis refused the "
                        + "bookkeeping function (out of memory, library missing); nothing was counted or enqueued")
                .register(registry));
        // Of this process, not of Redis: whether anyone reads is the sum over the processes. XINFO CONSUMERS cannot
        // tell, since Redis 7.0 refreshes a consumer's idle time only when a read hands it entries.
        meters.add(Gauge.builder("pansaar.worker.reading", this, redisMeters -> redisMeters.connector.running() ? 1 : 0)
                .description("1 while this process's stream consumer reads the job streams, else 0 (worker off, "
                        + "stopping, or its reads failing)")
                .register(registry));
        meters.add(FunctionCounter.builder(WorkerStatistics.JOBS_METER, this,
                redisMeters -> redisMeters.connector.deadLettered())
                .tag("outcome", "dead_lettered").description("Jobs finished by this process, by outcome")
                .register(registry));
    }

    /**
     * Unregisters these meters, whose values are bound to this instance: an application restarted
     * in the same JVM (as tests do) registers fresh ones instead of finding these.
     */
    @PreDestroy
    void removeMeters() {
        meters.forEach(registry::remove);
    }

    /** Stops refreshing: the application is shutting down. */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /** Reads the partitions' state again; a failure keeps the previous values and is logged. */
    @Scheduled(every = "${pansaar.metrics.refresh-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        if (stopping) {
            return Uni.createFrom().voidItem();
        }
        Uni<Void> partitions = inspector.inspectAll().ifNoItem().after(refreshTimeout).failWith(this::noReply)
                .invoke(latest::set).invoke(streamRefreshFailures::succeeded)
                .onFailure().invoke(failure -> logRefreshFailure("stream", streamRefreshFailures, failure))
                .onFailure().recoverWithNull().replaceWithVoid();
        Uni<Void> origins = originGuard.status().ifNoItem().after(refreshTimeout).failWith(this::noReply)
                .invoke(statuses -> latestOrigins.set(statuses.stream()
                        .collect(Collectors.toUnmodifiableMap(OriginStatus::origin, status -> status))))
                .invoke(originRefreshFailures::succeeded)
                .onFailure().invoke(failure -> logRefreshFailure("origin", originRefreshFailures, failure))
                .onFailure().recoverWithNull().replaceWithVoid();
        return Uni.join().all(partitions, origins).andCollectFailures().replaceWithVoid();
    }

    /** A failed refresh is a warning, but for one the shutdown cut short, which is logged at DEBUG. */
    private void logRefreshFailure(String gauges, RepeatingFailureLog failures, Throwable failure) {
        String message = "could not refresh the " + gauges + " gauges from Redis: " + firstLine(failure);
        if (stopping) {
            LOG.debug(message);
        } else {
            failures.failed(message);
        }
    }

    private TimeoutException noReply() {
        return new TimeoutException("Redis did not answer within " + refreshTimeout + " (pansaar.redis-timeout)");
    }

    private double originValue(String origin, ToDoubleFunction<OriginStatus> value) {
        OriginStatus status = latestOrigins.get().get(origin);
        return status == null ? Double.NaN : value.applyAsDouble(status);
    }

    private void gauge(MeterRegistry registry, String name, int partition, String description,
            ToDoubleFunction<PartitionState> value) {
        meters.add(Gauge.builder(name, this, redisMeters -> redisMeters.valueOf(partition, value))
                .tag("partition", String.valueOf(partition)).description(description).register(registry));
    }

    /** The length and pending gauges of one lower lane's stream in one partition, tagged with the lane. */
    private void laneGauges(MeterRegistry registry, int partition, String lane, ToDoubleFunction<PartitionState> length,
            ToDoubleFunction<PartitionState> pending) {
        meters.add(Gauge.builder("pansaar.lane.length", this, redisMeters -> redisMeters.valueOf(partition, length))
                .tags("partition", String.valueOf(partition), "lane", lane)
                .description("Entries in a lower lane's stream: queued, in flight or waiting for a retry").register(registry));
        meters.add(Gauge.builder("pansaar.lane.pending", this, redisMeters -> redisMeters.valueOf(partition, pending))
                .tags("partition", String.valueOf(partition), "lane", lane)
                .description("A lower lane's entries delivered and not yet acknowledged").register(registry));
    }

    private double valueOf(int partition, ToDoubleFunction<PartitionState> value) {
        List<PartitionState> states = latest.get();
        return partition < states.size() ? value.applyAsDouble(states.get(partition)) : Double.NaN;
    }

    /** A batch failure lists every command's error; the first line says enough, every few seconds. */
    private static String firstLine(Throwable failure) {
        String message = String.valueOf(failure.getMessage()).strip();
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end) + " (and more)";
    }

    /**
     * A counter summed over the partitions; NaN until Redis has answered once. A process would otherwise report 0 and
     * then the fleet's whole total, which rate() takes for a burst of that many reads (or evictions) at every start.
     */
    private double sum(String counter) {
        List<PartitionState> states = latest.get();
        if (states.isEmpty()) {
            return Double.NaN;
        }
        ToLongFunction<PartitionState> count = state -> state.counter(counter);
        return states.stream().mapToLong(count).sum();
    }
}
