package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongHashMapTest {

    @Test
    void putsGetsAndRemoves() {
        LongHashMap<String> map = new LongHashMap<>();
        assertNull(map.put(7, "seven"));
        assertNull(map.put(-7, "minus seven"));
        assertNull(map.put(Long.MIN_VALUE, "smallest"));
        assertEquals("seven", map.put(7, "SEVEN"));
        assertEquals(3, map.size());
        assertEquals("SEVEN", map.get(7));
        assertEquals("smallest", map.get(Long.MIN_VALUE));
        assertNull(map.get(8));
        assertEquals("minus seven", map.remove(-7));
        assertNull(map.remove(-7));
        assertNull(map.get(-7));
        assertEquals(2, map.size());
        assertThrows(NullPointerException.class, () -> map.put(1, null));
    }

    @Test
    void agreesWithHashMapUnderRandomChurn() {
        // Few distinct keys and many removals exercise growth, long probe runs and the backward shift on removal.
        SplittableRandom random = new SplittableRandom(3);
        LongHashMap<Long> map = new LongHashMap<>();
        HashMap<Long, Long> expected = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            long key = random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(5_000) * 1024L;
            long value = random.nextLong();
            switch (random.nextInt(3)) {
                case 0 -> assertEquals(expected.put(key, value), map.put(key, value));
                case 1 -> assertEquals(expected.remove(key), map.remove(key));
                default -> assertEquals(expected.get(key), map.get(key));
            }
            assertEquals(expected.size(), map.size());
        }
        for (var entry : expected.entrySet()) {
            assertEquals(entry.getValue(), map.get(entry.getKey()));
        }
    }
}
