package io.pansaar.startup;

import java.util.Optional;

import io.pansaar.config.PansaarConfig;

/**
 * Whether the JVM's heap can hold what the worker may keep in memory at once: every job in flight may hold an image
 * body of up to {@code pansaar.origin.max-bytes}, and a second copy of it while it is staged in Redis. A heap that
 * cannot hold that twice over fails with OutOfMemoryError under the first burst of large images, long after start-up
 * looked fine, so start-up says so at once.
 */
final class MemorySizing {

    /** Bodies in flight may take at most this share of the heap; the rest is for reads, buffers and the runtime. */
    private static final double BODY_SHARE_OF_HEAP = 0.5;
    /** Each body in flight exists as the fetched bytes and as the copy sent to Redis. */
    private static final int COPIES_PER_BODY = 2;
    private static final long MEBIBYTE = 1024 * 1024;

    private MemorySizing() {
    }

    /** A warning naming the settings when bodies in flight could exceed their share of {@code maxHeapBytes}. */
    static Optional<String> warning(PansaarConfig config, long maxHeapBytes) {
        int concurrency = config.worker().concurrency();
        long maxBytes = config.origin().maxBytes().asLongValue();
        long inFlight = COPIES_PER_BODY * concurrency * maxBytes;
        long share = (long) (maxHeapBytes * BODY_SHARE_OF_HEAP);
        if (inFlight <= share) {
            return Optional.empty();
        }
        return Optional.of(String.format("up to %d MiB of image bodies may be in memory at once (%d jobs in flight, "
                + "pansaar.worker.concurrency, x %d MiB, pansaar.origin.max-bytes, x %d copies), more than half of the "
                + "JVM's maximum heap (%d MiB): lower one of those settings, or give the JVM more memory (-Xmx, or the "
                + "container's memory limit)", inFlight / MEBIBYTE, concurrency, maxBytes / MEBIBYTE, COPIES_PER_BODY,
                maxHeapBytes / MEBIBYTE));
    }
}
