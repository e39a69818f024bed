package io.pansaar.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.key.ImageKey;
import io.pansaar.store.Claim;
import io.pansaar.store.FetchedImage;
import io.pansaar.store.ImageStore;
import io.pansaar.store.JobReason;
import io.pansaar.store.WriteOutcome;

/** Writes images into the cache as a worker would, claim then put, for tests about what the cache holds. */
public final class StoredImages {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private StoredImages() {
    }

    /**
     * Claims the key as a manual regeneration (so a fresh copy is replaced too) and writes a PNG of {@code size} bytes,
     * fresh for {@code freshTtl} without grace or stale-if-error, so its hash expires at fresh-until.
     */
    public static void write(ImageStore store, ImageKey key, int size, Duration freshTtl) {
        Claim claim = store.claim(key, UUID.randomUUID().toString(), System.currentTimeMillis(), JobReason.MANUAL)
                .await().atMost(WAIT);
        FetchedImage image = FetchedImage.of(TestImages.png(size), "image/png", Optional.empty(), Optional.empty(),
                Duration.ofMillis(5));
        assertEquals(WriteOutcome.WRITTEN,
                store.put(key, claim, image, freshTtl, Duration.ZERO, Duration.ZERO, ChangeHistory.NONE)
                        .await().atMost(WAIT));
    }
}
