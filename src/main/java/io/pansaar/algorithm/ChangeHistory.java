package io.pansaar.algorithm;

/**
 * What revalidations have shown about one image: how long its copies were observed (exposure, in clock units)
 * and how many revalidations found the content changed.
 */
public record ChangeHistory(double exposure, long changes) {
    /** The history of an image never revalidated. */
    public static final ChangeHistory NONE = new ChangeHistory(0, 0);

    /** Checks that neither count is negative. */
    public ChangeHistory {
        if (exposure < 0 || changes < 0) {
            throw new IllegalArgumentException("exposure and changes must not be negative: " + exposure + ", " + changes);
        }
    }

    /**
     * Returns whether this equals {@link #NONE}, as {@code equals} tells, without the record's generic equality: the
     * dynamic TTL asks at every write and revalidation.
     */
    public boolean isNone() {
        return changes == 0 && Double.compare(exposure, 0) == 0;
    }

    /** Returns the history after a revalidation of a copy of the given age that found it changed or not. */
    public ChangeHistory revalidated(long age, boolean changed) {
        return new ChangeHistory(exposure + Math.max(0, age), changes + (changed ? 1 : 0));
    }
}
