package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DenseIdMapTest {

    @Test
    void putsGetsAndRemovesIdsInTheArrayAndBeyondIt() {
        DenseIdMap<String> map = new DenseIdMap<>();
        assertNull(map.put(7, "seven"));
        assertNull(map.put(-7, "minus seven"));
        assertNull(map.put(Long.MIN_VALUE, "smallest"));
        assertNull(map.put(DenseIdMap.DIRECT_LIMIT - 1, "last in the array"));
        assertNull(map.put(DenseIdMap.DIRECT_LIMIT, "first beyond it"));
        assertEquals("seven", map.put(7, "SEVEN"));
        assertEquals(5, map.size());
        assertEquals("SEVEN", map.get(7));
        assertEquals("smallest", map.get(Long.MIN_VALUE));
        assertEquals("last in the array", map.get(DenseIdMap.DIRECT_LIMIT - 1));
        assertEquals("first beyond it", map.get(DenseIdMap.DIRECT_LIMIT));
        assertNull(map.get(8));
        assertNull(map.get(DenseIdMap.DIRECT_LIMIT - 2));
        assertEquals("minus seven", map.remove(-7));
        assertNull(map.remove(-7));
        assertNull(map.get(-7));
        assertEquals("SEVEN", map.remove(7));
        assertNull(map.remove(7));
        assertNull(map.remove(DenseIdMap.DIRECT_LIMIT - 2));
        assertEquals(3, map.size());
        assertThrows(NullPointerException.class, () -> map.put(1, null));
    }

    @Test
    void agreesWithHashMapUnderRandomChurn() {
        // Dense ids, ids beyond the array and negative ones, with growth of the array and many removals.
        SplittableRandom random = new SplittableRandom(5);
        DenseIdMap<Long> map = new DenseIdMap<>();
        HashMap<Long, Long> expected = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            long id = switch (random.nextInt(4)) {
                case 0 -> random.nextLong();
                case 1 -> DenseIdMap.DIRECT_LIMIT - 50 + random.nextInt(100);
                default -> random.nextInt(1 + step / 10);
            };
            long value = random.nextLong();
            switch (random.nextInt(3)) {
                case 0 -> assertEquals(expected.put(id, value), map.put(id, value));
                case 1 -> assertEquals(expected.remove(id), map.remove(id));
                default -> assertEquals(expected.get(id), map.get(id));
            }
            assertEquals(expected.size(), map.size());
        }
        for (var entry : expected.entrySet()) {
            assertEquals(entry.getValue(), map.get(entry.getKey()));
        }
    }
}
