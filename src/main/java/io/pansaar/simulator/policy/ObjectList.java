package io.pansaar.simulator.policy;

/**
 * A doubly linked list of cached objects, oldest first, that appends, moves and removes any object in
 * constant time without allocating. Each node knows the list that holds it, so a policy with several
 * segments can tell where an object is.
 */
final class ObjectList {

    /** One cached object. */
    static final class Node {
        final long id;
        final long size;
        private ObjectList list;
        private Node previous;
        private Node next;

        Node(long id, long size) {
            this.id = id;
            this.size = size;
        }

        /** Returns the list that holds this node, or null. */
        ObjectList list() {
            return list;
        }
    }

    private Node first;
    private Node last;
    private int size;

    /** Appends a node that no list holds as the newest. */
    void addLast(Node node) {
        if (node.list != null) {
            throw new IllegalStateException("object " + node.id + " is already in a list");
        }
        node.list = this;
        node.previous = last;
        node.next = null;
        if (last == null) {
            first = node;
        } else {
            last.next = node;
        }
        last = node;
        size++;
    }

    /** Unlinks a node of this list. */
    void remove(Node node) {
        if (node.list != this) {
            throw new IllegalStateException("object " + node.id + " is not in this list");
        }
        if (node.previous == null) {
            first = node.next;
        } else {
            node.previous.next = node.next;
        }
        if (node.next == null) {
            last = node.previous;
        } else {
            node.next.previous = node.previous;
        }
        node.list = null;
        node.previous = null;
        node.next = null;
        size--;
    }

    /** Makes a node of this list the newest. */
    void moveToLast(Node node) {
        if (node != last) {
            remove(node);
            addLast(node);
        }
    }

    /** Returns the oldest node, or null when the list is empty. */
    Node first() {
        return first;
    }

    /** Removes and returns the oldest node; the list must not be empty. */
    Node pollFirst() {
        Node oldest = first;
        remove(oldest);
        return oldest;
    }

    /** Returns whether the list holds no node. */
    boolean isEmpty() {
        return size == 0;
    }

    /** Returns how many nodes the list holds. */
    int size() {
        return size;
    }

    /** Sums the sizes of the nodes by walking the list. */
    long recountBytes() {
        long bytes = 0;
        for (Node node = first; node != null; node = node.next) {
            bytes += node.size;
        }
        return bytes;
    }
}
