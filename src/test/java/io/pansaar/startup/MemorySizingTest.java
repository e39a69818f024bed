package io.pansaar.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.TestConfigs;

class MemorySizingTest {

    private static final long MEBIBYTE = 1024 * 1024;

    @Test
    void theDefaultsFitTheHeapAJvmGetsInAOneGibibyteContainer() {
        // 16 jobs x 10 MiB x 2 copies = 320 MiB; the runtime image gives the heap 80% of 1 GiB.
        assertEquals(Optional.empty(), MemorySizing.warning(TestConfigs.pansaarConfig(Map.of(), Map.of()),
                819 * MEBIBYTE));
    }

    @Test
    void aHeapThatCannotHoldTheBodiesInFlightTwiceOverIsNamedWithTheSettings() {
        Optional<String> warning = MemorySizing.warning(TestConfigs.pansaarConfig(Map.of(
                "pansaar.worker.concurrency", "64"), Map.of()), 819 * MEBIBYTE);
        assertTrue(warning.isPresent());
        assertTrue(warning.get().startsWith("up to 1280 MiB of image bodies may be in memory at once (64 jobs"),
                warning.get());
        assertTrue(warning.get().contains("pansaar.worker.concurrency") && warning.get().contains("pansaar.origin.max-bytes")
                && warning.get().contains("(819 MiB)"), warning.get());
        assertEquals(Optional.empty(), MemorySizing.warning(TestConfigs.pansaarConfig(Map.of(
                "pansaar.worker.concurrency", "64", "pansaar.origin.max-bytes", "2M"), Map.of()), 819 * MEBIBYTE));
    }
}
