package io.pansaar.worker;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.key.ImageKey;
import io.pansaar.redis.function.CopyLifetime;
import io.pansaar.store.ImageLayout;
import io.pansaar.store.WritePlan;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Turns the TTL policy's decision into what the store persists: the copy's lifetime with its early-refresh time,
 * drawn afresh for every write as XFetch needs, and the priority terms of the bytes a written copy is charged.
 */
@ApplicationScoped
public class WritePlanner {

    private final EarlyRefresh earlyRefresh;
    private final AccessPriority priority;
    /** XFetch's uniform draw u in (0, 1]. */
    private final DoubleSupplier uniform;

    @Inject
    public WritePlanner(EarlyRefresh earlyRefresh, AccessPriority priority) {
        // 1 - nextDouble() lies in (0, 1], as XFetch's draw must: ln(0) would be infinitely early.
        this(earlyRefresh, priority, () -> 1 - ThreadLocalRandom.current().nextDouble());
    }

    /** A planner whose early-refresh draws come from {@code uniform}, each in (0, 1]. */
    public WritePlanner(EarlyRefresh earlyRefresh, AccessPriority priority, DoubleSupplier uniform) {
        this.earlyRefresh = earlyRefresh;
        this.priority = priority;
        this.uniform = uniform;
    }

    /** Returns the plan of a copy fresh for {@code freshTtl} whose fetch took {@code fetchTime}. */
    public WritePlan plan(Duration freshTtl, Duration grace, Duration staleIfError, Duration fetchTime,
            ChangeHistory history) {
        long earlyBy = earlyRefresh.earlyBy(fetchTime.toMillis(), freshTtl.toMillis(), uniform.getAsDouble());
        return new WritePlan(new CopyLifetime(freshTtl, grace, staleIfError, earlyBy), history);
    }

    /**
     * Returns the priority terms of a written copy of {@code key} whose body is {@code bodyBytes} long. Its size is what
     * the copy is charged against the budget ({@link ImageLayout#chargedBytes}), as the algorithm ranks by requests per
     * byte of the budget an image takes: the body alone would rank a small image as if it cost only its body, where its
     * overhead and key's copies are half or more of what it takes.
     */
    public AccessPriority.Terms priorityOf(ImageKey key, long bodyBytes) {
        return priority.termsFor(ImageLayout.chargedBytes(key, bodyBytes));
    }
}
