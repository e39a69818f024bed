package io.pansaar.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The test vectors docs/protocol.md publishes (Partitions), so clients in other languages can check their own code. */
class PartitionerTest {

    @ParameterizedTest(name = "{0}: CRC32 {1}, partition {2} of 16, {3} of 64")
    @CsvSource({
            "avatars/u123.png,     403164801,  1,  1",
            "banners/home.jpg,     776571507,  3, 51",
            "thumbnails/p/42.webp, 3647489793, 1,  1",
            "logo.png,             2915011424, 0, 32",
    })
    void matchesThePublishedVectors(String key, long crc32, int of16, int of64) {
        assertEquals(crc32 % 16, of16);
        assertEquals(of16, new Partitioner(16).partitionOf(ImageKey.of(key)));
        assertEquals(of64, new Partitioner(64).partitionOf(ImageKey.of(key)));
    }

    @Test
    void namesKeysWithThePartitionHashTag() {
        ImageKey key = ImageKey.of("avatars/u123.png");
        assertEquals("pansaar:{1}:img:avatars/u123.png", RedisKeys.image(1, key));
        assertEquals("pansaar:{1}:jobs", RedisKeys.jobs(1));
        assertEquals("pansaar:{1}:dead", RedisKeys.deadLetters(1));
    }

    @Test
    void refusesZeroPartitions() {
        assertThrows(IllegalArgumentException.class, () -> new Partitioner(0));
    }
}
