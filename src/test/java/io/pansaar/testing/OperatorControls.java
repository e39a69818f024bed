package io.pansaar.testing;

import static io.pansaar.testing.AdminApi.admin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;

/**
 * The operator's controls as an operator uses them, through the running application's admin API: warm-ups, purges by
 * key, by prefix and by tag, and the events stream that records what they did. Shared by the tests that run them on a single
 * Redis and on a cluster.
 */
public final class OperatorControls {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern COMMAND_STAT = Pattern.compile("^cmdstat_([^:]+):calls=(\\d+)", Pattern.MULTILINE);

    private final TestOrigin origin;
    private final RedisDataSource redis;
    private final Partitioner partitioner;

    public OperatorControls(TestOrigin origin, RedisDataSource redis, Partitioner partitioner) {
        this.origin = origin;
        this.redis = redis;
        this.partitioner = partitioner;
    }

    /** One new key under {@code prefix} on each partition, so that together they reach every shard of a cluster. */
    public List<ImageKey> onePerPartition(String prefix) {
        Map<Integer, ImageKey> keyPerPartition = new HashMap<>();
        for (int i = 0; keyPerPartition.size() < partitioner.partitions(); i++) {
            ImageKey candidate = ImageKey.of(prefix + i + ".png");
            keyPerPartition.putIfAbsent(partitioner.partitionOf(candidate), candidate);
        }
        return List.copyOf(keyPerPartition.values());
    }

    /** Has the origin answer each key with a small PNG of its own, after {@code delay}. */
    public void serve(List<ImageKey> keys, Duration delay) {
        serve(keys, delay, List.of());
    }

    /** {@link #serve(List, Duration)}, each answer tagging the image with {@code tags} (Surrogate-Key; none: no tag). */
    public void serve(List<ImageKey> keys, Duration delay, List<String> tags) {
        for (ImageKey key : keys) {
            Reply reply = Reply.image(TestImages.png(1_000, key.hashCode()), "image/png").withDelay(delay);
            origin.serve(key.value(), tags.isEmpty() ? reply : reply.withHeader("Surrogate-Key", String.join(" ", tags)));
        }
    }

    /** POST /api/warmups with {@code keys}; asserts every key was queued (none skipped). */
    public void warm(List<ImageKey> keys) {
        int queued = admin().body(Map.of("keys", keys.stream().map(ImageKey::value).toList())).post("/api/warmups")
                .then().statusCode(202).extract().jsonPath().getInt("queued");
        assertEquals(keys.size(), queued, "warm-ups queued");
    }

    /**
     * XADD of a job for {@code key} with {@code reason} on its partition's {@code stream} (the job, early-refresh or
     * warm stream), as an application publishes one itself.
     */
    public void publish(IntFunction<String> stream, ImageKey key, String reason) {
        redis.stream(String.class).xadd(stream.apply(partitioner.partitionOf(key)),
                Map.of("key", key.value(), "reason", reason));
    }

    /** Waits until every key is cached. */
    public void awaitStored(List<ImageKey> keys) {
        await().atMost(WAIT).until(() -> keys.stream().allMatch(this::stored));
    }

    /** Waits until every key is cached, then asserts the origin was asked for each exactly once. */
    public void awaitStoredOnce(List<ImageKey> keys) {
        awaitStored(keys);
        keys.forEach(key -> assertEquals(1, origin.fetches(key.value()), key.value()));
    }

    /** Whether the cache holds the key's image. */
    public boolean stored(ImageKey key) {
        return redis.key().exists(RedisKeys.image(partitioner.partitionOf(key), key));
    }

    /** Entries on every partition's warm stream, read or not. */
    public long warmBacklog() {
        long length = 0;
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            length += redis.stream(String.class).xlen(RedisKeys.warm(partition));
        }
        return length;
    }

    /** POST /api/purges of {@code keys}; how many it purged. */
    public int purgeKeys(List<ImageKey> keys, boolean soft) {
        return purge(Map.of("keys", keys.stream().map(ImageKey::value).toList(), "soft", soft));
    }

    /** POST /api/purges of everything under {@code prefix}; how many it purged. */
    public int purgePrefix(String prefix, boolean soft) {
        return purge(Map.of("prefixes", List.of(prefix), "soft", soft));
    }

    /** POST /api/purges of every image tagged {@code tag}; how many it purged. */
    public int purgeTag(String tag, boolean soft) {
        return purge(Map.of("tags", List.of(tag), "soft", soft));
    }

    private static int purge(Map<String, Object> body) {
        return admin().body(body).post("/api/purges").then().statusCode(200).extract().jsonPath().getInt("purged");
    }

    /**
     * Warms a key of every partition under each of three prefixes through the API, then purges each key twice, soft
     * and then hard, one prefix's keys by key first, the second's by prefix first, and the third's, which the origin
     * tags, by tag; asserts each key's events stream says regenerated, purged soft, purged hard, in that order.
     */
    public void warmPurgeAndFollowEvents() {
        String byKeyFirst = "ops/" + UUID.randomUUID() + "/";
        String byPrefixFirst = "ops/" + UUID.randomUUID() + "/";
        List<ImageKey> first = onePerPartition(byKeyFirst);
        List<ImageKey> second = onePerPartition(byPrefixFirst);
        String tag = "ops-" + UUID.randomUUID();
        List<ImageKey> tagged = onePerPartition("ops/" + UUID.randomUUID() + "/");
        List<ImageKey> all = new ArrayList<>(first);
        all.addAll(second);
        serve(all, Duration.ZERO);
        serve(tagged, Duration.ZERO, List.of(tag));
        all.addAll(tagged);
        warm(all);
        awaitStoredOnce(all);

        assertEquals(first.size(), purgeKeys(first, true), "soft by key");
        assertEquals(second.size(), purgePrefix(byPrefixFirst, true), "soft by prefix");
        assertEquals(first.size(), purgePrefix(byKeyFirst, false), "hard by prefix");
        assertEquals(second.size(), purgeKeys(second, false), "hard by key");
        assertEquals(tagged.size(), purgeTag(tag, true), "soft by tag");
        assertEquals(tagged.size(), purgeTag(tag, false), "hard by tag");

        for (ImageKey key : all) {
            assertEquals(List.of("regenerated", "purged soft", "purged hard"), events(key), key.value());
        }
    }

    /**
     * The events of {@code key} on its partition's events stream, oldest first, each as its {@code event} field and,
     * for purges, its {@code mode}.
     */
    public List<String> events(ImageKey key) {
        List<String> events = new ArrayList<>();
        for (StreamMessage<String, String, String> entry : redis.stream(String.class)
                .xrange(RedisKeys.events(partitioner.partitionOf(key)), StreamRange.of("-", "+"))) {
            Map<String, String> fields = entry.payload();
            if (key.value().equals(fields.get("key"))) {
                events.add(fields.containsKey("mode") ? fields.get("event") + " " + fields.get("mode") : fields.get("event"));
            }
        }
        return events;
    }

    /** Calls of SCAN and KEYS so far, which no operator control may make: purges and warm-ups go through indexes. */
    public static long scanAndKeysCalls(RedisDataSource redis) {
        Map<String, Long> calls = commandCalls(redis.execute("INFO", "commandstats").toString());
        return calls.getOrDefault("scan", 0L) + calls.getOrDefault("keys", 0L);
    }

    /** The calls per command in an {@code INFO commandstats} reply, by command name as Redis spells it. */
    public static Map<String, Long> commandCalls(String info) {
        Map<String, Long> calls = new LinkedHashMap<>();
        Matcher matcher = COMMAND_STAT.matcher(info.replace("\r", ""));
        while (matcher.find()) {
            calls.put(matcher.group(1), Long.parseLong(matcher.group(2)));
        }
        return calls;
    }

}
