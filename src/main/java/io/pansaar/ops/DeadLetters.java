package io.pansaar.ops;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.pansaar.config.PansaarConfig;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.RedisReplies;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Lists, retries and deletes the entries of the dead-letter streams {@code pansaar:{p}:dead}.
 *
 * <p>Anyone who can XADD to a job stream decides how large a dead letter is, so a listing never holds
 * more than it answers with: it reads each stream newest first in pages of {@value #PAGE_SIZE} entries,
 * cuts every name and value to {@code pansaar.dead-letters.field-bytes} as soon as a page arrives, and
 * stops, saying {@code truncated}, when the next entry would take the answer past
 * {@code pansaar.dead-letters.listing-bytes}.
 */
@ApplicationScoped
public class DeadLetters {

    /** Entries one XREVRANGE reads: the most whole entries, of any size, held at once. */
    public static final int PAGE_SIZE = 10;

    /** Job fields listed per entry; the rest are only counted, so one entry cannot fill a listing by itself. */
    public static final int MAX_FIELDS = 100;

    /** The fields {@code pansaar_dead_letter} adds to a job; everything else is the job's own. */
    private static final Set<String> BOOKKEEPING = Set.of("original-id", "original-stream", "deliveries", "last-error",
            "dead-lettered-at");

    private static final Pattern ENTRY_ID = Pattern.compile("\\d{1,19}-\\d{1,19}");

    /** Newest first: by the id's time, then its sequence; between partitions, the lower partition first. */
    private static final Comparator<DeadLetter> NEWEST_FIRST = Comparator.comparingLong(DeadLetters::idTime)
            .thenComparingLong(DeadLetters::idSequence).reversed().thenComparingInt(DeadLetter::partition);

    private final Redis redis;
    private final PansaarFunctions functions;
    private final ObjectMapper json;
    private final int partitions;
    private final long listingBytes;
    private final int fieldBytes;

    public DeadLetters(Redis redis, PansaarFunctions functions, ObjectMapper json, PansaarConfig config,
            Partitioner partitioner) {
        this.redis = redis;
        this.functions = functions;
        this.json = json;
        this.partitions = partitioner.partitions();
        this.listingBytes = config.deadLetterLimits().listingBytes().asLongValue();
        this.fieldBytes = (int) Math.min(Integer.MAX_VALUE, config.deadLetterLimits().fieldBytes().asLongValue());
    }

    /** True for a complete stream entry id, {@code <ms>-<sequence>}. */
    public static boolean isEntryId(String id) {
        return id != null && ENTRY_ID.matcher(id).matches();
    }

    /**
     * At most {@code count} of the newest dead letters, newest first, of one partition or of all when
     * partition is empty, within the listing's byte budget.
     */
    public Uni<DeadLetterListing> newest(Optional<Integer> partition, int count) {
        List<Integer> chosen = partition.map(List::of).orElseGet(() -> IntStream.range(0, partitions).boxed().toList());
        return new Merge(chosen, count).next();
    }

    /** Puts a dead letter back on its job stream; the new job's id, or empty when there is no such dead letter. */
    public Uni<Optional<String>> retry(int partition, String id) {
        return functions.retryDeadLetter(partition, id).map(reply -> switch (reply.outcome()) {
            case RETRIED -> Optional.of(reply.detail());
            case NOT_FOUND -> Optional.<String>empty();
            case REFUSED -> throw new RetryRefusedException(reply.detail());
        });
    }

    /** A dead letter that cannot be put back: it keeps only an excerpt of an oversize entry. */
    public static final class RetryRefusedException extends RuntimeException {
        RetryRefusedException(String why) {
            super(why);
        }
    }

    /** Deletes a dead letter; false when there was none. */
    public Uni<Boolean> delete(int partition, String id) {
        return redis.send(Request.cmd(Command.XDEL).arg(RedisKeys.deadLetters(partition)).arg(id))
                .map(deleted -> deleted.toLong() > 0);
    }

    /**
     * A merge of the chosen partitions' streams, newest first, that reads a partition's next page only
     * when its last one is used up, one page at a time.
     */
    private final class Merge {

        private final List<PartitionCursor> cursors;
        private final int count;
        private final List<DeadLetter> listed = new ArrayList<>();
        private long listedBytes;

        Merge(List<Integer> chosen, int count) {
            this.cursors = chosen.stream().map(PartitionCursor::new).toList();
            this.count = count;
        }

        /** Lists entries until count, the budget or the streams' end; reads a page first where one is needed. */
        Uni<DeadLetterListing> next() {
            while (listed.size() < count) {
                Optional<PartitionCursor> unread = cursors.stream().filter(PartitionCursor::needsPage).findFirst();
                if (unread.isPresent()) {
                    return unread.get().readPage().chain(this::next);
                }
                Optional<PartitionCursor> newest = cursors.stream().filter(cursor -> !cursor.page.isEmpty())
                        .min(Comparator.comparing(cursor -> cursor.page.peekFirst(), NEWEST_FIRST));
                if (newest.isEmpty()) {
                    break;
                }
                DeadLetter letter = newest.get().page.peekFirst();
                // One more byte for the comma that separates it from the entry before.
                long size = jsonBytes(letter) + 1;
                if (listedBytes + size > listingBytes) {
                    return Uni.createFrom().item(new DeadLetterListing(List.copyOf(listed), true));
                }
                newest.get().page.removeFirst();
                listed.add(letter);
                listedBytes += size;
            }
            return Uni.createFrom().item(new DeadLetterListing(List.copyOf(listed), false));
        }
    }

    /** Where the merge stands in one partition's stream: its unlisted entries of the last page read. */
    private final class PartitionCursor {

        private final int partition;
        private final ArrayDeque<DeadLetter> page = new ArrayDeque<>();
        private String lastReadId;
        private boolean exhausted;

        PartitionCursor(int partition) {
            this.partition = partition;
        }

        boolean needsPage() {
            return page.isEmpty() && !exhausted;
        }

        /** Reads the next, older page; each entry is cut at once, so the whole entries can be dropped. */
        Uni<Void> readPage() {
            // "(" makes the range exclusive (Redis 6.2+): the page starts below the last entry read.
            String end = lastReadId == null ? "+" : "(" + lastReadId;
            Request request = Request.cmd(Command.XREVRANGE).arg(RedisKeys.deadLetters(partition)).arg(end).arg("-")
                    .arg("COUNT").arg(PAGE_SIZE);
            return redis.send(request).map(reply -> {
                for (Response entry : reply) {
                    lastReadId = entry.get(0).toString();
                    page.addLast(toDeadLetter(partition, lastReadId, entry.get(1)));
                }
                exhausted = reply.size() < PAGE_SIZE;
                return null;
            });
        }
    }

    /** The entry as listed: bookkeeping fields apart, every name and value cut to the field limit. */
    private DeadLetter toDeadLetter(int partition, String id, Response flatOrMap) {
        Map<String, String> bookkeeping = new LinkedHashMap<>();
        Map<String, String> job = new LinkedHashMap<>();
        int[] omitted = { 0 };
        RedisReplies.forEachField(flatOrMap, (wholeName, value) -> {
            String name = cut(wholeName, fieldBytes);
            if (BOOKKEEPING.contains(name)) {
                bookkeeping.put(name, cut(value.toBuffer(), fieldBytes));
            } else if (job.size() < MAX_FIELDS) {
                job.put(name, cut(value.toBuffer(), fieldBytes));
            } else {
                omitted[0]++;
            }
        });
        return new DeadLetter(id, partition, job, omitted[0], bookkeeping.get("last-error"),
                number(bookkeeping.get("deliveries")), bookkeeping.get("original-id"),
                number(bookkeeping.get("dead-lettered-at")));
    }

    /**
     * The text of {@code bytes}, cut to {@code limit} bytes at a UTF-8 character boundary, with a marker
     * of its whole length; only the kept bytes are decoded.
     */
    static String cut(Buffer bytes, int limit) {
        int length = bytes.length();
        if (length <= limit) {
            return bytes.toString(StandardCharsets.UTF_8.name());
        }
        int end = limit;
        // Back off over continuation bytes (10xxxxxx), so no character is split.
        while (end > 0 && (bytes.getByte(end) & 0xC0) == 0x80) {
            end--;
        }
        return bytes.getString(0, end, StandardCharsets.UTF_8.name()) + cutMarker(length);
    }

    /** What a cut value ends with: how long the whole value was. */
    public static String cutMarker(long wholeBytes) {
        return "…[cut: " + wholeBytes + " bytes in all]";
    }

    private long jsonBytes(DeadLetter letter) {
        try {
            return json.writeValueAsBytes(letter).length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a dead letter of strings and numbers is always JSON", e);
        }
    }

    /** A bookkeeping number, or null when the entry lacks it or holds something else (it was written by hand). */
    private static Long number(String value) {
        if (value == null || !value.matches("\\d{1,19}")) {
            return null;
        }
        return Long.parseLong(value);
    }

    private static long idTime(DeadLetter letter) {
        return Long.parseLong(letter.id().substring(0, letter.id().indexOf('-')));
    }

    private static long idSequence(DeadLetter letter) {
        return Long.parseLong(letter.id().substring(letter.id().indexOf('-') + 1));
    }
}
