package io.pansaar.simulator;

import io.pansaar.simulator.trace.Request;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Stream;
import io.pansaar.simulator.trace.TraceReader;

/**
 * A trace held in memory. Each distinct (id, size) pair becomes one object with a dense id, as in
 * webcachesim: when an id changes size its old copy is a different object that ages out. Unique bytes
 * count each original id once, at its last size.
 */
public final class Trace {
    private final List<Request> requests;
    private final long uniqueBytes;
    private final long uniqueIds;
    private final int objects;

    private Trace(List<Request> requests, long uniqueBytes, long uniqueIds, int objects) {
        this.requests = requests;
        this.uniqueBytes = uniqueBytes;
        this.uniqueIds = uniqueIds;
        this.objects = objects;
    }

    /** Reads every request of the reader into memory. */
    public static Trace load(TraceReader reader) throws IOException {
        record Version(long id, long size) {
        }
        HashMap<Version, Long> objectIds = new HashMap<>();
        HashMap<Long, Long> lastSizes = new HashMap<>();
        List<Request> requests = new ArrayList<>();
        try (Stream<Request> stream = reader.requests()) {
            stream.forEach(request -> {
                long object = objectIds.computeIfAbsent(new Version(request.id(), request.size()), version -> (long) objectIds.size());
                lastSizes.put(request.id(), request.size());
                requests.add(new Request(request.time(), object, request.size()));
            });
        }
        long uniqueBytes = lastSizes.values().stream().mapToLong(Long::longValue).sum();
        return new Trace(List.copyOf(requests), uniqueBytes, lastSizes.size(), objectIds.size());
    }

    /** Returns the requests, ids made dense. */
    public List<Request> requests() {
        return requests;
    }

    /** Returns the sum of each id's last size. */
    public long uniqueBytes() {
        return uniqueBytes;
    }

    /** Returns how many objects the dense ids number: every request's id is at least 0 and below this. */
    public int objects() {
        return objects;
    }

    /** Returns how many distinct ids the trace requests. */
    public long uniqueIds() {
        return uniqueIds;
    }
}
