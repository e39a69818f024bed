package io.pansaar.key;

import java.util.ArrayList;
import java.util.List;

/**
 * The names of every Redis key Pansaar uses. All keys of partition p share the hash tag {@code {p}}.
 *
 * <p>Public contract: {@link #image}, {@link #jobs}, {@link #deadLetters} and the consumer group
 * {@link #CONSUMER_GROUP}. The others are internal.
 */
public final class RedisKeys {

    /** The consumer group every worker joins on every job stream. */
    public static final String CONSUMER_GROUP = "pansaar";

    private static final String PREFIX = "pansaar:";

    private RedisKeys() {
    }

    /** Partition p's hash tag prefix, {@code pansaar:{p}:}. */
    public static String partitionPrefix(int partition) {
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

    /** Partition p's pub/sub channel on which every write publishes the image key it answered. */
    public static String readyChannel(int partition) {
        return partitionPrefix(partition) + "ready";
    }

    /** Partition p's sorted set of image keys by eviction priority; the lowest is evicted first. */
    public static String priorityIndex(int partition) {
        return partitionPrefix(partition) + "priority";
    }

    /** Partition p's sorted set of image keys by the time Redis expires their hash, for the sweep. */
    public static String expiryIndex(int partition) {
        return partitionPrefix(partition) + "expiry";
    }

    /** Partition p's sorted set of image keys by the time they fall due for an early refresh. */
    public static String refreshIndex(int partition) {
        return partitionPrefix(partition) + "refresh";
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

    /** Partition p's hash of image key to the bytes it counts against the memory budget. */
    public static String sizes(int partition) {
        return partitionPrefix(partition) + "sizes";
    }

    /** Partition p's count of the bytes its indexed images hold. */
    public static String usedBytes(int partition) {
        return partitionPrefix(partition) + "bytes";
    }

    /**
     * Partition p's hash of image key to its change history ({@code <exposure ms>:<changes>}), for the images it
     * holds and as many that left.
     */
    public static String histories(int partition) {
        return partitionPrefix(partition) + "history";
    }

    /** Partition p's sorted set of the images that left (evicted or expired) whose history is remembered, by when. */
    public static String departed(int partition) {
        return partitionPrefix(partition) + "departed";
    }

    /**
     * Partition p's seven indexes, in the order the functions take them: priority, expiry, refresh, sizes, used
     * bytes, histories, departed.
     */
    public static List<String> indexes(int partition) {
        return List.of(priorityIndex(partition), expiryIndex(partition), refreshIndex(partition), sizes(partition),
                usedBytes(partition), histories(partition), departed(partition));
    }

    /** The given keys followed by partition p's {@link #indexes}: the KEYS of every function that files images. */
    public static List<String> withIndexes(int partition, String... keys) {
        List<String> all = new ArrayList<>(List.of(keys));
        all.addAll(indexes(partition));
        return all;
    }

    /**
     * Partition p's repair state: while the scheduler rebuilds the partition's sizes and used bytes, where its walk
     * of the priority index has got to.
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

    /** Partition p's dead-letter stream. */
    public static String deadLetters(int partition) {
        return partitionPrefix(partition) + "dead";
    }
}
