package io.pansaar.worker;

import java.time.Duration;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.config.SegmentSettings;
import io.pansaar.key.ImageKey;

/** Chooses how long a regenerated image stays fresh. */
public interface TtlPolicy {

    /**
     * What the policy knows about one regeneration.
     *
     * @param key the image
     * @param segment the segment's settings
     * @param sizeBytes the body's size (0 for a 304)
     * @param fetchTime how long the origin took
     * @param unchanged true when the origin answered 304 Not Modified
     * @param history what this and earlier fetches showed about the image's changes
     */
    record Regeneration(ImageKey key, SegmentSettings segment, long sizeBytes, Duration fetchTime, boolean unchanged,
            ChangeHistory history) {
    }

    /** The fresh TTL for this regeneration; the Redis TTL adds the segment's grace to it. */
    Duration freshTtl(Regeneration regeneration);
}
