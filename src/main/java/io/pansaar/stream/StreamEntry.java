package io.pansaar.stream;

import java.util.Map;

import io.pansaar.logging.TraceLog;

/**
 * One job-stream entry as delivered to the worker: the payload of every message of the
 * {@code pansaar-redis-streams} connector, and also attached as the message's metadata.
 *
 * @param stream        the stream the entry lives in, {@code pansaar:{p}:jobs}
 * @param partition     the stream's partition p
 * @param id            the entry id Redis assigned, {@code <ms>-<seq>}
 * @param fields        the entry's fields in Redis order
 * @param deliveryCount how many times the entry has been delivered, this delivery included (1 on first delivery)
 */
public record StreamEntry(String stream, int partition, String id, Map<String, String> fields, long deliveryCount) {

    public StreamEntry {
        fields = Map.copyOf(fields);
    }

    /** The trace id of this entry's log lines: its traceparent's, or one derived from its stream and id. */
    public String traceId() {
        return TraceLog.traceIdOf(fields.get("traceparent"), stream, id);
    }

    /** The value of one field, or null when the entry lacks it. */
    public String field(String name) {
        return fields.get(name);
    }

    /** When the entry entered the stream: the server's clock in milliseconds, which starts its id. */
    public long addedAtMillis() {
        return Long.parseLong(id.substring(0, id.indexOf('-')));
    }

    /** The same entry as delivered once more, with the given delivery count. */
    public StreamEntry redelivered(long newDeliveryCount) {
        return new StreamEntry(stream, partition, id, fields, newDeliveryCount);
    }
}
