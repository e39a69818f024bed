package io.pansaar.simulator.policy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import io.pansaar.simulator.trace.Request;

/**
 * A policy's capacity split evenly between several copies of it, as production splits its memory budget between
 * partitions ({@code pansaar.partitions}): each copy evicts against its own share, among its own objects. An object
 * goes to the copy that production's partitioner would pick for the key {@code img/<id>.png}: the CRC32 of its UTF-8
 * bytes modulo the number of partitions.
 */
public final class PartitionedPolicy implements Policy {

    private final Policy[] partitions;
    private final PolicyStats stats;

    private PartitionedPolicy(Policy[] partitions, PolicyStats stats) {
        this.partitions = partitions;
        this.stats = stats;
    }

    /**
     * The named policy split into {@code count} partitions of {@code capacity / count} bytes each, each created for
     * the requests of its own objects alone (which an oracle looks ahead in).
     */
    public static Policy create(String name, long capacity, List<Request> trace, Freshness freshness,
            PansaarSettings pansaar, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + count);
        }
        List<List<Request>> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(new ArrayList<>());
        }
        for (Request request : trace) {
            requests.get(partitionOf(request.id(), count)).add(request);
        }
        long share = capacity / count;
        Policy[] partitions = new Policy[count];
        for (int i = 0; i < count; i++) {
            partitions[i] = Policies.create(name, share, requests.get(i), freshness, pansaar);
        }
        return new PartitionedPolicy(partitions, new PolicyStats(partitions[0].stats().name(), share * count));
    }

    /** The partition of object {@code id} among {@code count}, as production's partitioner picks it for its key. */
    static int partitionOf(long id, int count) {
        CRC32 crc = new CRC32();
        crc.update(("img/" + id + ".png").getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % count);
    }

    @Override
    public void record(Request request) {
        Policy partition = partitions[partitionOf(request.id(), partitions.length)];
        PolicyStats own = partition.stats();
        long hits = own.hits();
        long evictions = own.evictions();
        long refreshes = own.refreshes();
        partition.record(request);
        // Each request ends as one hit or one miss of the partition it went to; the replay's own corrections (a hit
        // on an expired copy, a stale hit) are made to these counters, which the partitions never see.
        if (own.hits() > hits) {
            stats.recordHit(request.size());
        } else {
            stats.recordMiss(request.size());
        }
        for (long i = evictions; i < own.evictions(); i++) {
            stats.recordEviction();
        }
        for (long i = refreshes; i < own.refreshes(); i++) {
            stats.recordRefresh();
        }
    }

    @Override
    public void finished() {
        long requests = 0;
        for (Policy partition : partitions) {
            partition.finished();
            requests += partition.stats().requests();
        }
        if (requests != stats.requests()) {
            throw new IllegalStateException(stats.name() + ": the partitions recorded " + requests
                    + " requests, the whole " + stats.requests());
        }
    }

    @Override
    public PolicyStats stats() {
        return stats;
    }

    @Override
    public boolean managesFreshness() {
        return partitions[0].managesFreshness();
    }

    @Override
    public long fetchedAt(long id) {
        return partitions[partitionOf(id, partitions.length)].fetchedAt(id);
    }
}
