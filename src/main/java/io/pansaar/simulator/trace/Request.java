package io.pansaar.simulator.trace;

/**
 * One cache request: when it happened on the trace's clock (seconds, or a request counter where the
 * trace has no clock), which object, and how many bytes the object takes.
 */
public record Request(long time, long id, long size) {

    /** Checks that the size is positive, since a zero-byte object would make byte ratios meaningless. */
    public Request {
        if (size <= 0) {
            throw new IllegalArgumentException("request size must be positive, got " + size + " for object " + id);
        }
    }
}
