package io.pansaar.key;

import java.util.ArrayList;
import java.util.List;

/**
 * The names of every Redis key Pansaar uses. All keys of partition p share the hash tag {@code {p}}.
 *
 * <p>Public contract: {@link #image}, {@link #jobs}, {@link #earlyRefresh}, {@link #warm}, {@link #deadLetters} and the consumer group
 * {@link #CONSUMER_GROUP}. The others are internal.
 */
public final class RedisKeys {

    /** The consumer group every worker joins on every job stream. */
    public static final String CONSUMER_GROUP = "pansaar";

    private static final String PREFIX = "pansaar:";
    /**
     * The prefixes of the first partitions, built once: a job names keys of its partition about ten times, and
     * concatenating the prefix each time was about 1.5% of a worker's CPU (docs/benchmarks.md, Regenerations).
     */
    private static final String[] PARTITION_PREFIXES = new String[1024];

    static {
        for (int partition = 0; partition < PARTITION_PREFIXES.length; partition++) {
            PARTITION_PREFIXES[partition] = PREFIX + "{" + partition + "}:";
        }
    }

    private RedisKeys() {
    }

    /** Partition p's hash tag prefix, {@code pansaar:{p}:}. */
    public static String partitionPrefix(int partition) {
        if (partition >= 0 && partition < PARTITION_PREFIXES.length) {
            return PARTITION_PREFIXES[partition];
        }
        return PREFIX + "{" + partition + "}:";
    }

    /** The hash holding one image's body and metadata under one TTL. */
    public static String image(int partition, ImageKey key) {
        return partitionPrefix(partition) + "img:" + key.value();
    }

    /** The single-flight marker: present while a job for the key is queued or being fetched. */
    public static String marker(int partition, ImageKey key) {
        return partitionPrefix(partition) + "marker:" + key.value();
    }

    /**
     * The purge record of a key: the fence a purge took while a fetch of the key was in flight, so that fetch's write is
     * refused; it lives as long as the fetch's lease.
     */
    public static String purgeRecord(int partition, ImageKey key) {
        return partitionPrefix(partition) + "purged:" + key.value();
    }

    /**
     * Partition p's purges hash: {@code prefix:<prefix>} and {@code tag:<tag>} to the fence and time of each purge by
     * prefix or by tag of the last fetch lease, by which {@code pansaar_put} refuses the write of a first fetch that
     * began before such a purge (a key with no copy is in no index, so it has no purge record).
     */
    public static String purges(int partition) {
        return partitionPrefix(partition) + "purges";
    }

    /** Where a worker stages a fetched image before {@code pansaar_put} renames it into place. */
    public static String staging(int partition, ImageKey key, String token) {
        return partitionPrefix(partition) + "staging:" + token + ":" + key.value();
    }

    /** Partition p's write-fence counter: every claimed fetch gets the next number. */
    public static String fence(int partition) {
        return partitionPrefix(partition) + "fence";
    }

    /** Partition p's counter for job tokens that {@code pansaar_get} and {@code pansaar_enqueue} make themselves. */
    public static String tokenCounter(int partition) {
        return partitionPrefix(partition) + "token-seq";
    }

    /** Partition p's statistics hash: cumulative counters of reads and jobs, kept by the functions. */
    public static String stats(int partition) {
        return partitionPrefix(partition) + "stats";
    }

    /**
     * Partition p's hit counter: image key to the hits readers counted with HINCRBY, waiting for the scheduler to
     * fold them into the image's priority and the statistics.
     */
    public static String hits(int partition) {
        return partitionPrefix(partition) + "hits";
    }

    /**
     * Partition p's arrivals: image key to the charged bytes of each image a tuned write stored new since the last
     * fold, which drains them into its report.
     */
    public static String arrivals(int partition) {
        return partitionPrefix(partition) + "arrivals";
    }

    /** Partition p's tuning settings: the half-life and newcomer penalty its lease holder tuned, for tuned writes. */
    public static String tuning(int partition) {
        return partitionPrefix(partition) + "tuning";
    }

    /** Partition p's pub/sub channel on which every write publishes the image key it answered. */
    public static String readyChannel(int partition) {
        return partitionPrefix(partition) + "ready";
    }

    /** Partition p's sorted set of image keys by eviction priority; the lowest is evicted first. */
    public static String priorityIndex(int partition) {
        return partitionPrefix(partition) + "priority";
    }

    /**
     * Partition p's schedule: image key to the next time the scheduler must look at the image, its early-refresh due
     * time while that refresh is undecided, else the time Redis expires its hash (for the sweep).
     */
    public static String schedule(int partition) {
        return partitionPrefix(partition) + "schedule";
    }

    /**
     * Partition p's keys index: every image held, each scored 0, so Redis orders it by key and a purge by prefix lists
     * the images under the prefix with ZRANGEBYLEX. The functions name it themselves, beside the priority index.
     */
    public static String keysIndex(int partition) {
        return partitionPrefix(partition) + "keys";
    }

    /**
     * Partition p's tags hash: image key to its tags, space-separated, for each held image that has any. It outlives an
     * image hash Redis expired, so the image still leaves its tags' indexes. The functions name it themselves.
     */
    public static String tags(int partition) {
        return partitionPrefix(partition) + "tags";
    }

    /**
     * Partition p's index of one tag: the held images filed under it, each scored 0, which a purge by tag lists with
     * ZRANGEBYLEX. The functions name it themselves.
     */
    public static String tagIndex(int partition, String tag) {
        return partitionPrefix(partition) + "tag:" + tag;
    }

    /**
     * The fetch permits of one origin ({@code scheme://host:port}), for the whole fleet: holder to when the permit
     * lapses. Its keys share the hash tag {@code {o:<origin>}}, so its functions run on one node of a cluster.
     */
    public static String originPermits(String origin) {
        return originPrefix(origin) + "permits";
    }

    /** One origin's shared state: its pause, circuit breaker, rate schedule and counters. */
    public static String originState(String origin) {
        return originPrefix(origin) + "state";
    }

    private static String originPrefix(String origin) {
        return PREFIX + "{o:" + origin + "}:";
    }

    /** Partition p's count of the bytes its indexed images hold. */
    public static String usedBytes(int partition) {
        return partitionPrefix(partition) + "bytes";
    }

    /**
     * Partition p's count of the charged bytes of its images on probation (ranked from ImageLayout's
     * PROBATION_RANKS_FROM). The functions name it themselves, beside the priority index.
     */
    public static String probationBytes(int partition) {
        return partitionPrefix(partition) + "probation-bytes";
    }

    /**
     * Partition p's most requested images on probation, each ranked as its score would rank it in main (a sorted set of
     * at most 16, for the status page's hot keys). The functions name it themselves, beside the priority index.
     */
    public static String probationHotKeys(int partition) {
        return partitionPrefix(partition) + "probation-hot";
    }

    /**
     * Partition p's hash of image key to its change history and, while the image is held, the bytes it counts against
     * the memory budget ({@code <exposure ms>:<changes>:<charged bytes>}); for as many images that left, the change
     * history alone ({@code <exposure ms>:<changes>}).
     */
    public static String histories(int partition) {
        return partitionPrefix(partition) + "history";
    }

    /** Partition p's sorted set of the images that left (evicted or expired) whose history is remembered, by when. */
    public static String departed(int partition) {
        return partitionPrefix(partition) + "departed";
    }

    /**
     * Partition p's six indexes, in the order the functions take them: priority, schedule, used bytes, histories,
     * departed, and the repair state (whose presence tells a write that the used bytes are being rebuilt).
     */
    public static List<String> indexes(int partition) {
        return List.of(priorityIndex(partition), schedule(partition), usedBytes(partition), histories(partition),
                departed(partition), repairState(partition));
    }

    /**
     * The indexes a partition written by API 6 or older holds and API 7 replaced: sizes (now in the history entries),
     * expiry and refresh (now the schedule). {@code pansaar_repair} folds them in and deletes them.
     */
    public static List<String> api6Indexes(int partition) {
        return List.of(partitionPrefix(partition) + "sizes", partitionPrefix(partition) + "expiry",
                partitionPrefix(partition) + "refresh");
    }

    /** The given keys followed by partition p's {@link #indexes}: the KEYS of every function that files images. */
    public static List<String> withIndexes(int partition, String... keys) {
        List<String> all = new ArrayList<>(List.of(keys));
        all.addAll(indexes(partition));
        return all;
    }

    /**
     * Partition p's repair state: while the scheduler rebuilds the partition's used bytes, where its walk of the
     * priority index has got to, the bytes counted so far and the images counted.
     */
    public static String repairState(int partition) {
        return partitionPrefix(partition) + "repair";
    }

    /** Partition p's scheduler lease: the holder alone runs the partition's duties. */
    public static String lease(int partition) {
        return partitionPrefix(partition) + "lease";
    }

    /**
     * The workers taking part in the scheduler, with their last announcement: the one key outside any partition,
     * read and written once per worker per tick.
     */
    public static String schedulerWorkers() {
        return PREFIX + "scheduler:workers";
    }

    /** Partition p's job stream. */
    public static String jobs(int partition) {
        return partitionPrefix(partition) + "jobs";
    }

    /**
     * Partition p's early-refresh stream: the scheduler's early refreshes (reason {@code refresh}), which nobody waits
     * for, taken after the job stream and before the warm stream. Not {@code refresh}: API 6's refresh index had that
     * name, and {@code pansaar_repair} still folds in and deletes such a key.
     */
    public static String earlyRefresh(int partition) {
        return partitionPrefix(partition) + "early-refresh";
    }

    /**
     * Partition p's warm stream: warm-up jobs (reason {@code warm}), in the job stream's entry format, which workers
     * take only with the capacity the job stream leaves them, so a warm-up backlog never holds up a miss.
     */
    public static String warm(int partition) {
        return partitionPrefix(partition) + "warm";
    }

    /** Partition p's dead-letter stream. */
    public static String deadLetters(int partition) {
        return partitionPrefix(partition) + "dead";
    }

    /** Partition p's events stream: one entry per outcome (regenerated, not-modified, negative, ...), capped. */
    public static String events(int partition) {
        return partitionPrefix(partition) + "events";
    }
}
