package io.pansaar.demo;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.jboss.logging.Logger;

import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.ops.PartitionInspector;
import io.pansaar.ops.PartitionState;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.store.ImageStore;
import io.pansaar.store.ReadResult;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Sample reads for the demo, the way an app server would read: one pipelined HGET + pansaar_get per
 * image. Popularity follows a Zipf law, so a few images are hot and most are cold. Every ten
 * seconds it logs what the reads saw. A bean of the {@code demo} build profile only, like {@link DemoOrigin}.
 */
@ApplicationScoped
@IfBuildProfile("demo")
public class DemoTraffic {

    private static final Logger LOG = Logger.getLogger(DemoTraffic.class);
    private static final double ZIPF_EXPONENT = 1.0;

    private final ImageStore store;
    private final PartitionInspector inspector;
    private final int readsPerSecond;
    private final double[] cumulativePopularity;
    private final Map<ReadOutcome, Integer> seen = new EnumMap<>(ReadOutcome.class);
    private int missesEnqueued;
    private int refreshesEnqueued;
    private int failedReads;

    /** The scheduler's counters of {@code pansaar:{p}:stats} that the cache report shows. */
    private static final List<String> CACHE_COUNTERS = List.of("evicted", "expired", "refreshed-early", "refresh-skipped");

    /** The scheduler's counters at the last cache report, to log what the last ten seconds added. */
    private final Map<String, Long> cacheCountersBefore = new HashMap<>();

    public DemoTraffic(ImageStore store, PartitionInspector inspector, PansaarConfig config) {
        this.store = store;
        this.inspector = inspector;
        this.readsPerSecond = config.demo().readsPerSecond();
        this.cumulativePopularity = zipf(config.demo().images(), ZIPF_EXPONENT);
    }

    @Scheduled(every = "1s", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void readSomeImages() {
        for (int i = 0; i < readsPerSecond; i++) {
            ImageKey key = pickKey();
            store.read(key).subscribe().with(this::count, failure -> countFailure(key, failure));
        }
    }

    @Scheduled(every = "10s", delayed = "13s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    synchronized void report() {
        LOG.infof("demo traffic, last 10 s: %d hits; %d stale, served at once (%d enqueued a refresh); %d misses"
                + " (%d enqueued a job, the rest joined a pending one); %d negative (origin 404); %d failed reads",
                seen.getOrDefault(ReadOutcome.HIT, 0), seen.getOrDefault(ReadOutcome.STALE, 0), refreshesEnqueued,
                seen.getOrDefault(ReadOutcome.MISS, 0), missesEnqueued, seen.getOrDefault(ReadOutcome.NEGATIVE, 0),
                failedReads);
        seen.clear();
        missesEnqueued = 0;
        refreshesEnqueued = 0;
        failedReads = 0;
    }

    /** Logs what the partitions hold and what eviction and early refresh did in the last ten seconds. */
    @Scheduled(every = "10s", delayed = "14s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> reportCache() {
        return inspector.inspectAll().invoke(partitions -> {
            if (cacheCountersBefore.isEmpty()) {
                // The first report only takes the counters' baseline: Redis may hold counts from earlier runs.
                CACHE_COUNTERS.forEach(counter -> added(partitions, counter));
                return;
            }
            long bytes = partitions.stream().mapToLong(partition -> partition.memory().usedBytes()).sum();
            long images = partitions.stream().mapToLong(partition -> partition.memory().images()).sum();
            LOG.infof("demo cache, last 10 s: %d evicted, %d expired and swept, %d refreshed before going stale,"
                    + " %d left to expire unread; now %,d bytes in %d images", added(partitions, "evicted"),
                    added(partitions, "expired"), added(partitions, "refreshed-early"),
                    added(partitions, "refresh-skipped"), bytes, images);
        }).onFailure().invoke(failure -> LOG.warnf("demo cache report failed: %s", failure.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private long added(List<PartitionState> partitions, String counter) {
        long total = partitions.stream().mapToLong(partition -> partition.counter(counter)).sum();
        Long before = cacheCountersBefore.put(counter, total);
        return before == null ? total : total - before;
    }

    private synchronized void count(ReadResult result) {
        seen.merge(result.outcome(), 1, Integer::sum);
        if (result.enqueued() && result.outcome() == ReadOutcome.MISS) {
            missesEnqueued++;
        } else if (result.enqueued()) {
            refreshesEnqueued++;
        }
    }

    private synchronized void countFailure(ImageKey key, Throwable failure) {
        failedReads++;
        LOG.warnf("demo read of %s failed: %s", key, failure.getMessage());
    }

    private ImageKey pickKey() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int rank = rankOf(random.nextDouble());
        double segment = random.nextDouble();
        if (segment < 0.01) {
            return ImageKey.of("avatars/missing-" + rank + ".png");
        }
        if (segment < 0.70) {
            return ImageKey.of("avatars/u" + rank + ".png");
        }
        if (segment < 0.90) {
            return ImageKey.of("thumbnails/t" + rank + ".png");
        }
        return ImageKey.of("banners/b" + (rank % 10) + ".png");
    }

    private int rankOf(double uniform) {
        int low = 0;
        int high = cumulativePopularity.length - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (cumulativePopularity[middle] < uniform) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low + 1;
    }

    private static double[] zipf(int items, double exponent) {
        double[] cumulative = new double[Math.max(1, items)];
        double total = 0;
        for (int rank = 1; rank <= cumulative.length; rank++) {
            total += 1 / Math.pow(rank, exponent);
            cumulative[rank - 1] = total;
        }
        for (int i = 0; i < cumulative.length; i++) {
            cumulative[i] /= total;
        }
        return cumulative;
    }
}
