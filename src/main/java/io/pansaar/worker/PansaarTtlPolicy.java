package io.pansaar.worker;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.algorithm.DynamicTtl;
import io.pansaar.config.SegmentSettings;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Pansaar's dynamic TTL in production: one {@link DynamicTtl} per segment, with the segment's freshness budget,
 * base TTL and bounds, the same class and parameters the simulator replays. Each worker process learns its
 * segments' starting TTLs from the first revalidations it sees. A segment whose min-ttl and max-ttl both equal its
 * base-ttl has a fixed TTL.
 */
@ApplicationScoped
public class PansaarTtlPolicy implements TtlPolicy {

    private final Map<String, DynamicTtl> segments = new ConcurrentHashMap<>();

    @Override
    public Lifetime lifetime(Regeneration regeneration) {
        SegmentSettings segment = regeneration.segment();
        DynamicTtl ttl = segments.computeIfAbsent(segment.name(), name -> new DynamicTtl(segment.freshnessBudget(),
                segment.baseTtl().toMillis(), segment.minimumTtl().toMillis(), segment.maximumTtl().toMillis()));
        // DynamicTtl is not thread-safe, and the segment's jobs run on several threads: one lock for both steps, so
        // that the starting TTL a first revalidation teaches is the one its own TTL is worked out from.
        synchronized (ttl) {
            ChangeHistory history = regeneration.revalidation()
                    .map(revalidation -> ttl.revalidated(revalidation.before(), revalidation.ageMillis(),
                            revalidation.changed()))
                    .orElse(regeneration.remembered());
            // A copy that replaces one is cut to the time its image's requests expect the most a copy may serve, as the
            // simulator's revalidation cuts it; a first copy is not, as the simulator's admission does not cut one.
            double requestsPerMilli = regeneration.revalidation().map(TtlPolicy.Revalidation::requestsPerMilli).orElse(0.0);
            return new Lifetime(Duration.ofMillis(ttl.ttl(history, requestsPerMilli)), history);
        }
    }
}
