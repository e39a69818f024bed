package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DynamicTtlTest {

    @Test
    void anHoursBoundsAreAMinuteAndAWeek() {
        assertEquals(60, DynamicTtl.floorOf(3_600));
        assertEquals(604_800, DynamicTtl.ceilingOf(3_600));
    }

    @Test
    void theFloorIsAtLeastOneUnitAndTheCeilingDoesNotOverflow() {
        assertEquals(1, DynamicTtl.floorOf(30));
        assertEquals(Long.MAX_VALUE, DynamicTtl.ceilingOf(Long.MAX_VALUE / 100));
    }
}
