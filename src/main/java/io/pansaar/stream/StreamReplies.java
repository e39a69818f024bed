package io.pansaar.stream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.pansaar.redis.RedisReplies;
import io.vertx.mutiny.redis.client.Response;

/** Reads the replies of the stream commands, in both RESP2 (arrays) and RESP3 (maps) form. */
final class StreamReplies {

    /** One entry as Redis returned it, before the connector knows its delivery count. */
    record RawEntry(String id, Map<String, String> fields) {
    }

    /** XAUTOCLAIM's reply: the next cursor, the claimed entries and the ids whose data had been deleted. */
    record AutoClaim(String nextCursor, List<RawEntry> claimed, List<String> deletedIds) {
    }

    private StreamReplies() {
    }

    /** XREADGROUP's reply as stream name -> entries; empty when the read timed out. */
    static Map<String, List<RawEntry>> readGroup(Response reply) {
        Map<String, List<RawEntry>> byStream = new LinkedHashMap<>();
        if (reply == null) {
            return byStream;
        }
        if (reply.isMap()) {
            for (String stream : reply.getKeys()) {
                byStream.put(stream, entries(reply.get(stream)));
            }
        } else {
            for (Response streamAndEntries : reply) {
                byStream.put(streamAndEntries.get(0).toString(), entries(streamAndEntries.get(1)));
            }
        }
        return byStream;
    }

    /** XCLAIM's or XRANGE's reply: a list of entries. */
    static List<RawEntry> entries(Response reply) {
        List<RawEntry> entries = new ArrayList<>();
        if (reply == null) {
            return entries;
        }
        for (Response entry : reply) {
            // Before Redis 7.0 a deleted entry came back as nil; it has nothing to deliver.
            if (entry == null || entry.size() < 2 || entry.get(1) == null) {
                continue;
            }
            entries.add(new RawEntry(entry.get(0).toString(), fields(entry.get(1))));
        }
        return entries;
    }

    /** XAUTOCLAIM's reply; the third element (deleted ids) exists from Redis 7.0. */
    static AutoClaim autoClaim(Response reply) {
        List<String> deleted = new ArrayList<>();
        if (reply.size() > 2 && reply.get(2) != null) {
            for (Response id : reply.get(2)) {
                deleted.add(id.toString());
            }
        }
        return new AutoClaim(reply.get(0).toString(), entries(reply.get(1)), deleted);
    }

    /** The delivery count from the extended XPENDING reply for a single id, or -1 when the id is not pending. */
    static long deliveryCount(Response extendedPendingReply) {
        if (extendedPendingReply == null || extendedPendingReply.size() == 0) {
            return -1;
        }
        return extendedPendingReply.get(0).get(3).toLong();
    }

    private static Map<String, String> fields(Response flatOrMap) {
        Map<String, String> fields = new LinkedHashMap<>();
        RedisReplies.forEachField(flatOrMap, (name, value) -> fields.put(name.toString(), value.toString()));
        return fields;
    }
}
