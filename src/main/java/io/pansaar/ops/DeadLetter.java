package io.pansaar.ops;

import java.util.Map;

/**
 * One entry of a dead-letter stream.
 *
 * @param id             its id in {@code pansaar:{p}:dead}
 * @param partition      its partition
 * @param fields         the job's own fields (key, reason, requested-at, token, ...), without the bookkeeping below
 * @param lastError      why the job failed the last time
 * @param deliveries     how often the job had been delivered
 * @param originalId     the job's id in {@code pansaar:{p}:jobs}
 * @param deadLetteredAt when it moved here, epoch ms (Redis time); null if the entry lacks it
 */
public record DeadLetter(String id, int partition, Map<String, String> fields, String lastError, Long deliveries,
        String originalId, Long deadLetteredAt) {
}
