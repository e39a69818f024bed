package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ChangeHistoryTest {

    @Test
    void isNoneExactlyWhenEqualToNone() {
        ChangeHistory[] histories = {ChangeHistory.NONE, new ChangeHistory(0, 0), ChangeHistory.NONE.revalidated(0, false),
            new ChangeHistory(-0.0, 0), new ChangeHistory(0, 1), new ChangeHistory(Double.MIN_VALUE, 0),
            ChangeHistory.NONE.revalidated(5, false), ChangeHistory.NONE.revalidated(0, true)};
        boolean[] none = {true, true, true, false, false, false, false, false};
        for (int i = 0; i < histories.length; i++) {
            assertEquals(none[i], histories[i].isNone(), histories[i].toString());
            assertEquals(histories[i].equals(ChangeHistory.NONE), histories[i].isNone(), histories[i].toString());
        }
    }
}
