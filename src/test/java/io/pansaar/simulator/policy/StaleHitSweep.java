package io.pansaar.simulator.policy;

import java.io.IOException;
import java.nio.file.Path;

import io.pansaar.algorithm.DynamicTtl;
import io.pansaar.simulator.Simulator;
import io.pansaar.simulator.Trace;
import io.pansaar.simulator.trace.Request;
import io.pansaar.simulator.trace.SyntheticTraceReader;
import io.pansaar.simulator.trace.TraceReader;
import io.pansaar.simulator.trace.WebCacheSimReader;

/**
 * Replays {@code pansaar} with content changes at the default base TTL, with other weights of the dynamic TTL's prior
 * ({@link DynamicTtl#PRIOR_WEIGHT}) and other limits on the requests a copy may expect ({@link
 * DynamicTtl#MAXIMUM_REQUESTS_PER_COPY}), as docs/simulation.md ("A more skewed trace") reports it, and says which of
 * the change model's classes its stale hits fall on: the stable objects (one change per trace span on average) or the
 * volatile ones; the objects that never change are never stale.
 *
 * <p>Not a test: run it by hand, {@code java -cp ... io.pansaar.simulator.policy.StaleHitSweep TRACE CAPACITIES
 * WEIGHTS REQUESTS}, with TRACE a {@code synthetic:} spec or a webcachesim file, and comma-separated lists of
 * CAPACITIES (shares of the unique bytes), prior WEIGHTS and most REQUESTS per copy ({@code Infinity}: no limit).
 */
final class StaleHitSweep {

    /** The simulator's default base TTL, in clock units. */
    private static final long BASE_TTL = 3600;

    private StaleHitSweep() {
    }

    /** Prints one CSV line per capacity, prior weight and limit: hit ratios, stale hits and their classes, fetches. */
    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: StaleHitSweep synthetic:SPEC|WEBCACHESIM_FILE CAPACITIES WEIGHTS REQUESTS, e.g. "
                    + "synthetic:zipf,objects=100000,alpha=1.1,requests=1000000,seed=2 0.05,0.2 0.1 Infinity,500");
            System.exit(2);
        }
        Trace trace = Trace.load(reader(args[0]));
        long start = trace.requests().stream().mapToLong(Request::time).min().orElse(0);
        long end = trace.requests().stream().mapToLong(Request::time).max().orElse(0);
        System.out.println("capacity,prior_weight,maximum_requests_per_copy,object_hit_ratio,byte_hit_ratio,"
                + "stale_hit_ratio,stale_share_stable,stale_share_volatile,origin_fetches");
        for (String capacity : args[1].split(",")) {
            for (String weight : args[2].split(",")) {
                for (String requests : args[3].split(",")) {
                    replay(trace, start, end, Double.parseDouble(capacity), DynamicTtl.Parameters.DEFAULT
                            .withPriorWeight(Double.parseDouble(weight))
                            .withMaximumRequestsPerCopy(Double.parseDouble(requests)));
                }
            }
        }
    }

    private static TraceReader reader(String trace) {
        return trace.startsWith("synthetic:") ? new SyntheticTraceReader(trace.substring("synthetic:".length()))
                : new WebCacheSimReader(Path.of(trace));
    }

    /**
     * Replays the trace once, with a fresh change model, and prints its line. Stale hits are told as {@link Simulator}
     * tells them for a policy that manages freshness: a hit whose copy was fetched before the object's last change.
     */
    private static void replay(Trace trace, long start, long end, double capacityShare, DynamicTtl.Parameters ttl) {
        ChangeModel changes = ChangeModel.forSpan(start, end);
        PansaarPolicy policy = new PansaarPolicy((long) (trace.uniqueBytes() * capacityShare),
                new Freshness(changes, BASE_TTL), PansaarPolicy.Parameters.DEFAULT.withTtl(ttl));
        PolicyStats stats = policy.stats();
        double volatileMean = Math.max(1, end - start) / ChangeModel.VOLATILE_CHANGES_PER_SPAN;
        long stable = 0;
        long volatileOnes = 0;
        for (Request request : trace.requests()) {
            long hitsBefore = stats.hits();
            policy.record(request);
            if (stats.hits() > hitsBefore
                    && changes.changedBetween(request.id(), policy.fetchedAt(request.id()), request.time())) {
                if (changes.meanChangeInterval(request.id()) <= volatileMean) {
                    volatileOnes++;
                } else {
                    stable++;
                }
            }
        }
        policy.finished();
        long stale = stable + volatileOnes;
        System.out.printf("%s,%s,%s,%.4f,%.4f,%.4f,%.2f,%.2f,%d%n", capacityShare, ttl.priorWeight(),
                ttl.maximumRequestsPerCopy(), stats.objectHitRatio(), stats.byteHitRatio(),
                (double) stale / Math.max(1, stats.hits()), (double) stable / Math.max(1, stale),
                (double) volatileOnes / Math.max(1, stale), stats.originFetches());
    }
}
