package io.pansaar.worker;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

/** Every image of a segment is fresh for the segment's {@code base-ttl}. */
@ApplicationScoped
public class SegmentTtlPolicy implements TtlPolicy {

    @Override
    public Duration freshTtl(Regeneration regeneration) {
        return regeneration.segment().baseTtl();
    }
}
