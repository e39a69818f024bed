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
 * @param hotKeys          the {@value #HOT_KEYS} images of highest eviction priority, highest first
 * @param warm             the warm stream's queue: warm-up jobs, run with the capacity the job and early-refresh
 *                         streams leave
 * @param earlyRefresh     the early-refresh stream's queue: the scheduler's early refreshes, run with the capacity
 *                         the job stream leaves
 * @param priority         the half-life and newcomer penalty the partition's eviction priority counts with now
 */
public record PartitionState(int partition, long length, long pending, String oldestPendingId, Long lag,
        List<ConsumerState> consumers, long deadLetters, Map<String, Long> statistics, Memory memory,
        boolean groupExists, List<HotKey> hotKeys, LaneQueue warm, LaneQueue earlyRefresh, Priority priority) {

    /** Hot keys reported per partition: a ZREVRANGE of this many costs Redis O(log n + 5). */
    public static final int HOT_KEYS = 5;

    /**
     * A lower lane's stream of the partition: {@code pansaar:{p}:warm} or {@code pansaar:{p}:early-refresh}.
     *
     * @param length  entries in it (XLEN): jobs queued, in flight or waiting for a retry
     * @param pending entries delivered to a consumer and not yet acknowledged (XPENDING); 0 while the group does not
     *                exist
     */
    public record LaneQueue(long length, long pending) {
    }

    /**
     * An image among the last its partition would evict.
     *
     * @param key      the image key
     * @param priority its score in {@code pansaar:{p}:priority}: log2 of its decayed request count at a fixed time
     *                 origin, less the size term; higher is hotter, and one more is twice the requests
     */
    public record HotKey(String key, double priority) {
    }

    /**
     * The settings of the partition's eviction priority that writes and the scheduler count with now.
     *
     * @param halfLifeMillis  the half-life, in whole ms
     * @param newcomerPenalty how many half-lives a new image's first request is dated back
     * @param probationShare  the probationary stage's share of the partition's budget; 0: no stage
     * @param tuned           true when they come from the partition's tuning hash ({@code pansaar:{p}:tuning}, with
     *                        {@code pansaar.priority.tuning} on), false when they are the configured ones
     */
    public record Priority(long halfLifeMillis, double newcomerPenalty, double probationShare, boolean tuned) {
    }

    /**
     * What the partition holds, as its indexes count it.
     *
     * @param usedBytes   the bytes of the image bodies it holds ({@code pansaar:{p}:bytes})
     * @param images      the images it holds ({@code ZCARD pansaar:{p}:priority})
     * @param leaseHolder the worker that runs its scheduler duties now, or null when none does
     * @param probationImages the images among them on probation ({@code pansaar.priority.probation-share}), ranked
     *                    from 2^52 in the priority index
     * @param probationBytes their charged bytes ({@code pansaar:{p}:probation-bytes})
     */
    public record Memory(long usedBytes, long images, String leaseHolder, long probationImages, long probationBytes) {
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
