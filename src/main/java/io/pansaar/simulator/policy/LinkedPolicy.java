package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;

/** A cache kept in one linked list, evicting from its head: access order gives LRU, insertion order FIFO. */
abstract class LinkedPolicy extends SizedPolicy {
    private final LongHashMap<ObjectList.Node> nodes = new LongHashMap<>();
    private final ObjectList order = new ObjectList();
    private final boolean accessOrder;

    LinkedPolicy(String name, long capacity, boolean accessOrder) {
        super(name, capacity);
        this.accessOrder = accessOrder;
    }

    @Override
    public void record(Request request) {
        ObjectList.Node node = nodes.get(request.id());
        if (node != null) {
            stats.recordHit(request.size());
            if (accessOrder) {
                order.moveToLast(node);
            }
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        while (usedBytes + request.size() > capacity) {
            ObjectList.Node oldest = order.pollFirst();
            nodes.remove(oldest.id);
            usedBytes -= oldest.size;
            stats.recordEviction();
        }
        node = new ObjectList.Node(request.id(), request.size());
        order.addLast(node);
        nodes.put(node.id, node);
        usedBytes += node.size;
    }

    @Override
    public void finished() {
        super.finished();
        if (nodes.size() != order.size()) {
            throw new IllegalStateException(stats.name() + ": " + nodes.size() + " indexed objects but " + order.size() + " listed");
        }
    }

    @Override
    protected long residentBytes() {
        return order.recountBytes();
    }
}
