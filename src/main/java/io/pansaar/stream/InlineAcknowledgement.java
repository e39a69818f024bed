package io.pansaar.stream;

/**
 * Attached to every message's metadata: lets the worker acknowledge a job's entry in Redis together with the job's
 * write (one round trip instead of two), and tell the connector so, whose ack then only forgets the entry.
 */
public final class InlineAcknowledgement {

    private final String group;
    private volatile boolean acknowledged;

    InlineAcknowledgement(String group) {
        this.group = group;
    }

    /** The consumer group the entry was delivered to, for its XACK. */
    public String group() {
        return group;
    }

    /** Records that the entry was acknowledged and deleted in Redis (XACK and XDEL), by the worker's write. */
    public void acknowledged() {
        acknowledged = true;
    }

    /** Whether the entry was acknowledged and deleted in Redis already. */
    public boolean isAcknowledged() {
        return acknowledged;
    }
}
