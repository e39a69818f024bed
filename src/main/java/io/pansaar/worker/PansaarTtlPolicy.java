package io.pansaar.worker;

import java.time.Duration;

import io.pansaar.algorithm.FreshnessTtl;
import io.pansaar.config.SegmentSettings;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Pansaar's dynamic TTL in production: {@link FreshnessTtl} with the segment's freshness budget and TTL bounds.
 * An image without history gets the segment's base TTL; unchanged revalidations lengthen it, changes shorten
 * it. A segment whose min-ttl and max-ttl both equal its base-ttl has a fixed TTL.
 */
@ApplicationScoped
public class PansaarTtlPolicy implements TtlPolicy {

    /** The share of the freshness budget the TTL aims at, leaving room for estimation error (as the simulator). */
    static final double BUDGET_TARGET = 0.7;
    /** How many changes the segment's prior is worth against an image's own history (as the simulator). */
    static final double PRIOR_WEIGHT = 0.25;

    @Override
    public Duration freshTtl(Regeneration regeneration) {
        SegmentSettings segment = regeneration.segment();
        FreshnessTtl formula = new FreshnessTtl(segment.freshnessBudget() * BUDGET_TARGET, segment.minimumTtl().toMillis(),
                segment.maximumTtl().toMillis(), PRIOR_WEIGHT);
        // The prior's mean change interval is the one under which an image without history gets the base TTL.
        double prior = formula.priorFor(segment.baseTtl().toMillis());
        return Duration.ofMillis(formula.ttl(regeneration.history(), prior));
    }
}
