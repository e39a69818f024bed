package io.pansaar.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.impl.types.ErrorType;

/**
 * Commands pipelined on one pooled connection, each sent on its own: what {@link Redis#batch} does, without its
 * flaw. The Vert.x client's batch gathers the error replies of its commands in one {@code StringBuilder} from
 * callbacks that may run on two event loops at once; appending to it then throws ({@code
 * ArrayIndexOutOfBoundsException} in {@code RedisStandaloneConnection.doBatch}) and the batch never completes, so
 * a batch holding two error replies (every {@code XPENDING} of a partition without its consumer group, say) could
 * hang its caller until a timeout, or for ever where there is none.
 */
public final class PooledBatches {

    private PooledBatches() {
    }

    /**
     * Sends the requests in order on one connection from the pool and completes with every reply, as
     * {@link Redis#batch} does: null for nil. When any command fails, fails as that batch fails: with one
     * {@link ErrorType} naming each failed command ({@code ERR [index] message}, one a line). The connection goes
     * back to the pool once every reply is in.
     */
    public static Uni<List<Response>> send(Redis redis, List<Request> requests) {
        return sendEach(redis, requests).onItem().transformToUni(PooledBatches::allOrFailures);
    }

    /**
     * Sends the requests in order on one connection from the pool and answers each on its own, so that one command
     * that Redis refuses does not fail the others. Fails as a whole only when no connection is had. A caller that
     * gives up before a connection is had (a timeout) hands the connection straight back.
     */
    public static Uni<List<PipelinedReply>> sendEach(Redis redis, List<Request> requests) {
        return Uni.createFrom().emitter(emitter -> {
            AtomicBoolean abandoned = new AtomicBoolean();
            emitter.onTermination(() -> abandoned.set(true));
            redis.getDelegate().connect().onComplete(connected -> sendOn(connected, requests, abandoned, emitter));
        });
    }

    private static void sendOn(AsyncResult<RedisConnection> connected, List<Request> requests, AtomicBoolean abandoned,
            UniEmitter<? super List<PipelinedReply>> emitter) {
        if (connected.failed()) {
            emitter.fail(connected.cause());
            return;
        }
        RedisConnection connection = connected.result();
        if (abandoned.get()) {
            connection.close();
            return;
        }
        List<Future<io.vertx.redis.client.Response>> replies = new ArrayList<>(requests.size());
        requests.forEach(request -> replies.add(sent(connection, request)));
        // Back to the pool only once every reply is in, so the next user never waits behind these commands. Each
        // reply completes its own future; only the join below reads them all, once they are in.
        Future.join(replies).onComplete(all -> {
            connection.close();
            emitter.complete(replies.stream().map(PooledBatches::pipelinedReply).toList());
        });
    }

    /**
     * The request's reply. The cluster client throws from {@code send} for a key whose slot no node serves yet, as
     * while a cluster forms ({@code NullPointerException}: its slot has no endpoints), where it should fail the reply;
     * thrown out of here it would leave the batch unanswered, its connection out of the pool, and Vert.x would log it
     * as an uncaught ERROR. It fails this command alone instead, as a refused one does, naming the command.
     */
    private static Future<io.vertx.redis.client.Response> sent(RedisConnection connection, Request request) {
        try {
            return connection.send(request.getDelegate());
        } catch (RuntimeException thrown) {
            return Future.failedFuture(new IllegalStateException("the Redis client threw instead of sending "
                    + request.command() + " (its cluster client does for a slot no node serves yet, while a cluster "
                    + "forms): " + thrown, thrown));
        }
    }

    private static PipelinedReply pipelinedReply(Future<io.vertx.redis.client.Response> reply) {
        return reply.succeeded()
                ? new PipelinedReply(reply.result() == null ? null : Response.newInstance(reply.result()), Optional.empty())
                : new PipelinedReply(null, Optional.of(reply.cause()));
    }

    /** The replies, or one error naming every failed command as the Vert.x client's batch names them. */
    private static Uni<List<Response>> allOrFailures(List<PipelinedReply> replies) {
        List<Response> responses = new ArrayList<>(replies.size());
        StringBuilder failures = new StringBuilder();
        for (int index = 0; index < replies.size(); index++) {
            PipelinedReply reply = replies.get(index);
            if (reply.failure().isEmpty()) {
                responses.add(reply.response());
                continue;
            }
            if (failures.length() > 0) {
                failures.append(System.lineSeparator());
            }
            String cause = reply.failure().get().toString();
            failures.append("ERR [").append(index).append("] ").append(cause.startsWith("ERR ") ? cause.substring(4) : cause);
        }
        return failures.length() == 0 ? Uni.createFrom().item(responses)
                : Uni.createFrom().failure(ErrorType.create(failures.toString()));
    }
}
