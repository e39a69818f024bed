package io.pansaar.simulator.policy;

/** First in, first out, evicting the oldest admission (<a href="https://en.wikipedia.org/wiki/Cache_replacement_policies">cache replacement policies</a>). */
public final class FifoPolicy extends LinkedPolicy {

    /** Creates a FIFO cache of the given bytes. */
    public FifoPolicy(long capacity) {
        super("fifo", capacity, false);
    }
}
