package io.pansaar.key;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisKeysTest {

    @ParameterizedTest
    // Within the prefixes built once, at their last, and past them, where they are concatenated.
    @ValueSource(ints = {0, 7, 1023, 1024, 65_535})
    void aPartitionsKeysCarryItsHashTag(int partition) {
        assertEquals("pansaar:{" + partition + "}:", RedisKeys.partitionPrefix(partition));
        assertEquals("pansaar:{" + partition + "}:jobs", RedisKeys.jobs(partition));
    }
}
