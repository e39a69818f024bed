package io.pansaar.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.pansaar.key.RedisKeys;
import io.pansaar.redis.FunctionCalls;
import io.pansaar.redis.RedisReplies;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The Redis side of one partition's scheduler duties: its lease, the folding of readers' hits, the repair of its
 * byte accounting, eviction and sweep, and early refresh.
 */
@ApplicationScoped
public class PartitionDuties {

    /** What one eviction call did: images swept and evicted, and the partition's bytes and images after it. */
    public record EvictionReport(long swept, long evicted, long usedBytes, long images) {
    }

    /** What one fold call did: images and requests folded, and images whose hits still wait. */
    public record FoldReport(long images, long requests, long waiting) {
    }

    /** Where a partition's byte accounting stands after one repair call. */
    public enum RepairOutcome {
        /** No rebuild runs and the checks found nothing wrong. */
        CONSISTENT,
        /** A rebuild runs and goes on at the next call. */
        REPAIRING,
        /** This call finished a rebuild: the used bytes are the sum of the sizes again. */
        REPAIRED
    }

    /**
     * What one repair call did.
     *
     * @param outcome where the partition's byte accounting stands
     * @param visited images this call visited
     * @param damage what this call found wrong when it started a rebuild; empty when it started none
     */
    public record RepairReport(RepairOutcome outcome, long visited, Optional<String> damage) {
    }

    /**
     * An image due for an early refresh.
     *
     * @param key the image key
     * @param accessScore its access score, empty when its hash has expired since
     * @param freshTtlMillis its last fresh TTL, empty when unknown
     */
    public record DueImage(String key, Optional<Double> accessScore, Optional<Long> freshTtlMillis) {
    }

    /** The images due for an early refresh, and the server time at which they were listed. */
    public record DueImages(long serverMillis, List<DueImage> images) {
    }

    private final FunctionCalls functions;

    public PartitionDuties(FunctionCalls functions) {
        this.functions = functions;
    }

    /** Takes the partition's lease, or renews it; returns whether {@code holder} holds it now. */
    public Uni<Boolean> acquireLease(int partition, String holder, long leaseMillis) {
        return functions.call("pansaar_lease", List.of(RedisKeys.lease(partition)), holder, "acquire",
                String.valueOf(leaseMillis))
                .onItem().transform(reply -> reply.get(0).toString().equals("HELD"));
    }

    /** Announces that {@code holder} takes part in the scheduler; returns how many workers do. */
    public Uni<Integer> announce(String holder, long lifetimeMillis) {
        return functions.call("pansaar_workers", List.of(RedisKeys.schedulerWorkers()), holder, "announce",
                String.valueOf(lifetimeMillis)).onItem().transform(Response::toInteger);
    }

    /** Says that {@code holder} no longer takes part in the scheduler. */
    public Uni<Void> leave(String holder, long lifetimeMillis) {
        return functions.call("pansaar_workers", List.of(RedisKeys.schedulerWorkers()), holder, "leave",
                String.valueOf(lifetimeMillis)).replaceWithVoid();
    }

    /** Gives the partition's lease up if {@code holder} holds it. */
    public Uni<Void> releaseLease(int partition, String holder) {
        return functions.call("pansaar_lease", List.of(RedisKeys.lease(partition)), holder, "release", "")
                .replaceWithVoid();
    }

    /**
     * Sweeps up to {@code limit} expired images out of the indexes, then evicts the lowest-priority images, up
     * to {@code limit}, while the partition holds more than {@code budgetBytes} (empty: no budget).
     */
    public Uni<EvictionReport> evict(int partition, String holder, Optional<Long> budgetBytes, int limit) {
        return functions.call("pansaar_evict",
                RedisKeys.withIndexes(partition, RedisKeys.lease(partition), RedisKeys.stats(partition)), holder, budgetBytes.map(String::valueOf).orElse(""),
                String.valueOf(limit))
                .onItem().transform(reply -> new EvictionReport(reply.get(0).toLong(), reply.get(1).toLong(),
                        reply.get(2).toLong(), reply.get(3).toLong()));
    }

    /**
     * Folds the hits that readers counted in the partition's hit counter, for up to {@code limit} images, into the
     * images' priorities and the partition's statistics.
     */
    public Uni<FoldReport> foldHits(int partition, int limit) {
        return functions.call("pansaar_fold_hits", List.of(RedisKeys.hits(partition), RedisKeys.stats(partition),
                RedisKeys.priorityIndex(partition)), String.valueOf(limit))
                .onItem().transform(reply -> new FoldReport(reply.get(0).toLong(), reply.get(1).toLong(),
                        reply.get(2).toLong()));
    }

    /**
     * Checks that the partition's sizes and used bytes agree with its priority index and, when they do not or a
     * rebuild is under way, rebuilds them from up to {@code limit} image hashes.
     */
    public Uni<RepairReport> repair(int partition, String holder, int limit) {
        return functions.call("pansaar_repair", RedisKeys.withIndexes(partition, RedisKeys.lease(partition),
                RedisKeys.stats(partition), RedisKeys.repairState(partition)), holder, String.valueOf(limit))
                .onItem().transform(reply -> new RepairReport(RepairOutcome.valueOf(reply.get(0).toString()),
                        reply.get(1).toLong(), RedisReplies.text(reply.get(2))));
    }

    /** Lists up to {@code limit} images due for an early refresh, the longest due first. */
    public Uni<DueImages> due(int partition, int limit) {
        return functions.call("pansaar_refresh_due", List.of(RedisKeys.refreshIndex(partition)), String.valueOf(limit))
                .onItem().transform(reply -> {
                    List<DueImage> images = new ArrayList<>();
                    for (int i = 1; i + 2 < reply.size(); i += 3) {
                        images.add(new DueImage(reply.get(i).toString(),
                                RedisReplies.text(reply.get(i + 1)).map(Double::valueOf),
                                RedisReplies.text(reply.get(i + 2)).map(Long::valueOf)));
                    }
                    return new DueImages(reply.get(0).toLong(), images);
                });
    }

    /**
     * Enqueues refresh jobs for images of {@code worth}, in order, up to {@code budget} (those with a job pending
     * cost nothing), and takes the decided images and {@code drop} out of the refresh index; returns how many
     * jobs were enqueued.
     */
    public Uni<Long> refreshEarly(int partition, String holder, long queuedMarkerMillis, int budget, List<String> worth,
            List<String> drop) {
        List<String> arguments = new ArrayList<>(List.of(holder, String.valueOf(queuedMarkerMillis),
                String.valueOf(budget), String.valueOf(worth.size())));
        arguments.addAll(worth);
        arguments.addAll(drop);
        return functions.call("pansaar_refresh_early", List.of(RedisKeys.lease(partition),
                RedisKeys.refreshIndex(partition), RedisKeys.jobs(partition), RedisKeys.tokenCounter(partition),
                RedisKeys.stats(partition)), arguments.toArray(String[]::new))
                .onItem().transform(reply -> reply.get(0).toLong());
    }
}
