package io.pansaar.ops;

import java.util.Map;

/**
 * One entry of a dead-letter stream, as a listing shows it: every name and value cut to the listing's
 * field limit, with a marker of its whole length.
 *
 * @param id             its id in {@code pansaar:{p}:dead}
 * @param partition      its partition
 * @param fields         the job's own fields (key, reason, requested-at, token, ...), without the bookkeeping below
 * @param fieldsOmitted  job fields past the first {@value DeadLetters#MAX_FIELDS}, left out of {@code fields}
 * @param lastError      why the job failed the last time
 * @param deliveries     how often the job had been delivered
 * @param originalId     the job's id in {@code pansaar:{p}:jobs}
 * @param deadLetteredAt when it moved here, epoch ms (Redis time); null if the entry lacks it
 */
public record DeadLetter(String id, int partition, Map<String, String> fields, int fieldsOmitted, String lastError,
        Long deliveries, String originalId, Long deadLetteredAt) {
}
