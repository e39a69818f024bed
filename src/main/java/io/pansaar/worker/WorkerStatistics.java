package io.pansaar.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pansaar.origin.FetchResult;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What this process's worker has done since it started: the one place the worker reports to, and
 * the source of its meters ({@code pansaar_jobs_total{outcome}}, {@code pansaar_regeneration_seconds},
 * {@code pansaar_origin_fetch_seconds{result}}, {@code pansaar_origin_bytes},
 * {@code pansaar_origin_tags_dropped_total}).
 */
@ApplicationScoped
public class WorkerStatistics {

    /** The meter counting finished jobs, tagged with their outcome. */
    public static final String JOBS_METER = "pansaar.jobs";

    /** How a job ended in this process. */
    public enum Outcome {
        REGENERATED, NOT_MODIFIED, NEGATIVE, DEDUPLICATED, SUPERSEDED, FAILED, MALFORMED, DEFERRED;

        /** The value of the meter's outcome tag. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Outcome, LongAdder> outcomes = new EnumMap<>(Outcome.class);
    private final Timer regeneration;
    private final Map<Class<? extends FetchResult>, Timer> originFetches;
    private final DistributionSummary originBytes;
    private final Counter droppedTags;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    public WorkerStatistics(MeterRegistry registry) {
        this.registry = registry;
        for (Outcome outcome : Outcome.values()) {
            LongAdder count = new LongAdder();
            outcomes.put(outcome, count);
            meters.add(FunctionCounter.builder(JOBS_METER, count, LongAdder::sum).tag("outcome", outcome.tag())
                    .description("Jobs finished by this process, by outcome").register(registry));
        }
        regeneration = Timer.builder("pansaar.regeneration").publishPercentileHistogram()
                .description("Time from claiming a key's fetch lease to the write in Redis (or the failure)")
                .register(registry);
        originFetches = Map.of(FetchResult.Fetched.class, originTimer(registry, "fetched"),
                FetchResult.NotModified.class, originTimer(registry, "not_modified"),
                FetchResult.NotFound.class, originTimer(registry, "not_found"));
        originBytes = DistributionSummary.builder("pansaar.origin").baseUnit("bytes").publishPercentileHistogram()
                .description("Size of the image bodies fetched from origins").register(registry);
        droppedTags = Counter.builder("pansaar.origin.tags.dropped")
                .description("Tags in origins' Surrogate-Key and Cache-Tag headers dropped for breaking the rules "
                        + "(more than 32 an image, or not 1 to 128 characters of A-Z a-z 0-9 . _ : / -)")
                .register(registry);
        meters.add(regeneration);
        meters.addAll(originFetches.values());
        meters.add(originBytes);
        meters.add(droppedTags);
    }

    /**
     * Unregisters these meters, whose values are bound to this instance: an application restarted
     * in the same JVM (as tests do) registers fresh ones instead of finding these.
     */
    @PreDestroy
    void removeMeters() {
        meters.forEach(registry::remove);
    }

    private static Timer originTimer(MeterRegistry registry, String result) {
        return Timer.builder("pansaar.origin.fetch").tag("result", result).publishPercentileHistogram()
                .description("Origin fetches that got an answer, by result, redirects included").register(registry);
    }

    /** A snapshot of the counters. */
    public record Snapshot(long regenerated, long notModified, long negative, long deduplicated, long superseded,
            long failed, long malformed) {
    }

    void record(Outcome outcome) {
        outcomes.get(outcome).increment();
    }

    void recordRegeneration(Duration elapsed) {
        regeneration.record(elapsed);
    }

    void recordOriginFetch(FetchResult result) {
        originFetches.get(result.getClass()).record(result.elapsed());
        if (result instanceof FetchResult.Fetched fetched) {
            originBytes.record(fetched.body().length);
            droppedTags.increment(fetched.droppedTags());
        }
    }

    /** The counters as they are now. */
    public Snapshot snapshot() {
        return new Snapshot(count(Outcome.REGENERATED), count(Outcome.NOT_MODIFIED), count(Outcome.NEGATIVE),
                count(Outcome.DEDUPLICATED), count(Outcome.SUPERSEDED), count(Outcome.FAILED), count(Outcome.MALFORMED));
    }

    /** How many jobs ended with {@code outcome} in this process so far. */
    long count(Outcome outcome) {
        return outcomes.get(outcome).sum();
    }
}
