package io.pansaar.algorithm;

/**
 * Pansaar's dynamic TTL for one segment, as production and the simulator both run it. An image with change history
 * gets {@link FreshnessTtl}'s TTL, with the segment's starting TTL as its prior; an image without history gets the
 * starting TTL, which {@link StartingTtl} learns from the first revalidation of each image; a copy that replaces one
 * lives no longer than its image's requests take to reach {@link #MAXIMUM_REQUESTS_PER_COPY}. Not safe for use by
 * several threads at once: production's workers, which share one per segment, hold its lock for each image's
 * revalidation and TTL together, and the simulator's replay, on one thread, takes no lock at all.
 *
 * <p>The default parameters below were chosen on the AdaptSize trace and the Zipf 0.9 synthetic trace at 1, 5, 10
 * and 25% of their unique bytes (docs/simulation.md), one parameter at a time around the others' values; points are
 * of byte hit ratio.
 */
public final class DynamicTtl {
    /**
     * The share of hits that may be served a copy the origin has since changed, where a segment sets none: the
     * project's goal of at most 1% stale hits.
     */
    public static final double DEFAULT_FRESHNESS_BUDGET = 0.01;
    /** A segment without its own min-ttl may go down to its base TTL divided by this: a minute for an hour. */
    private static final long FLOOR_DIVISOR = 60;
    /** A segment without its own max-ttl may go up to its base TTL times this: a week for an hour. */
    private static final long CEILING_FACTOR = 168;

    /**
     * The share of the budget the TTL aims at. 0.8 and 0.9 gain at most 0.3 points on AdaptSize and 0.9 on Zipf, but
     * Zipf then reaches 0.89-1.00% stale.
     */
    public static final double BUDGET_TARGET = 0.7;
    /**
     * How many changes the prior is worth in an image's TTL. An unchanged image's TTL grows by the factor 1 + 2·b'/w
     * per revalidation: 1.14 at 0.1. 0.25 (1.06) loses 0.3-0.8 points on AdaptSize and 0.2-2.2 on Zipf; 0.05 reaches
     * 1.0-1.5% stale.
     */
    public static final double PRIOR_WEIGHT = 0.1;
    /**
     * How far one changed first revalidation shortens the starting TTL, in log units. Against 0.05: -0.1 to +0.3
     * points, and a segment whose images start changing more adapts four times faster.
     */
    public static final double STARTING_STEP = 0.2;
    /**
     * The starting TTL before any revalidation, as a multiple of the base TTL. At 1 the first copies of AdaptSize's
     * volatile images, written before anything is learnt, make the run 1.17-1.25% stale; 0.3 gives 0.64-0.84% for
     * 0.2-0.5 points; 0.1 gives 0.55-0.76% for another 0.1-0.2. A new segment starts cautious and learns its way up.
     */
    public static final double STARTING_FACTOR = 0.3;

    /**
     * The most requests a copy may expect within its TTL, at its image's current request rate: the TTL is cut to the time
     * they take, though never below the segment's minimum. When an image changes, its copy is served stale until it is
     * fetched again, so a hot image whose history earned a long TTL puts many hits at risk at once, and a few such images
     * take a whole trace past the budget (1.04-1.87% stale on Zipf 1.0-1.2, docs/simulation.md, "A more skewed trace").
     * A hot copy is refreshed before it expires, so the cut costs an origin fetch now and then, not a miss: at 500 those
     * traces held 0.50-0.80% stale, byte hit ratios within 0.02 point, for 0.07-0.29% more origin fetches, and the
     * goal's traces moved by at most 0.01 point. 1000 left Zipf 1.1 at 0.92%; 100 made up to 2.2% more origin fetches.
     */
    public static final double MAXIMUM_REQUESTS_PER_COPY = 500;

    /**
     * The tunable parameters.
     *
     * @param budgetTarget the share of the freshness budget the TTL aims at
     * @param priorWeight how many changes the prior is worth
     * @param startingStep how far one changed first revalidation shortens the starting TTL, in log units
     * @param startingFactor the starting TTL before any revalidation, as a multiple of the base TTL
     * @param maximumRequestsPerCopy the most requests a copy may expect within its TTL (positive; infinity: no limit)
     */
    public record Parameters(double budgetTarget, double priorWeight, double startingStep, double startingFactor,
            double maximumRequestsPerCopy) {
        /** The measured defaults above. */
        public static final Parameters DEFAULT = new Parameters(BUDGET_TARGET, PRIOR_WEIGHT, STARTING_STEP,
                STARTING_FACTOR, MAXIMUM_REQUESTS_PER_COPY);

        /** Checks that a copy may expect some requests. */
        public Parameters {
            if (!(maximumRequestsPerCopy > 0)) {
                throw new IllegalArgumentException("maximum requests per copy must be positive, got "
                        + maximumRequestsPerCopy);
            }
        }

        /** These parameters with another prior weight. */
        public Parameters withPriorWeight(double weight) {
            return new Parameters(budgetTarget, weight, startingStep, startingFactor, maximumRequestsPerCopy);
        }

        /** These parameters with another most requests per copy. */
        public Parameters withMaximumRequestsPerCopy(double requests) {
            return new Parameters(budgetTarget, priorWeight, startingStep, startingFactor, requests);
        }
    }

    /** The shortest TTL of a segment without its own min-ttl: base / 60, and at least one clock unit. */
    public static long floorOf(long baseTtl) {
        return Math.max(1, baseTtl / FLOOR_DIVISOR);
    }

    /** The longest TTL of a segment without its own max-ttl: base × 168, or the largest long where that overflows. */
    public static long ceilingOf(long baseTtl) {
        return baseTtl > Long.MAX_VALUE / CEILING_FACTOR ? Long.MAX_VALUE : baseTtl * CEILING_FACTOR;
    }

    private final FreshnessTtl formula;
    private final StartingTtl startingTtl;
    private final long minimumTtl;
    private final double maximumRequestsPerCopy;

    /** Creates the dynamic TTL of a segment with the default parameters. */
    public DynamicTtl(double freshnessBudget, long baseTtl, long minimumTtl, long maximumTtl) {
        this(freshnessBudget, baseTtl, minimumTtl, maximumTtl, Parameters.DEFAULT);
    }

    /**
     * Creates the dynamic TTL of a segment with a freshness budget in (0, 1) (the share of hits that may be stale),
     * its base TTL and its TTL bounds, all in one clock unit.
     */
    public DynamicTtl(double freshnessBudget, long baseTtl, long minimumTtl, long maximumTtl, Parameters parameters) {
        double budget = freshnessBudget * parameters.budgetTarget();
        formula = new FreshnessTtl(budget, minimumTtl, maximumTtl, parameters.priorWeight());
        this.minimumTtl = minimumTtl;
        this.maximumRequestsPerCopy = parameters.maximumRequestsPerCopy();
        // A first copy that changes is stale on about half of its life, so twice the budget may find a change.
        startingTtl = new StartingTtl(2 * budget, parameters.startingStep(), minimumTtl, maximumTtl,
                (long) Math.max(minimumTtl, Math.min(maximumTtl, baseTtl * parameters.startingFactor())));
    }

    /** Returns the TTL of an image with this change history. */
    public long ttl(ChangeHistory history) {
        long starting = startingTtl.ttl();
        if (history.isNone()) {
            return starting;
        }
        // The prior under which an image without history would get the starting TTL.
        return formula.ttl(history, formula.priorFor(starting));
    }

    /**
     * Returns the TTL of an image with this change history whose copy is requested {@code requestsPerUnit} times per
     * clock unit: {@link #ttl(ChangeHistory)}, cut to the time in which the copy would expect {@link
     * #MAXIMUM_REQUESTS_PER_COPY} requests, but not below the segment's minimum TTL.
     */
    public long ttl(ChangeHistory history, double requestsPerUnit) {
        return limitedToRequests(ttl(history), requestsPerUnit);
    }

    /**
     * Returns {@code ttl} cut to the time in which a copy requested {@code requestsPerUnit} times per clock unit expects
     * its most requests, but not below the segment's minimum TTL.
     */
    public long limitedToRequests(long ttl, double requestsPerUnit) {
        // A rate of 0, that of an image never requested, gives an infinite limit, and leaves the TTL as it is.
        double limit = maximumRequestsPerCopy / requestsPerUnit;
        if (!(limit < ttl)) {
            return ttl;
        }
        return Math.max(minimumTtl, (long) limit);
    }

    /**
     * Returns the history after a revalidation of a copy {@code age} old that found it changed or not; a first
     * revalidation also teaches the segment's starting TTL.
     */
    public ChangeHistory revalidated(ChangeHistory history, long age, boolean changed) {
        if (history.isNone()) {
            startingTtl.firstRevalidation(age, changed);
        }
        return history.revalidated(age, changed);
    }
}
