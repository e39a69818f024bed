package io.pansaar.ops;

import java.util.List;
import java.util.Map;

/**
 * One partition's queue and counters as Redis reported them in one batch.
 *
 * @param partition        the partition number
 * @param length           entries in the job stream (XLEN): queued, in flight or waiting for a retry
 * @param pending          entries delivered to a consumer and not yet acknowledged (XPENDING)
 * @param oldestPendingId  the smallest pending entry id, or null when nothing is pending
 * @param lag              entries not yet delivered to the group (XINFO GROUPS); null when Redis cannot tell,
 *                         or when the group does not exist yet
 * @param consumers        the group's consumers (XINFO CONSUMERS); empty when the group does not exist yet
 * @param deadLetters      entries in the dead-letter stream (XLEN)
 * @param statistics       the cumulative counters of {@code pansaar:{p}:stats}
 * @param memory           the images the partition holds and who runs its scheduler duties
 * @param groupExists      false until a worker has created the consumer group on this partition's stream
 */
public record PartitionState(int partition, long length, long pending, String oldestPendingId, Long lag,
        List<ConsumerState> consumers, long deadLetters, Map<String, Long> statistics, Memory memory,
        boolean groupExists) {

    /**
     * What the partition holds, as its indexes count it.
     *
     * @param usedBytes   the bytes of the image bodies it holds ({@code pansaar:{p}:bytes})
     * @param images      the images it holds ({@code ZCARD pansaar:{p}:priority})
     * @param leaseHolder the worker that runs its scheduler duties now, or null when none does
     */
    public record Memory(long usedBytes, long images, String leaseHolder) {
    }

    /**
     * One consumer of the group.
     *
     * @param name        its name, unique per worker process
     * @param pending     entries it holds unacknowledged
     * @param idleMillis  milliseconds since it last read or claimed
     */
    public record ConsumerState(String name, long pending, long idleMillis) {
    }

    /** A counter of the statistics hash, 0 when it was never incremented. */
    public long counter(String name) {
        return statistics.getOrDefault(name, 0L);
    }
}
