package io.pansaar.redis;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.pansaar.config.PansaarConfig;
import io.pansaar.key.Partitioner;
import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.vertx.redis.client.RedisOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Sizes the Redis connection pool from the worker's concurrency. Every job in flight has a Redis call out most of
 * the time, each on a pooled connection of its own (two for a moment: the write and the origin permit's return), so
 * a pool smaller than {@code pansaar.worker.concurrency} makes jobs queue for connections instead of for Redis, and a
 * wait queue smaller than that fails them. The configured
 * {@code quarkus.redis.max-pool-size} and {@code max-pool-waiting} are floors: what the REST reads, the scheduler and
 * the blocking stream reads need beside the jobs.
 */
@ApplicationScoped
public class RedisPoolSizing implements RedisOptionsCustomizer {

    /** Connections kept beside the jobs' for the REST reads, the scheduler and the operations endpoints. */
    static final int RESERVE = 16;

    private static final Logger LOG = Logger.getLogger(RedisPoolSizing.class);

    private final int concurrency;
    private final int streamReaders;

    public RedisPoolSizing(PansaarConfig config, Partitioner partitioner,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this.concurrency = config.worker().concurrency();
        // One blocking read for all streams on a single Redis, one per partition on a cluster (RedisStreamConsumer).
        this.streamReaders = "cluster".equalsIgnoreCase(clientType) ? partitioner.partitions() : 1;
    }

    @Override
    public void customize(String clientName, RedisOptions options) {
        int poolSize = poolSize(options.getMaxPoolSize(), concurrency, streamReaders);
        int poolWaiting = poolWaiting(options.getMaxPoolWaiting(), concurrency);
        if (poolSize != options.getMaxPoolSize() || poolWaiting != options.getMaxPoolWaiting()) {
            LOG.infof("Redis client %s: pool of %d connections (configured %d) and a wait queue of %d (configured %d), "
                    + "for pansaar.worker.concurrency %d", clientName, poolSize, options.getMaxPoolSize(), poolWaiting,
                    options.getMaxPoolWaiting(), concurrency);
        }
        options.setMaxPoolSize(poolSize).setMaxPoolWaiting(poolWaiting);
    }

    /** At least {@code configured}, and room for every job's call, the stream reads and the {@link #RESERVE}. */
    static int poolSize(int configured, int concurrency, int streamReaders) {
        return Math.max(configured, concurrency + streamReaders + RESERVE);
    }

    /**
     * At least {@code configured}, and twice the concurrency: a job briefly has a second call out (the write and the
     * permit's return), and a burst of reads must not fail jobs for want of a place in the queue.
     */
    static int poolWaiting(int configured, int concurrency) {
        return Math.max(configured, 2 * concurrency);
    }
}
