package io.pansaar.stream;

import java.time.Duration;
import java.util.List;

import io.pansaar.config.PansaarConfig;
import io.pansaar.key.Partitioner;

/**
 * Everything a {@link RedisStreamConsumer} needs to know.
 *
 * @param names               group and stream names
 * @param partitions          how many job streams there are (one per partition)
 * @param cluster             true on Redis Cluster: every partition is then read with its own command and connection
 * @param consumerName        this process' name in the consumer group; unique per process
 * @param maxDeliveries       deliveries of one entry before it moves to the dead-letter stream
 * @param claimIdle           an entry pending this long is taken over from its (presumably dead) consumer
 * @param backoff             delay before a failed entry is delivered again
 * @param batchSize           the most entries one XREADGROUP asks for per stream
 * @param block               how long one XREADGROUP waits for entries
 * @param deadLetterMaxLength dead-letter streams are trimmed to about this many entries
 * @param maxInFlight         entries delivered and not yet acknowledged or failed, above which reading pauses
 * @param maxDefer            an entry deferred ({@link DeferredJobException}) when it is older than this is
 *                            dead-lettered instead
 * @param warmShare           one read in this many takes from the warm streams first; the others take warm-up jobs
 *                            only when the job and early-refresh streams have none
 * @param refreshShare        one read in this many takes from the early-refresh streams first; the others take early
 *                            refreshes only when the job streams have none
 */
public record StreamSettings(StreamNames names, int partitions, boolean cluster, String consumerName, int maxDeliveries,
        Duration claimIdle, RetryBackoff backoff, int batchSize, Duration block, long deadLetterMaxLength,
        int maxInFlight, Duration maxDefer, int warmShare, int refreshShare) {

    public StreamSettings {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        if (maxDeliveries < 1) {
            throw new IllegalArgumentException("pansaar.stream.max-deliveries must be at least 1, was " + maxDeliveries);
        }
        if (batchSize < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("batch-size and max-in-flight must be at least 1");
        }
        if (warmShare < 1) {
            throw new IllegalArgumentException("pansaar.stream.warm-share must be at least 1, was " + warmShare);
        }
        if (refreshShare < 1) {
            throw new IllegalArgumentException("pansaar.stream.refresh-share must be at least 1, was " + refreshShare);
        }
        if (claimIdle.toMillis() < 3) {
            throw new IllegalArgumentException("pansaar.stream.claim-idle is too short: " + claimIdle);
        }
    }

    /** Settings from Pansaar's configuration, with the standard names. */
    public static StreamSettings from(PansaarConfig config, Partitioner partitioner, boolean cluster, String consumerName,
            int maxInFlight) {
        PansaarConfig.Stream stream = config.stream();
        return new StreamSettings(StreamNames.standard(), partitioner.partitions(), cluster, consumerName,
                stream.maxDeliveries(), stream.claimIdle(), new RetryBackoff(stream.retryBackoff(), stream.retryBackoffMax()),
                stream.batchSize(), stream.block(), stream.deadLetterMaxLength(), maxInFlight, config.origin().maxDefer(),
                stream.warmShare(), stream.refreshShare());
    }

    /** Partition p's job stream. */
    public String jobs(int partition) {
        return names.jobs().apply(partition);
    }

    /** Partition p's early-refresh stream, read with the capacity the job streams leave. */
    public String earlyRefresh(int partition) {
        return names.earlyRefresh().apply(partition);
    }

    /** Partition p's warm stream, read with the capacity the job and early-refresh streams leave. */
    public String warm(int partition) {
        return names.warm().apply(partition);
    }

    /** Partition p's job, refresh and warm streams, in the order they are served. */
    public List<String> streams(int partition) {
        return List.of(jobs(partition), earlyRefresh(partition), warm(partition));
    }

    /** Partition p's dead-letter stream. */
    public String deadLetters(int partition) {
        return names.deadLetters().apply(partition);
    }

    /** Partition p's events stream, where dead letters are announced. */
    public String events(int partition) {
        return names.events().apply(partition);
    }

    /** Partition p's statistics hash, where dead letters are counted. */
    public String stats(int partition) {
        return names.stats().apply(partition);
    }

    public String group() {
        return names.group();
    }
}
