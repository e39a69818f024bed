package io.pansaar.worker;

import java.time.Duration;
import java.util.Optional;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.config.SegmentSettings;
import io.pansaar.key.ImageKey;

/** Chooses how long a regenerated image stays fresh, and keeps its change history. */
public interface TtlPolicy {

    /**
     * What the policy knows about one regeneration.
     *
     * @param key the image
     * @param segment the segment's settings
     * @param sizeBytes the body's size (0 for a 304)
     * @param fetchTime how long the origin took
     * @param revalidation what this fetch showed about the copy it replaces, when there was one
     * @param remembered without a copy, the history remembered of the image from before it was evicted or expired
     */
    record Regeneration(ImageKey key, SegmentSettings segment, long sizeBytes, Duration fetchTime,
            Optional<Revalidation> revalidation, ChangeHistory remembered) {
    }

    /**
     * A fetch that replaces a copy.
     *
     * @param before the copy's change history
     * @param ageMillis how long the copy had been cached
     * @param changed whether the fetch found other content (a 304 did not)
     * @param requestsPerMilli how often the copy was requested at the claim, per ms; 0 when not known
     */
    record Revalidation(ChangeHistory before, long ageMillis, boolean changed, double requestsPerMilli) {
    }

    /**
     * What the policy decided.
     *
     * @param freshTtl how long the new copy is fresh; the Redis TTL adds the segment's grace to it
     * @param history the image's change history, this fetch included, to be stored with it
     */
    record Lifetime(Duration freshTtl, ChangeHistory history) {
    }

    /** Returns the fresh TTL and the change history for this regeneration. */
    Lifetime lifetime(Regeneration regeneration);
}
