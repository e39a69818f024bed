package io.pansaar.worker;

import java.util.concurrent.atomic.LongAdder;

import jakarta.enterprise.context.ApplicationScoped;

/** What this process's worker has done since it started. */
@ApplicationScoped
public class WorkerStatistics {

    private final LongAdder regenerated = new LongAdder();
    private final LongAdder notModified = new LongAdder();
    private final LongAdder negative = new LongAdder();
    private final LongAdder deduplicated = new LongAdder();
    private final LongAdder superseded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder malformed = new LongAdder();

    /** A snapshot of the counters. */
    public record Snapshot(long regenerated, long notModified, long negative, long deduplicated, long superseded,
            long failed, long malformed) {
    }

    void recordRegenerated() {
        regenerated.increment();
    }

    void recordNotModified() {
        notModified.increment();
    }

    void recordNegative() {
        negative.increment();
    }

    void recordDeduplicated() {
        deduplicated.increment();
    }

    void recordSuperseded() {
        superseded.increment();
    }

    void recordFailed() {
        failed.increment();
    }

    void recordMalformed() {
        malformed.increment();
    }

    /** The counters as they are now. */
    public Snapshot snapshot() {
        return new Snapshot(regenerated.sum(), notModified.sum(), negative.sum(), deduplicated.sum(), superseded.sum(),
                failed.sum(), malformed.sum());
    }
}
