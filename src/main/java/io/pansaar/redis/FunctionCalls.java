package io.pansaar.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Sends calls of the Pansaar functions (and the plain commands pipelined with them) in one round trip, loading
 * the library where Redis lacks it and turning our error replies into {@link FunctionCallException}. The calls
 * themselves are built by {@link PansaarFunctions} alone.
 */
@ApplicationScoped
public class FunctionCalls {

    private static final Logger LOG = Logger.getLogger(FunctionCalls.class);

    private final Redis redis;
    private final FunctionLibrary library;
    /** The long-lived connections reads are pipelined on; empty when every read takes a pooled connection. */
    private final Optional<ReadConnections> readConnections;

    /** Calls whose reads take a pooled connection each. */
    public FunctionCalls(Redis redis, FunctionLibrary library) {
        this(redis, library, Optional.empty());
    }

    @Inject
    public FunctionCalls(Redis redis, FunctionLibrary library, ReadConnections readConnections) {
        this(redis, library, Optional.of(readConnections).filter(ReadConnections::pipelines));
    }

    private FunctionCalls(Redis redis, FunctionLibrary library, Optional<ReadConnections> readConnections) {
        this.redis = redis;
        this.library = library;
        this.readConnections = readConnections;
    }

    /** Calls one function and returns its reply. */
    Uni<Response> call(String function, List<String> keys, String... arguments) {
        return send(() -> List.of(fcall(function, keys, arguments).toRequest()))
                .onItem().transform(replies -> replies.get(0));
    }

    /**
     * Sends the requests in one round trip. When the server lacks the function library (a primary that
     * failed over, or was flushed), loads it on every primary and sends once more.
     */
    public Uni<List<Response>> send(Supplier<List<Request>> requests) {
        return redis.batch(requests.get())
                .onFailure(FunctionLibrary::isFunctionMissing).recoverWithUni(failure -> {
                    LOG.warnf("Redis lacks the Pansaar function library (%s); loading it and trying again",
                            failure.getMessage());
                    return library.loadEverywhere().onItem().transformToUni(loaded -> redis.batch(requests.get()));
                })
                .onFailure().transform(FunctionError::translate);
    }

    /**
     * Sends the requests pipelined on one connection, in one round trip, and answers each on its own: one command
     * that Redis refuses (a function while Redis is out of memory, say) does not fail the others, as it would in
     * {@link #send}. Fails as a whole only when no connection is had, or not every reply is in, within
     * {@code timeout}. Nothing is sent again: a caller whose function Redis lacks decides whether to {@link #send}
     * it, which loads the library first. With a single Redis server the requests go on the event loop's long-lived
     * read connection ({@link ReadConnections}); otherwise on a connection from the pool, handed back once every reply
     * is in.
     */
    public Uni<List<PipelinedReply>> sendEach(List<RespCommand> requests, Duration timeout) {
        if (readConnections.isPresent()) {
            ReadConnections connections = readConnections.get();
            return Uni.createFrom().emitter(emitter -> connections.send(requests, timeout, emitter));
        }
        return Uni.createFrom().<List<PipelinedReply>>emitter(emitter -> {
            AtomicBoolean abandoned = new AtomicBoolean();
            emitter.onTermination(() -> abandoned.set(true));
            redis.getDelegate().connect().onComplete(connected -> sendOnConnection(connected, requests, abandoned, emitter));
        }).ifNoItem().after(timeout).failWith(() -> new TimeoutException("Redis did not answer within " + timeout));
    }

    private static void sendOnConnection(AsyncResult<io.vertx.redis.client.RedisConnection> connected,
            List<RespCommand> requests, AtomicBoolean abandoned, UniEmitter<? super List<PipelinedReply>> emitter) {
        if (connected.failed()) {
            emitter.fail(connected.cause());
            return;
        }
        io.vertx.redis.client.RedisConnection connection = connected.result();
        if (abandoned.get()) {
            // The caller gave up while waiting for a pooled connection: hand it straight back.
            connection.close();
            return;
        }
        List<Future<io.vertx.redis.client.Response>> replies = new ArrayList<>(requests.size());
        requests.forEach(request -> replies.add(connection.send(request.toRequest().getDelegate())));
        // Back to the pool only once every reply is in, so the next user never waits behind these commands.
        Future.join(replies).onComplete(all -> {
            connection.close();
            emitter.complete(replies.stream().map(FunctionCalls::pipelinedReply).toList());
        });
    }

    private static PipelinedReply pipelinedReply(Future<io.vertx.redis.client.Response> reply) {
        return reply.succeeded()
                ? new PipelinedReply(reply.result() == null ? null : Response.newInstance(reply.result()), Optional.empty())
                : new PipelinedReply(null, Optional.of(reply.cause()));
    }

    /** Builds {@code FCALL function numkeys keys... arguments...}, every string sent as UTF-8. */
    static RespCommand fcall(String function, List<String> keys, String... arguments) {
        RespCommand command = RespCommand.cmd("FCALL").arg(function).arg(keys.size());
        keys.forEach(command::arg);
        for (String argument : arguments) {
            command.arg(argument);
        }
        return command;
    }
}
