package io.pansaar.key;

import java.util.zip.CRC32;

/**
 * Maps an image key to its partition: {@code p = CRC32(UTF-8 bytes of the key) mod partitions}.
 *
 * <p>The same formula in other languages: Python {@code zlib.crc32(key.encode()) % P}, Node.js
 * {@code zlib.crc32(key) % P}. Every Redis key of partition p carries the hash tag {@code {p}}, so
 * all keys one atomic operation touches live in one Redis Cluster slot.
 */
public final class Partitioner {

    private final int partitions;

    public Partitioner(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("pansaar.partitions must be at least 1, was " + partitions);
        }
        this.partitions = partitions;
    }

    /** The number of partitions. */
    public int partitions() {
        return partitions;
    }

    /** The partition that holds this key. */
    public int partitionOf(ImageKey key) {
        CRC32 crc = new CRC32();
        crc.update(key.bytes());
        return (int) (crc.getValue() % partitions);
    }
}
