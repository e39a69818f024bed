package io.pansaar.simulator;

import io.pansaar.simulator.policy.ChangeModel;
import io.pansaar.simulator.policy.Freshness;
import io.pansaar.simulator.policy.PansaarSettings;
import io.pansaar.simulator.policy.Policies;
import io.pansaar.simulator.policy.Policy;
import io.pansaar.simulator.policy.PolicyStats;
import io.pansaar.simulator.trace.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Optional;

/**
 * Gives every policy without TTLs of its own the base TTL that serves it best while it holds a stale-hit budget, so a
 * policy with its own TTLs is compared with each baseline at that baseline's best setting rather than at one chosen
 * base TTL.
 *
 * <p>A longer base TTL serves more hits and more of them stale. For each baseline the sweep replays the trace at base
 * TTLs of 1, 2, 4... clock units up to the first past the trace's span (all longer ones replay alike), then bisects
 * between the best of them within the budget and its double, which exceeded the budget, for {@link #BISECTIONS}
 * steps or down to one clock unit. The result is the replay of highest byte hit ratio among all those within the
 * budget. A policy that manages freshness itself is replayed at {@code ownBaseTtl}, the deployment's default; only
 * when that breaks the budget is its base TTL swept the same way, up to that default: the operator's remedy for
 * content that changes faster than the default assumes.
 */
public final class BaseTtlSweep {
    /** How many times the interval between the last base TTL within the budget and the first past it is halved. */
    static final int BISECTIONS = 8;

    /**
     * One policy's best replay: its statistics and base TTL, or for a policy none of whose replays held the budget,
     * its replay at a base TTL of 1 clock unit with {@code withinBudget} false; {@code replays} counts its replays.
     * {@code swept} tells a policy that manages freshness and was swept (its default broke the budget) from one
     * reported at its default.
     */
    public record Best(PolicyStats stats, long baseTtl, boolean managesFreshness, boolean withinBudget, int replays,
            boolean swept) {

        /** The same result, counting one replay made before it. */
        Best afterOneMoreReplay() {
            return new Best(stats, baseTtl, managesFreshness, withinBudget, replays + 1, swept);
        }
    }

    private BaseTtlSweep() {
    }

    /**
     * Sweeps each policy's base TTL over {@code trace} as the class describes, holding {@code staleBudget} (stale hits
     * over hits, 0 to 1), and returns one best replay per policy, in order.
     */
    public static List<Best> run(Trace trace, long capacityBytes, List<String> policyNames, ChangeModel changes,
            double staleBudget, long ownBaseTtl, PansaarSettings pansaar) {
        if (!(staleBudget >= 0 && staleBudget <= 1)) {
            throw new IllegalArgumentException("the stale budget must be a ratio from 0 to 1, got " + staleBudget);
        }
        LongSummaryStatistics times = trace.requests().stream().mapToLong(Request::time).summaryStatistics();
        long span = times.getCount() == 0 ? 1 : Math.max(1, times.getMax() - times.getMin());
        List<Best> results = new ArrayList<>();
        for (String name : policyNames) {
            Policy probe = Policies.create(name, capacityBytes, trace.requests(), new Freshness(changes, ownBaseTtl),
                    pansaar);
            Sweep sweep = new Sweep(trace, capacityBytes, name, changes, staleBudget, pansaar);
            if (!probe.managesFreshness()) {
                results.add(sweep.best(span, Long.MAX_VALUE, false));
                continue;
            }
            PolicyStats atDefault = Simulator.replay(trace, probe, new Freshness(changes, ownBaseTtl));
            results.add(atDefault.staleHitRatio() <= staleBudget
                    ? new Best(atDefault, ownBaseTtl, true, true, 1, false)
                    : sweep.best(span, ownBaseTtl, true).afterOneMoreReplay());
        }
        return results;
    }

    /** The replays of one policy at the base TTLs tried so far, and the best of them within the budget. */
    private static final class Sweep {
        private final Trace trace;
        private final long capacityBytes;
        private final String name;
        private final ChangeModel changes;
        private final double staleBudget;
        private final PansaarSettings pansaar;
        private PolicyStats best;
        private long bestBaseTtl;
        private int replays;

        Sweep(Trace trace, long capacityBytes, String name, ChangeModel changes, double staleBudget,
                PansaarSettings pansaar) {
            this.trace = trace;
            this.capacityBytes = capacityBytes;
            this.name = name;
            this.changes = changes;
            this.staleBudget = staleBudget;
            this.pansaar = pansaar;
        }

        /**
         * The best replay within the budget at base TTLs from 1 to the first power of two past {@code span}, each
         * below {@code ceiling} (a base TTL known to break the budget); a policy that manages freshness is flagged
         * {@code swept}.
         */
        Best best(long span, long ceiling, boolean managesFreshness) {
            PolicyStats atOne = tryBaseTtl(1);
            // Every base TTL longer than the span replays the same: no copy outlives it.
            for (long baseTtl = 2; baseTtl / 2 <= span && baseTtl < ceiling; baseTtl *= 2) {
                tryBaseTtl(baseTtl);
            }
            if (best == null) {
                // Even copies refetched after one clock unit serve stale hits past the budget.
                return new Best(atOne, 1, managesFreshness, false, replays, managesFreshness);
            }
            // Between the best base TTL and its double (or the ceiling), which broke the budget, lies a longer one that may
            // hold it.
            long within = bestBaseTtl;
            long past = Math.min(within * 2, ceiling);
            for (int step = 0; within <= span && step < BISECTIONS && past - within > 1; step++) {
                long middle = within + (past - within) / 2;
                if (tryBaseTtl(middle).staleHitRatio() <= staleBudget) {
                    within = middle;
                } else {
                    past = middle;
                }
            }
            return new Best(best, bestBaseTtl, managesFreshness, true, replays, managesFreshness);
        }

        /** Replays at {@code baseTtl} and keeps the replay when it is the best so far within the budget. */
        private PolicyStats tryBaseTtl(long baseTtl) {
            PolicyStats stats = replay(baseTtl);
            if (stats.staleHitRatio() <= staleBudget && (best == null || stats.byteHitRatio() > best.byteHitRatio())) {
                best = stats;
                bestBaseTtl = baseTtl;
            }
            return stats;
        }

        private PolicyStats replay(long baseTtl) {
            replays++;
            Freshness freshness = new Freshness(changes, baseTtl);
            return Simulator.replay(trace,
                    Policies.create(name, capacityBytes, trace.requests(), freshness, pansaar), freshness);
        }
    }

    /**
     * The best replay among {@code results} of a policy that does not manage freshness, if any held the budget; an
     * oracle, which knows the future, is no baseline.
     */
    public static Optional<Best> bestBaseline(List<Best> results) {
        return results.stream().filter(best -> !best.managesFreshness() && best.withinBudget())
                .filter(best -> !Policies.isOracle(best.stats().name()))
                .max((a, b) -> Double.compare(a.stats().byteHitRatio(), b.stats().byteHitRatio()));
    }
}
