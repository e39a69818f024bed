package io.pansaar.redis.function;

/**
 * The job-stream entry a write finishes, to be acknowledged and deleted with the write: its stream (the written key's
 * partition's), its consumer group and its id.
 */
public record FinishedJob(String stream, String group, String entryId) {
}
