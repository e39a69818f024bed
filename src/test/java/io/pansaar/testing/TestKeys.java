package io.pansaar.testing;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.pansaar.key.ImageKey;

/** Image keys no other test uses, so tests share no state. */
public final class TestKeys {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private TestKeys() {
    }

    /** A new key in {@code segment} ending in {@code .extension}. */
    public static ImageKey unique(String segment, String extension) {
        return ImageKey.of(segment + "/" + UUID.randomUUID() + "-" + SEQUENCE.incrementAndGet() + "." + extension);
    }
}
