package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.pansaar.testing.LocalRedisCluster;
import io.pansaar.testing.LocalRedisServer;
import io.smallrye.mutiny.Uni;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.impl.types.ErrorType;

/**
 * Batches on pooled connections against a real Redis, sent from contexts of several event loops at once over a
 * pool smaller than their number, so that each connection serves callers of other loops: every batch completes,
 * with its replies in order, or fails naming each command that Redis refused.
 */
class PooledBatchesIT {

    private static final int EVENT_LOOPS = 4;
    private static final int BATCHES_PER_LOOP = 300;
    private static final int COMMANDS = 20;

    private LocalRedisServer server;
    private Vertx vertx;
    private Redis redis;

    @BeforeEach
    void start() {
        server = LocalRedisServer.start();
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS));
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.uri()).setMaxPoolSize(2)
                .setMaxPoolWaiting(EVENT_LOOPS * BATCHES_PER_LOOP));
    }

    @AfterEach
    void stop() {
        redis.close();
        vertx.closeAndAwait();
        server.close();
    }

    @Test
    void batchesOfErrorRepliesFromEveryEventLoopAllFailNamingEachCommand() throws Exception {
        // XPENDING of a stream without the group: Redis refuses each with NOGROUP, as the status read meets before a
        // worker has created the consumer groups.
        List<Request> refused = IntStream.range(0, COMMANDS)
                .mapToObj(index -> Request.cmd(Command.XPENDING).arg("no-stream-" + index).arg("no-group")).toList();

        List<CompletableFuture<Throwable>> failures = fromEveryEventLoop(
                () -> PooledBatches.send(redis, refused).map(replies -> (Throwable) null).onFailure().recoverWithItem(e -> e));

        for (CompletableFuture<Throwable> failure : failures) {
            Throwable error = failure.get(30, TimeUnit.SECONDS);
            assertTrue(error instanceof ErrorType, "a batch of refused commands failed with " + error);
            String[] lines = error.getMessage().split(System.lineSeparator());
            assertEquals(COMMANDS, lines.length, error.getMessage());
            for (int index = 0; index < COMMANDS; index++) {
                assertTrue(lines[index].startsWith("ERR [" + index + "] NOGROUP"), lines[index]);
            }
        }
    }

    @Test
    void aBatchAnswersEveryCommandInOrderWithNilAsNull() throws Exception {
        redis.send(Request.cmd(Command.SET).arg("present").arg("value")).await().indefinitely();
        List<Request> requests = List.of(Request.cmd(Command.GET).arg("present"), Request.cmd(Command.GET).arg("absent"),
                Request.cmd(Command.INCR).arg("counter"), Request.cmd(Command.INCR).arg("counter"));

        List<CompletableFuture<List<Response>>> answers = fromEveryEventLoop(() -> PooledBatches.send(redis, requests));

        long lastCount = 0;
        for (CompletableFuture<List<Response>> answer : answers) {
            List<Response> replies = answer.get(30, TimeUnit.SECONDS);
            assertEquals("value", replies.get(0).toString());
            assertNull(replies.get(1));
            // One batch's two INCRs run in order on their connection; other batches' may come between them.
            assertTrue(replies.get(2).toLong() < replies.get(3).toLong(), replies.toString());
            lastCount = Math.max(lastCount, replies.get(3).toLong());
        }
        assertEquals(2L * answers.size(), lastCount);
    }

    @Test
    void oneRefusedCommandFailsItsBatchAndNamesItsIndex() {
        List<Request> requests = List.of(Request.cmd(Command.SET).arg("text").arg("plain"),
                Request.cmd(Command.INCR).arg("text"), Request.cmd(Command.GET).arg("text"));

        Throwable error = PooledBatches.send(redis, requests).map(replies -> (Throwable) null).onFailure()
                .recoverWithItem(Function.identity()).await().indefinitely();

        assertTrue(error instanceof ErrorType, String.valueOf(error));
        assertTrue(error.getMessage().startsWith("ERR [1] "), error.getMessage());
        assertEquals(1, error.getMessage().split(System.lineSeparator()).length, error.getMessage());
        assertEquals("plain", redis.send(Request.cmd(Command.GET).arg("text")).await().indefinitely().toString());
    }

    @Test
    void aClusterWhoseSlotsAreNotAllServedYetFailsTheCommandItCannotRouteAndAnswersTheOthers() {
        // A cluster while it forms: one node serves the first half of the slots, no node the rest. The cluster client
        // throws from send, where it should fail the reply, for a command of several keys in one slot without a node,
        // as each of Pansaar's function calls is (its keys share the partition's hash tag).
        try (LocalRedisCluster forming = LocalRedisCluster.startUnjoined()) {
            Redis node = Redis.createClient(vertx, forming.nodes().get(0).uri());
            Redis cluster = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
                    .setConnectionString(forming.nodes().get(0).uri()));
            try {
                node.send(Request.cmd(Command.CLUSTER).arg("ADDSLOTSRANGE").arg(0).arg(8191)).await().indefinitely();
                String unserved = "{" + keyInSlots(node, 8192, 16383) + "}";

                List<PipelinedReply> replies = PooledBatches.sendEach(cluster, List.of(Request.cmd(Command.PING),
                        Request.cmd(Command.MGET).arg(unserved + "a").arg(unserved + "b"), Request.cmd(Command.PING)))
                        .await().atMost(Duration.ofSeconds(10));

                assertEquals("PONG", replies.get(0).response().toString());
                Throwable failure = replies.get(1).failure().orElseThrow();
                assertTrue(failure.getMessage().startsWith("the Redis client threw instead of sending mget"),
                        failure.getMessage());
                assertTrue(failure.getCause() instanceof NullPointerException, "the client's own throw: " + failure);
                assertEquals("PONG", replies.get(2).response().toString());
            } finally {
                cluster.close();
                node.close();
            }
        }
    }

    /** A key whose slot lies in [from, to], as the node computes it. */
    private static String keyInSlots(Redis node, int from, int to) {
        for (int i = 0;; i++) {
            long slot = node.send(Request.cmd(Command.CLUSTER).arg("KEYSLOT").arg("key" + i)).await().indefinitely()
                    .toLong();
            if (slot >= from && slot <= to) {
                return "key" + i;
            }
        }
    }

    /** Starts {@link #BATCHES_PER_LOOP} calls on a context of each event loop, all at once, and their outcomes. */
    private <T> List<CompletableFuture<T>> fromEveryEventLoop(Supplier<Uni<T>> call) {
        VertxInternal internal = (VertxInternal) vertx.getDelegate();
        List<CompletableFuture<T>> outcomes = new ArrayList<>();
        for (int loop = 0; loop < EVENT_LOOPS; loop++) {
            ContextInternal context = internal.createEventLoopContext();
            for (int batch = 0; batch < BATCHES_PER_LOOP; batch++) {
                CompletableFuture<T> outcome = new CompletableFuture<>();
                outcomes.add(outcome);
                context.runOnContext(ignored -> call.get().subscribe().with(outcome::complete, outcome::completeExceptionally));
            }
        }
        return outcomes;
    }
}
