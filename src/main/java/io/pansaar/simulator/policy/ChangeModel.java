package io.pansaar.simulator.policy;

import java.util.SplittableRandom;

/**
 * The documented content-change model. Each object changes as a Poisson process on the trace's clock whose
 * mean interval depends on a class drawn deterministically from the object's id: 60% never change, 30% are
 * stable (one change per trace span on average) and 10% are volatile (fifty changes per span). Change times
 * are drawn from a generator seeded by the id, so the same trace always sees the same changes, whichever
 * policy asks and in whatever order.
 */
public final class ChangeModel {
    static final double NEVER_SHARE = 0.60;
    static final double STABLE_SHARE = 0.30;
    static final double VOLATILE_CHANGES_PER_SPAN = 50;
    private static final long SEED = 0x9E3779B97F4A7C15L;

    /** A model in which nothing ever changes. */
    public static final ChangeModel NONE = new ChangeModel(0, 0, 0);

    private final long start;
    private final double stableMean;
    private final double volatileMean;
    private final LongHashMap<Cursor> cursors = new LongHashMap<>();
    /**
     * The object looked up last, its mean change interval and its cursor (null for one that never changes): a policy
     * that revalidates a copy asks whether it changed and when it changes next, two look-ups of one object in a row.
     */
    private boolean lookedUp;
    private long lastId;
    private double lastMean;
    private Cursor lastCursor;

    /** The last change at or before a point of the clock and the change after it. */
    private static final class Cursor {
        final SplittableRandom random;
        long lastChange;
        long nextChange;

        Cursor(SplittableRandom random, long lastChange, long nextChange) {
            this.random = random;
            this.lastChange = lastChange;
            this.nextChange = nextChange;
        }
    }

    private ChangeModel(long start, double stableMean, double volatileMean) {
        this.start = start;
        this.stableMean = stableMean;
        this.volatileMean = volatileMean;
    }

    /** Creates the model for a trace whose clock runs from start to end (the span is at least 1). */
    public static ChangeModel forSpan(long start, long end) {
        double span = Math.max(1, end - start);
        return new ChangeModel(start, span, span / VOLATILE_CHANGES_PER_SPAN);
    }

    /** Returns the mean interval between the object's changes, or infinity for an object that never changes. */
    public double meanChangeInterval(long id) {
        if (stableMean == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double draw = new SplittableRandom(SEED ^ id).nextDouble();
        if (draw < NEVER_SHARE) {
            return Double.POSITIVE_INFINITY;
        }
        return draw < NEVER_SHARE + STABLE_SHARE ? stableMean : volatileMean;
    }

    /** Returns whether the object changed after a copy fetched at fetchedAt and at or before now. */
    public boolean changedBetween(long id, long fetchedAt, long now) {
        return now > fetchedAt && lastChangeAtOrBefore(id, now) > fetchedAt;
    }

    /** Returns the time of the object's last change at or before the given time, Long.MIN_VALUE if none. */
    public long lastChangeAtOrBefore(long id, long time) {
        Cursor cursor = cursorAt(id, time);
        return cursor == null ? Long.MIN_VALUE : cursor.lastChange;
    }

    /** Returns the time of the object's first change after the given time, Long.MAX_VALUE if none. */
    public long nextChangeAfter(long id, long time) {
        Cursor cursor = cursorAt(id, time);
        return cursor == null ? Long.MAX_VALUE : cursor.nextChange;
    }

    /**
     * Returns the object's cursor moved to the given time, its last change at or before it and its next change after
     * it, or null for an object that never changes.
     */
    private Cursor cursorAt(long id, long time) {
        if (stableMean == 0) {
            // Nothing ever changes: no state to keep, so that NONE, shared by every replay, stays as it is.
            return null;
        }
        boolean again = lookedUp && id == lastId;
        double mean = again ? lastMean : meanChangeInterval(id);
        Cursor cursor = null;
        if (!Double.isInfinite(mean)) {
            // Looked up again, the cursor is the map's: only this method replaces one.
            cursor = again ? lastCursor : cursors.get(id);
            if (cursor == null || time < cursor.lastChange) {
                // A fresh generator replays the same changes from the start; only a query back in time needs it.
                SplittableRandom random = new SplittableRandom(SEED ^ id ^ 0x5DEECE66DL);
                cursor = new Cursor(random, Long.MIN_VALUE, start + interval(random, mean));
                cursors.put(id, cursor);
            }
            while (cursor.nextChange <= time) {
                cursor.lastChange = cursor.nextChange;
                cursor.nextChange += interval(cursor.random, mean);
            }
        }
        lookedUp = true;
        lastId = id;
        lastMean = mean;
        lastCursor = cursor;
        return cursor;
    }

    private static long interval(SplittableRandom random, double mean) {
        // At least one clock unit, so the change times strictly increase.
        return Math.max(1, Math.round(-mean * Math.log(1 - random.nextDouble())));
    }
}
