package io.pansaar.ops;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import io.pansaar.config.PansaarConfig;
import io.pansaar.key.RedisKeys;
import io.pansaar.store.FunctionError;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/** Lists, retries and deletes the entries of the dead-letter streams {@code pansaar:{p}:dead}. */
@ApplicationScoped
public class DeadLetters {

    /** The fields {@code pansaar_dead_letter} adds to a job; everything else is the job's own. */
    private static final Set<String> BOOKKEEPING = Set.of("original-id", "original-stream", "deliveries", "last-error",
            "dead-lettered-at");

    private static final Pattern ENTRY_ID = Pattern.compile("\\d{1,19}-\\d{1,19}");

    private final Redis redis;
    private final int partitions;

    public DeadLetters(Redis redis, PansaarConfig config) {
        this.redis = redis;
        this.partitions = config.partitions();
    }

    /** How many partitions there are, so callers can check a partition number. */
    public int partitions() {
        return partitions;
    }

    /** True for a complete stream entry id, {@code <ms>-<sequence>}. */
    public static boolean isEntryId(String id) {
        return id != null && ENTRY_ID.matcher(id).matches();
    }

    /** The newest dead letters, newest first: of one partition, or of all when partition is empty. */
    public Uni<List<DeadLetter>> newest(Optional<Integer> partition, int count) {
        List<Integer> chosen = partition.map(List::of).orElseGet(() -> IntStream.range(0, partitions).boxed().toList());
        List<Uni<List<DeadLetter>>> reads = chosen.stream().map(each -> newestOf(each, count)).toList();
        return Uni.join().all(reads).andFailFast().map(perPartition -> perPartition.stream().flatMap(List::stream)
                // Entry ids start with their time in ms, so ordering by id orders by when they became dead letters.
                .sorted(Comparator.comparingLong(DeadLetters::idTime).thenComparingLong(DeadLetters::idSequence).reversed())
                .limit(count).toList());
    }

    /** Puts a dead letter back on its job stream; the new job's id, or empty when there is no such dead letter. */
    public Uni<Optional<String>> retry(int partition, String id) {
        Request call = Request.cmd(Command.FCALL).arg("pansaar_retry_dead_letter").arg(2)
                .arg(RedisKeys.deadLetters(partition)).arg(RedisKeys.jobs(partition)).arg(id);
        return redis.send(call).onFailure().transform(FunctionError::translate).map(reply -> {
            String outcome = reply.get(0).toString();
            return switch (outcome) {
                case "retried" -> Optional.of(reply.get(1).toString());
                case "not-found" -> Optional.<String>empty();
                default -> throw new IllegalStateException("pansaar_retry_dead_letter answered " + outcome);
            };
        });
    }

    /** Deletes a dead letter; false when there was none. */
    public Uni<Boolean> delete(int partition, String id) {
        return redis.send(Request.cmd(Command.XDEL).arg(RedisKeys.deadLetters(partition)).arg(id))
                .map(deleted -> deleted.toLong() > 0);
    }

    private Uni<List<DeadLetter>> newestOf(int partition, int count) {
        return redis.send(Request.cmd(Command.XREVRANGE).arg(RedisKeys.deadLetters(partition)).arg("+").arg("-")
                .arg("COUNT").arg(count)).map(reply -> {
                    List<DeadLetter> letters = new ArrayList<>();
                    for (Response entry : reply) {
                        letters.add(toDeadLetter(partition, entry.get(0).toString(), entry.get(1)));
                    }
                    return letters;
                });
    }

    private static DeadLetter toDeadLetter(int partition, String id, Response flatOrMap) {
        Map<String, String> all = new LinkedHashMap<>();
        if (flatOrMap.isMap()) {
            flatOrMap.getKeys().forEach(name -> all.put(name, flatOrMap.get(name).toString()));
        } else {
            for (int index = 0; index + 1 < flatOrMap.size(); index += 2) {
                all.put(flatOrMap.get(index).toString(), flatOrMap.get(index + 1).toString());
            }
        }
        Map<String, String> job = new LinkedHashMap<>(all);
        job.keySet().removeAll(BOOKKEEPING);
        return new DeadLetter(id, partition, job, all.get("last-error"), number(all.get("deliveries")),
                all.get("original-id"), number(all.get("dead-lettered-at")));
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
