package io.pansaar.api;

import java.util.List;
import java.util.Map;

import io.pansaar.ops.PartitionState;
import io.pansaar.origin.OriginStatus;

/**
 * The body of {@code GET /api/status}.
 *
 * @param worker     this process's stream consumer
 * @param library    the Redis Function library this process expects and what the servers run
 * @param process    what this process's worker has done since it started
 * @param totals     cumulative counters of every process, summed over the partitions' {@code pansaar:{p}:stats}
 * @param partitions each partition's queue
 * @param origins    each configured origin's fleet-wide permits, pause and circuit breaker
 */
public record StatusReport(Worker worker, Library library, ProcessTotals process, Totals totals,
        List<PartitionState> partitions, List<OriginStatus> origins) {

    /**
     * This process in the consumer group.
     *
     * @param consumerName its consumer name, or null when the worker is off
     * @param reading      true while it reads the job streams
     * @param inFlight     jobs delivered to it and not yet finished
     * @param parked       jobs it holds back until their origin takes fetches again (a pause, an open breaker, every
     *                     permit in use); they use no delivery and do not count toward in-flight
     */
    public record Worker(String consumerName, boolean reading, int inFlight, int parked) {
    }

    /**
     * The function library.
     *
     * @param version the version this deployment loads
     * @param loaded  what {@code FCALL pansaar_version} answers on each primary (host:port), null where absent
     * @param current true when every primary runs {@code version}
     */
    public record Library(String version, Map<String, String> loaded, boolean current) {
    }

    /** Jobs this process finished since it started, by outcome. */
    public record ProcessTotals(long regenerated, long notModified, long negative, long deduplicated, long superseded,
            long failed, long malformed, long deadLettered) {
    }

    /**
     * Cumulative counters kept in Redis by the functions, over all processes and partitions, and what the
     * partitions hold now; {@code memoryBudgetBytes} is {@code pansaar.memory-budget}, null when none is set.
     */
    public record Totals(long jobsProcessed, long jobsDeduplicated, long regenerated, long notModified, long negative,
            long failed, long deadLettered, long hits, long staleHits, long staleIfErrorHits, long misses,
            long negativeHits, long evicted, long expired, long refreshedEarly, long refreshSkipped, long repaired,
            long purged, long softPurged, long usedBytes, long images, Long memoryBudgetBytes) {

        /** The sums of the partitions' statistics hashes and memory figures, with the configured budget. */
        public static Totals of(List<PartitionState> partitions, Long memoryBudgetBytes) {
            return new Totals(sum(partitions, "jobs-processed"), sum(partitions, "jobs-deduplicated"),
                    sum(partitions, "regenerated"), sum(partitions, "not-modified"), sum(partitions, "negative"),
                    sum(partitions, "failed"), sum(partitions, "dead-lettered"), sum(partitions, "hits"),
                    sum(partitions, "stale-hits"), sum(partitions, "stale-if-error-hits"), sum(partitions, "misses"),
                    sum(partitions, "negative-hits"), sum(partitions, "evicted"), sum(partitions, "expired"),
                    sum(partitions, "refreshed-early"), sum(partitions, "refresh-skipped"), sum(partitions, "repaired"),
                    sum(partitions, "purged"), sum(partitions, "soft-purged"),
                    partitions.stream().mapToLong(partition -> partition.memory().usedBytes()).sum(),
                    partitions.stream().mapToLong(partition -> partition.memory().images()).sum(), memoryBudgetBytes);
        }

        private static long sum(List<PartitionState> partitions, String counter) {
            return partitions.stream().mapToLong(partition -> partition.counter(counter)).sum();
        }
    }
}
