package io.pansaar.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.IntStream;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.config.PansaarConfig;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PooledBatches;
import io.pansaar.redis.RedisReplies;
import io.pansaar.redis.function.Tuning;
import io.pansaar.store.ImageLayout;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads every partition's queue state, memory and counters: XLEN of the job, early-refresh, warm and dead-letter streams,
 * the statistics hash, the used bytes, the images indexed, the scheduler lease's holder, the hot keys
 * (the top of the priority index), the tuning hash's half-life and newcomer penalty, XPENDING's
 * summary of the job, warm and early-refresh streams, XINFO GROUPS and XINFO CONSUMERS. The commands of all
 * partitions go out in one batch on a single Redis; on a cluster, where one batch must stay in one
 * slot, each partition gets its own batch, all sent at once.
 */
@ApplicationScoped
public class PartitionInspector {

    private static final Logger LOG = Logger.getLogger(PartitionInspector.class);

    /** Commands per partition in {@link #basicRequests}: the replies of {@link #fullRequests}' own follow them. */
    private static final int BASIC_REQUESTS = 14;
    /** Commands per partition in a full batch: see {@link #fullRequests}. */
    private static final int FULL_REQUESTS = BASIC_REQUESTS + 5;

    private final Redis redis;
    private final int partitions;
    private final boolean cluster;
    private final AccessPriority configuredPriority;
    private final boolean tuning;

    public PartitionInspector(Redis redis, Partitioner partitioner, AccessPriority configuredPriority,
            PansaarConfig config,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this.redis = redis;
        this.partitions = partitioner.partitions();
        this.cluster = "cluster".equalsIgnoreCase(clientType);
        this.configuredPriority = configuredPriority;
        this.tuning = PansaarConfig.tuning(config);
    }

    /** Every partition's state, in partition order. */
    public Uni<List<PartitionState>> inspectAll() {
        if (cluster) {
            return inspectEachPartition();
        }
        List<Request> batch = new ArrayList<>();
        IntStream.range(0, partitions).forEach(partition -> batch.addAll(fullRequests(partition)));
        return PooledBatches.send(redis, batch).map(replies -> {
            List<PartitionState> states = new ArrayList<>();
            for (int partition = 0; partition < partitions; partition++) {
                int from = partition * FULL_REQUESTS;
                states.add(parseFull(partition, replies.subList(from, from + FULL_REQUESTS)));
            }
            return states;
        })
                // Some partition has no consumer group yet (no worker ever ran): ask partition by partition.
                .onFailure(PartitionInspector::isMissingGroup).recoverWithUni(this::inspectEachPartition);
    }

    private Uni<List<PartitionState>> inspectEachPartition() {
        List<Uni<PartitionState>> each = IntStream.range(0, partitions).mapToObj(this::inspect).toList();
        return Uni.join().all(each).andFailFast();
    }

    /** One partition's state in one batch; without its group's figures when the group does not exist yet. */
    public Uni<PartitionState> inspect(int partition) {
        return PooledBatches.send(redis, fullRequests(partition)).map(replies -> parseFull(partition, replies))
                .onFailure(PartitionInspector::isMissingGroup)
                .recoverWithUni(() -> PooledBatches.send(redis, basicRequests(partition)).map(replies -> new PartitionState(partition,
                        replies.get(0).toLong(), 0, null, null, List.of(), replies.get(1).toLong(),
                        counters(replies.get(2)), memory(replies), false, hotKeys(replies),
                        new PartitionState.LaneQueue(replies.get(8).toLong(), 0),
                        new PartitionState.LaneQueue(replies.get(9).toLong(), 0), priority(replies.get(10)))));
    }

    /** The commands that work whether or not the streams and the group exist. */
    private static List<Request> basicRequests(int partition) {
        return List.of(Request.cmd(Command.XLEN).arg(RedisKeys.jobs(partition)),
                Request.cmd(Command.XLEN).arg(RedisKeys.deadLetters(partition)),
                Request.cmd(Command.HGETALL).arg(RedisKeys.stats(partition)),
                Request.cmd(Command.GET).arg(RedisKeys.usedBytes(partition)),
                Request.cmd(Command.ZCARD).arg(RedisKeys.priorityIndex(partition)),
                Request.cmd(Command.GET).arg(RedisKeys.lease(partition)),
                // While the scheduler rebuilds the byte accounting, the counter is missing and the count so far is here.
                Request.cmd(Command.HGET).arg(RedisKeys.repairState(partition)).arg("bytes"),
                // Main's highest ranks: those above are images on probation, ranked by when they came.
                Request.cmd(Command.ZRANGE).arg(RedisKeys.priorityIndex(partition)).arg(ImageLayout.BELOW_PROBATION)
                        .arg("-inf").arg("BYSCORE").arg("REV").arg("LIMIT").arg(0).arg(PartitionState.HOT_KEYS)
                        .arg("WITHSCORES"),
                Request.cmd(Command.XLEN).arg(RedisKeys.warm(partition)),
                Request.cmd(Command.XLEN).arg(RedisKeys.earlyRefresh(partition)),
                Request.cmd(Command.HMGET).arg(RedisKeys.tuning(partition)).arg(Tuning.HALF_LIFE_FIELD)
                        .arg(Tuning.NEWCOMER_PENALTY_FIELD).arg(Tuning.PROBATION_SHARE_FIELD),
                // The probationary stage: its images, ranked from PROBATION_RANKS_FROM, and their charged bytes.
                Request.cmd(Command.ZCOUNT).arg(RedisKeys.priorityIndex(partition))
                        .arg((long) ImageLayout.PROBATION_RANKS_FROM).arg("+inf"),
                Request.cmd(Command.GET).arg(RedisKeys.probationBytes(partition)),
                // The stage's most requested, ranked as their scores would rank them in main.
                Request.cmd(Command.ZRANGE).arg(RedisKeys.probationHotKeys(partition)).arg(0)
                        .arg(PartitionState.HOT_KEYS - 1).arg("REV").arg("WITHSCORES"));
    }

    /**
     * The settings the partition counts with, from the tuning hash's HMGET reply: like a tuned write, each stored value
     * in place of the configured one. Without {@code pansaar.priority.tuning} writes and the scheduler ignore the
     * hash, so the configured ones are shown whatever it holds; so too for a value a tuned write would pass over.
     */
    private PartitionState.Priority priority(Response stored) {
        OptionalDouble halfLife = tuning ? Tuning.halfLifeOf(RedisReplies.text(stored.get(0))) : OptionalDouble.empty();
        OptionalDouble newcomerPenalty = tuning ? Tuning.newcomerPenaltyOf(RedisReplies.text(stored.get(1)))
                : OptionalDouble.empty();
        // A deployment without the stage has none, whatever a tuner stored before.
        OptionalDouble probationShare = tuning && configuredPriority.probationShare() > 0
                ? Tuning.probationShareOf(RedisReplies.text(stored.get(2))) : OptionalDouble.empty();
        return new PartitionState.Priority(Math.round(halfLife.orElse(configuredPriority.halfLifeMillis())),
                newcomerPenalty.orElse(configuredPriority.newcomerPenalty()),
                probationShare.orElse(configuredPriority.probationShare()),
                halfLife.isPresent() || newcomerPenalty.isPresent() || probationShare.isPresent());
    }

    /**
     * The hot keys from the replies of {@link #basicRequests}: main's highest ranks and the stage's most requested,
     * highest first, at most {@link PartitionState#HOT_KEYS}.
     */
    private static List<PartitionState.HotKey> hotKeys(List<Response> replies) {
        List<PartitionState.HotKey> hot = new ArrayList<>();
        addHotKeys(replies.get(7), hot);
        addHotKeys(replies.get(13), hot);
        hot.sort(Comparator.comparingDouble(PartitionState.HotKey::priority).reversed());
        return List.copyOf(hot.subList(0, Math.min(hot.size(), PartitionState.HOT_KEYS)));
    }

    /** Adds the keys of a ZRANGE ... WITHSCORES reply: pairs under RESP3, a flat list under RESP2. */
    private static void addHotKeys(Response reply, List<PartitionState.HotKey> hot) {
        if (reply == null) {
            return;
        }
        for (int index = 0; index < reply.size(); index++) {
            Response element = reply.get(index);
            if (element.type() == ResponseType.MULTI) {
                hot.add(new PartitionState.HotKey(element.get(0).toString(), element.get(1).toDouble()));
            } else {
                hot.add(new PartitionState.HotKey(element.toString(), reply.get(++index).toDouble()));
            }
        }
    }

    /** The memory figures from the replies of {@link #basicRequests}. */
    private static PartitionState.Memory memory(List<Response> replies) {
        Response used = replies.get(3) == null ? replies.get(6) : replies.get(3);
        Response lease = replies.get(5);
        return new PartitionState.Memory(countOf(used), replies.get(4).toLong(),
                lease == null ? null : lease.toString(), replies.get(11).toLong(), countOf(replies.get(12)));
    }

    private static List<Request> fullRequests(int partition) {
        String jobs = RedisKeys.jobs(partition);
        List<Request> requests = new ArrayList<>(basicRequests(partition));
        requests.add(Request.cmd(Command.XPENDING).arg(jobs).arg(RedisKeys.CONSUMER_GROUP));
        requests.add(Request.cmd(Command.XINFO).arg("GROUPS").arg(jobs));
        requests.add(Request.cmd(Command.XINFO).arg("CONSUMERS").arg(jobs).arg(RedisKeys.CONSUMER_GROUP));
        requests.add(Request.cmd(Command.XPENDING).arg(RedisKeys.warm(partition)).arg(RedisKeys.CONSUMER_GROUP));
        requests.add(Request.cmd(Command.XPENDING).arg(RedisKeys.earlyRefresh(partition)).arg(RedisKeys.CONSUMER_GROUP));
        return requests;
    }

    private PartitionState parseFull(int partition, List<Response> replies) {
        Response pendingSummary = replies.get(BASIC_REQUESTS);
        Response oldest = pendingSummary.get(1);
        Map<String, Response> group = groupInfo(replies.get(BASIC_REQUESTS + 1));
        Response lag = group.get("lag");
        List<PartitionState.ConsumerState> consumers = new ArrayList<>();
        for (Response consumer : replies.get(BASIC_REQUESTS + 2)) {
            Map<String, Response> fields = RedisReplies.fields(consumer);
            consumers.add(new PartitionState.ConsumerState(fields.get("name").toString(), fields.get("pending").toLong(),
                    fields.get("idle").toLong()));
        }
        return new PartitionState(partition, replies.get(0).toLong(), pendingSummary.get(0).toLong(),
                oldest == null ? null : oldest.toString(), lag == null ? null : lag.toLong(),
                Collections.unmodifiableList(consumers), replies.get(1).toLong(), counters(replies.get(2)), memory(replies),
                true, hotKeys(replies),
                new PartitionState.LaneQueue(replies.get(8).toLong(), replies.get(BASIC_REQUESTS + 3).get(0).toLong()),
                new PartitionState.LaneQueue(replies.get(9).toLong(), replies.get(BASIC_REQUESTS + 4).get(0).toLong()),
                priority(replies.get(10)));
    }

    /** The fields XINFO GROUPS reports for the pansaar group. */
    private static Map<String, Response> groupInfo(Response groups) {
        for (Response group : groups) {
            Map<String, Response> fields = RedisReplies.fields(group);
            if (RedisKeys.CONSUMER_GROUP.equals(String.valueOf(fields.get("name")))) {
                return fields;
            }
        }
        throw new IllegalStateException("NOGROUP: XINFO GROUPS does not list group " + RedisKeys.CONSUMER_GROUP);
    }

    private static Map<String, Long> counters(Response hash) {
        Map<String, Long> counters = new LinkedHashMap<>();
        RedisReplies.fields(hash).forEach((name, value) -> counters.put(name, countOf(value)));
        return counters;
    }

    /**
     * A counter's value, 0 when absent or damaged (not a whole number): one bad counter must not keep every
     * partition's figures from refreshing. The scheduler rebuilds a damaged used-bytes counter and warns about it.
     */
    private static long countOf(Response counter) {
        if (counter == null) {
            return 0;
        }
        try {
            return Long.parseLong(counter.toString());
        } catch (NumberFormatException damaged) {
            LOG.debugf("a counter holds \"%s\", not a whole number; counted as 0", counter);
            return 0;
        }
    }

    private static boolean isMissingGroup(Throwable failure) {
        String message = failure.getMessage();
        return message != null && (message.contains("NOGROUP") || message.contains("no such key"));
    }
}
