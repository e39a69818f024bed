package io.pansaar.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

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
        return inPartition(partitioner, partition, count, i -> start + i + ".png");
    }

    /**
     * The first {@code count} keys of {@code partition} among {@code start}000.png, {@code start}001.png...: zero-padded,
     * so that their order as strings, by which Redis orders members of equal score, is their order in the list.
     */
    public static List<ImageKey> inPartitionInStringOrder(Partitioner partitioner, int partition, String start,
            int count) {
        return inPartition(partitioner, partition, count, i -> String.format("%s%03d.png", start, i));
    }

    private static List<ImageKey> inPartition(Partitioner partitioner, int partition, int count,
            IntFunction<String> nameOf) {
        List<ImageKey> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            ImageKey candidate = ImageKey.of(nameOf.apply(i));
            if (partitioner.partitionOf(candidate) == partition) {
                keys.add(candidate);
            }
        }
        return keys;
    }
}
