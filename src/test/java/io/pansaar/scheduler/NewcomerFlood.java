package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import io.pansaar.key.ImageKey;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.RedisClock;
import io.pansaar.testing.StoredImages;
import io.quarkus.redis.datasource.RedisDataSource;

/**
 * Traffic on which a partition's tuner raises the newcomer penalty one factor of 1.5 (PartitionTuningIT says why): warm
 * images written and read once at t0, a flood of new images at t0 + 1.4 half-lives that takes the partition over its
 * share, the warm images read again, and one more read past t0 + 2 half-lives, which ends the penalty's second window.
 * Each step runs the partition's duties once, as a tick would, and the test checks what it expects in between.
 */
final class NewcomerFlood {

    /** When the flood arrives after the warm images, in half-lives. */
    static final double FLOOD_AT = 1.4;
    private static final Duration HOUR = Duration.ofHours(1);

    private final ImageStore store;
    private final PartitionScheduler scheduler;
    private final RedisDataSource redis;
    private final int partition;
    private final List<ImageKey> warm;
    private final List<ImageKey> flood;
    /** Redis' clock just before the warm images' reads were folded, where the tuner's windows start. */
    private long t0;

    NewcomerFlood(ImageStore store, PartitionScheduler scheduler, RedisDataSource redis, int partition,
            List<ImageKey> warm, List<ImageKey> flood) {
        this.store = store;
        this.scheduler = scheduler;
        this.redis = redis;
        this.partition = partition;
        this.warm = warm;
        this.flood = flood;
    }

    /** Writes the warm images, reads each once and runs the duties, which fold the reads: t0. */
    void warmUp() {
        StoredImages.writeAll(store, warm, TuningProfile.BODY, HOUR, 8);
        StoredImages.readAllHits(store, warm);
        t0 = RedisClock.millis(redis);
        runDuties();
    }

    /** At t0 + 1.4 half-lives writes the flood and runs the duties, which evict. */
    void flood() throws InterruptedException {
        RedisClock.sleepUntil(redis, t0 + Math.round(FLOOD_AT * TuningProfile.HALF_LIFE_MILLIS));
        StoredImages.writeAll(store, flood, TuningProfile.BODY, HOUR, 8);
        runDuties();
    }

    /** Reads every warm image again and runs the duties, which fold the reads. */
    void readWarmAgain() {
        StoredImages.readAllHits(store, warm);
        runDuties();
    }

    /** Past the end of the penalty's second window reads one warm image and runs the duties: the tuner judges it. */
    void endSecondWindow() throws InterruptedException {
        RedisClock.sleepUntil(redis, t0 + 2 * TuningProfile.HALF_LIFE_MILLIS + 100);
        StoredImages.readAllHits(store, warm.subList(0, 1));
        runDuties();
    }

    private void runDuties() {
        assertTrue(scheduler.runDuties(partition), "this worker holds the partition's lease");
    }
}
