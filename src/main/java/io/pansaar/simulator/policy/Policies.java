package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.List;
import java.util.Set;

/** Creates policies by their command-line names. */
public final class Policies {
    /** Every policy name, in the order reports list them. */
    public static final List<String> NAMES =
            List.of("lru", "fifo", "lfu", "redis-lru", "redis-lfu", "gdsf", "s3fifo", "wtinylfu", "seed", "belady", "pansaar", "pansaar-probation", "pansaar-tuned",
                    "pansaar-tuned-probation");

    /** The policies that read the trace's future (Belady's): bounds to measure against, never baselines. */
    private static final Set<String> ORACLES = Set.of("belady");

    private Policies() {
    }

    /** Returns whether the named policy knows the trace's future, so no online policy could match it. */
    public static boolean isOracle(String name) {
        return ORACLES.contains(name);
    }

    /** Creates the named policy for a capacity in bytes over the given in-memory trace; throws IllegalArgumentException for an unknown name. */
    public static Policy create(String name, long capacity, List<Request> trace) {
        return create(name, capacity, trace, Freshness.NONE);
    }

    /** Creates the named policy as above, for a replay in which content changes and copies expire as freshness says. */
    public static Policy create(String name, long capacity, List<Request> trace, Freshness freshness) {
        return create(name, capacity, trace, freshness, PansaarSettings.DEFAULT);
    }

    /** Creates the named policy as above; {@code pansaar} and its variant take {@code pansaar}'s settings. */
    public static Policy create(String name, long capacity, List<Request> trace, Freshness freshness,
            PansaarSettings pansaar) {
        return switch (name) {
            case "lru" -> new LruPolicy(capacity);
            case "fifo" -> new FifoPolicy(capacity);
            case "lfu" -> new LfuPolicy(capacity);
            case "redis-lru" -> new RedisLruPolicy(capacity);
            case "redis-lfu" -> new RedisLfuPolicy(capacity);
            case "gdsf" -> new GdsfPolicy(capacity);
            case "s3fifo" -> new S3FifoPolicy(capacity);
            case "wtinylfu" -> new WindowTinyLfuPolicy(capacity, trace.stream().mapToLong(Request::size).average().orElse(1));
            case "seed" -> new SeedPolicy(capacity);
            case "belady" -> new BeladyPolicy(capacity, trace);
            case "pansaar" -> new PansaarPolicy(capacity, freshness, pansaar, 0);
            case "pansaar-probation" -> new PansaarPolicy(capacity, freshness, pansaar, PansaarPolicy.PROBATION_SHARE);
            case "pansaar-tuned" -> PansaarPolicy.tuned(capacity, freshness, pansaar);
            case "pansaar-tuned-probation" -> PansaarPolicy.tunedWithProbation(capacity, freshness, pansaar);
            default -> throw new IllegalArgumentException("unknown policy '" + name + "', expected one of " + NAMES);
        };
    }
}
