package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** A cache kept in one linked list, evicting from its head: access order gives LRU, insertion order FIFO. */
abstract class LinkedPolicy extends SizedPolicy {
    private final LinkedHashMap<Long, Long> sizes;

    LinkedPolicy(String name, long capacity, boolean accessOrder) {
        super(name, capacity);
        this.sizes = new LinkedHashMap<>(1024, 0.75f, accessOrder);
    }

    @Override
    public void record(Request request) {
        if (sizes.get(request.id()) != null) {
            stats.recordHit(request.size());
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        Iterator<Map.Entry<Long, Long>> oldest = sizes.entrySet().iterator();
        while (usedBytes + request.size() > capacity) {
            usedBytes -= oldest.next().getValue();
            oldest.remove();
            stats.recordEviction();
        }
        sizes.put(request.id(), request.size());
        usedBytes += request.size();
    }

    @Override
    protected long residentBytes() {
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }
}
