package io.pansaar.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;

/** Image keys no other test uses, so tests share no state. */
public final class TestKeys {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private TestKeys() {
    }

    /** A new key in {@code segment} ending in {@code .extension}. */
    public static ImageKey unique(String segment, String extension) {
        return ImageKey.of(segment + "/" + UUID.randomUUID() + "-" + SEQUENCE.incrementAndGet() + "." + extension);
    }

    /** The first {@code count} keys of {@code partition} among {@code start}0.png, {@code start}1.png... */
    public static List<ImageKey> inPartition(Partitioner partitioner, int partition, String start, int count) {
        List<ImageKey> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            ImageKey candidate = ImageKey.of(start + i + ".png");
            if (partitioner.partitionOf(candidate) == partition) {
                keys.add(candidate);
            }
        }
        return keys;
    }
}
