package io.pansaar.worker;

import java.util.Optional;

import io.opentelemetry.context.Context;
import io.pansaar.key.ImageKey;
import io.pansaar.key.InvalidImageKeyException;
import io.pansaar.logging.LogText;
import io.pansaar.logging.TraceLog;
import io.pansaar.redis.function.JobReason;
import io.pansaar.stream.StreamEntry;
import io.pansaar.stream.UnprocessableEntryException;

/**
 * One regeneration request, parsed from a job stream entry.
 *
 * @param key the image to regenerate
 * @param reason why it was requested
 * @param requestedAtMillis when it was requested: the {@code requested-at} field, or the entry id's time
 * @param traceparent the W3C trace context the publisher passed along, if any
 * @param token the single-flight marker token of the read that enqueued it, if any
 * @param entry the stream entry it came from
 * @param trace the OpenTelemetry context holding the job's span, the parent of its fetch and write spans
 */
public record RegenerationJob(ImageKey key, JobReason reason, long requestedAtMillis, Optional<String> traceparent,
        Optional<String> token, StreamEntry entry, Context trace) {

    /** Parses an entry, throwing {@link UnprocessableEntryException} with the reason when it is malformed. */
    public static RegenerationJob from(StreamEntry entry) {
        String rawKey = entry.fields().get("key");
        if (rawKey == null) {
            throw new UnprocessableEntryException("entry " + entry.id() + " has no 'key' field");
        }
        ImageKey key;
        try {
            key = ImageKey.of(rawKey);
        } catch (InvalidImageKeyException e) {
            throw new UnprocessableEntryException("entry " + entry.id() + " has an invalid key: " + e.getMessage());
        }
        String rawReason = entry.fields().getOrDefault("reason", JobReason.MANUAL.wireName());
        JobReason reason;
        try {
            reason = JobReason.parse(rawReason);
        } catch (IllegalArgumentException e) {
            throw new UnprocessableEntryException("entry " + entry.id() + " has reason " + LogText.quote(rawReason)
                    + "; it must be miss, refresh, manual or warm");
        }
        return new RegenerationJob(key, reason, requestedAt(entry), traceparent(entry), optionalField(entry, "token"),
                entry, Context.root());
    }

    /**
     * The token under which this job claims the key's fetch lease: the marker's token when a read
     * enqueued it, so its marker turns into its lease; otherwise one derived from the entry, so a
     * redelivery of the same entry takes back its own lease.
     */
    public String claimToken() {
        return token.orElseGet(() -> "entry-" + entry.partition() + "-" + entry.id());
    }

    /** This job with {@code context} as the context of its spans. */
    public RegenerationJob traced(Context context) {
        return new RegenerationJob(key, reason, requestedAtMillis, traceparent, token, entry, context);
    }

    /** The trace id of this job's log lines: its traceparent's, or one derived from its entry. */
    public String traceId() {
        return entry.traceId();
    }

    /** How log lines name this job: reason, entry id, stream, and the trace context when there is one. */
    public String describe() {
        return reason.wireName() + " job " + entry.id() + " of " + entry.stream()
                + traceparent.map(value -> ", traceparent " + value).orElse("");
    }

    /**
     * The W3C trace context, when the field holds one: a value of another shape is dropped rather than carried
     * into log lines, where a CR or LF in it could forge a line of its own.
     */
    private static Optional<String> traceparent(StreamEntry entry) {
        return optionalField(entry, "traceparent").filter(TraceLog::isTraceparent);
    }

    private static Optional<String> optionalField(StreamEntry entry, String name) {
        return Optional.ofNullable(entry.fields().get(name)).filter(value -> !value.isBlank());
    }

    private static long requestedAt(StreamEntry entry) {
        String field = entry.fields().get("requested-at");
        if (field == null || field.isBlank()) {
            return entry.addedAtMillis();
        }
        try {
            long millis = Long.parseLong(field.trim());
            if (millis < 0) {
                throw new NumberFormatException("negative");
            }
            return millis;
        } catch (NumberFormatException e) {
            throw new UnprocessableEntryException("entry " + entry.id() + " has requested-at " + LogText.quote(field)
                    + "; it must be epoch milliseconds");
        }
    }
}
