package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pansaar.simulator.trace.Request;

/** What production's scheduler can tell the tuners of a tick: each key once, with its count and size, at the tick's end. */
class TickFeedTest {

    @Test
    void aTickIsDeliveredWhenTheNextBeginsOneDeliveryPerKeyDatedItsEnd() {
        TickFeed feed = new TickFeed(10);
        assertEquals(List.of(), feed.offer(new Request(20, 7, 100)));
        assertEquals(List.of(), feed.offer(new Request(23, 8, 50)));
        assertEquals(List.of(), feed.offer(new Request(25, 7, 100)));
        // Object 7's size changed within the tick: its latest request's size holds, as the hash holds the latest.
        assertEquals(List.of(), feed.offer(new Request(29, 7, 120)));
        List<TickFeed.Delivery> tick = new ArrayList<>(feed.offer(new Request(41, 9, 10)));
        tick.sort(Comparator.comparingLong(delivery -> delivery.request().id()));
        assertEquals(List.of(new TickFeed.Delivery(new Request(30, 7, 120), 3), new TickFeed.Delivery(new Request(30, 8, 50), 1)),
                tick);
        // The tick from 40 to 50 is delivered dated 50, though the next request comes later still.
        assertEquals(List.of(new TickFeed.Delivery(new Request(50, 9, 10), 1)), feed.offer(new Request(75, 9, 10)));
    }

    @Test
    void theKeysOfATickComeInASeededOrderOtherThanTheTraces() {
        List<TickFeed.Delivery> first = oneTickOf(50);
        assertEquals(first, oneTickOf(50), "the same trace is delivered in the same order");
        List<TickFeed.Delivery> sorted = new ArrayList<>(first);
        sorted.sort(Comparator.comparingLong(delivery -> delivery.request().id()));
        assertNotEquals(sorted, first, "but not in the order of the keys");
        assertEquals(50, sorted.size());
        for (int id = 0; id < 50; id++) {
            assertEquals(id, sorted.get(id).request().id());
        }
    }

    @Test
    void aTickEndingBeyondTheLatestClockIsDatedIt() {
        TickFeed feed = new TickFeed(Long.MAX_VALUE / 2);
        feed.offer(new Request(5, 1, 10));
        assertEquals(List.of(new TickFeed.Delivery(new Request(PansaarPolicy.LATEST_CLOCK, 1, 10), 1)),
                feed.offer(new Request(Long.MAX_VALUE / 2, 2, 10)));
    }

    @Test
    void aTickLastsAtLeastOneClockUnit() {
        assertThrows(IllegalArgumentException.class, () -> new TickFeed(0));
    }

    private static List<TickFeed.Delivery> oneTickOf(int keys) {
        TickFeed feed = new TickFeed(1000);
        for (int id = 0; id < keys; id++) {
            assertTrue(feed.offer(new Request(id, id, 1)).isEmpty());
        }
        return feed.offer(new Request(1000, 0, 1));
    }
}
