package io.pansaar.simulator.policy;

/** Least recently used, evicting until the new object fits (<a href="https://en.wikipedia.org/wiki/Cache_replacement_policies">cache replacement policies</a>). */
public final class LruPolicy extends LinkedPolicy {

    /** Creates an LRU cache of the given bytes. */
    public LruPolicy(long capacity) {
        super("lru", capacity, true);
    }
}
