package io.pansaar.simulator.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import io.pansaar.simulator.trace.Request;

/**
 * A partition's requests as production's scheduler can hand them to {@code pansaar-tuned}'s shadow caches: once per
 * tick of {@code interval} clock units, every key requested in the tick once, with how many requests it had and its
 * size, dated the tick's end and in no order of their own. Production folds the partition's hit counter every tick,
 * and reads a key's count from the counter's hash, whose order is the hash's; the simulator stands for that order
 * with a seeded shuffle, so that runs repeat. The last tick of a replay is never delivered: no request follows it.
 */
final class TickFeed {

    /** One key of a tick: its latest request, dated the tick's end, and how many requests it had in the tick. */
    record Delivery(Request request, long count) {
    }

    /** The seed of the shuffle inside a tick, so that runs repeat. */
    static final long SEED = 0xF0_1D;

    private final long interval;
    private final SplittableRandom random = new SplittableRandom(SEED);
    /** The requests of the tick not delivered yet, in trace order. */
    private final List<Request> pending = new ArrayList<>();
    /** The tick the pending requests fall in: the trace clock divided by the interval, rounded down. */
    private long pendingTick;

    /** A feed that delivers every {@code interval} clock units, at least 1. */
    TickFeed(long interval) {
        if (interval < 1) {
            throw new IllegalArgumentException("a tick must last at least 1 clock unit, got " + interval);
        }
        this.interval = interval;
    }

    /**
     * Takes the next request of the trace; when it falls in a later tick than the requests waiting, first returns
     * those, one delivery per key, for the shadows to replay before it. Otherwise returns an empty list.
     */
    List<Delivery> offer(Request request) {
        long tick = Math.floorDiv(request.time(), interval);
        List<Delivery> delivered = List.of();
        if (!pending.isEmpty() && tick != pendingTick) {
            delivered = deliver();
        }
        pendingTick = tick;
        pending.add(request);
        return delivered;
    }

    /**
     * The waiting requests, one delivery per key dated the end of their tick, or the latest clock a replay may reach
     * if the tick ends beyond it; shuffled; none wait afterwards.
     */
    private List<Delivery> deliver() {
        // The tick's start is at most a request's time, so only its end may pass the latest clock, or the longs.
        long start = pendingTick * interval;
        long end = start > PansaarPolicy.LATEST_CLOCK - interval ? PansaarPolicy.LATEST_CLOCK : start + interval;
        // A stable sort: a key's requests stay in trace order, so that its last is its latest, whose size holds.
        pending.sort(Comparator.comparingLong(Request::id));
        List<Delivery> deliveries = new ArrayList<>();
        int first = 0;
        while (first < pending.size()) {
            int last = first;
            while (last + 1 < pending.size() && pending.get(last + 1).id() == pending.get(first).id()) {
                last++;
            }
            Request latest = pending.get(last);
            deliveries.add(new Delivery(new Request(end, latest.id(), latest.size()), last - first + 1));
            first = last + 1;
        }
        pending.clear();
        // Fisher-Yates: each order of the tick's keys equally likely.
        for (int i = deliveries.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            deliveries.set(j, deliveries.set(i, deliveries.get(j)));
        }
        return deliveries;
    }
}
