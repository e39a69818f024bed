package io.pansaar.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.pansaar.config.PansaarConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.mutiny.redis.client.Redis;
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
    /**
     * Connections of the same kind, apart from the reads', that the calls of {@link #send} are pipelined on; empty
     * when they take pooled connections too.
     */
    private final Optional<ReadConnections> callConnections;
    /** How long a call sent on {@link #callConnections} may wait for its replies before it fails. */
    private final Duration callTimeout;

    /** Calls whose reads take a pooled connection each, as do the calls themselves. */
    public FunctionCalls(Redis redis, FunctionLibrary library) {
        this(redis, library, Optional.empty(), Optional.empty(), Duration.ZERO);
    }

    /**
     * Calls pipelined, like the reads, on long-lived connections of their own where the reads are (a single Redis
     * server over plain TCP), each failing after {@code pansaar.redis-timeout} without its replies.
     */
    @Inject
    public FunctionCalls(Redis redis, FunctionLibrary library, ReadConnections readConnections, PansaarConfig config) {
        this(redis, library, Optional.of(readConnections).filter(ReadConnections::pipelines),
                Optional.of(readConnections).filter(ReadConnections::pipelines).map(ReadConnections::companion),
                config.redisTimeout());
    }

    private FunctionCalls(Redis redis, FunctionLibrary library, Optional<ReadConnections> readConnections,
            Optional<ReadConnections> callConnections, Duration callTimeout) {
        this.redis = redis;
        this.library = library;
        this.readConnections = readConnections;
        this.callConnections = callConnections;
        this.callTimeout = callTimeout;
    }

    /**
     * Whether every {@link #send} fails by itself once Redis has not answered within {@code pansaar.redis-timeout}, so
     * that a caller needs no timer of its own: true when the calls are pipelined on the call connections, whose
     * deadlines are watched together per event loop.
     */
    public boolean timesOutItself() {
        return callConnections.isPresent();
    }

    /** Calls one function and returns its reply. */
    Uni<Response> call(String function, List<String> keys, String... arguments) {
        return send(() -> List.of(fcall(function, keys, arguments)), replies -> replies.get(0));
    }

    /**
     * Sends the commands in one round trip and fails, as a whole, with the first command that failed. When the
     * server lacks the function library (a primary that failed over, or was flushed), loads it on every primary and
     * sends once more. With a single Redis server the commands are pipelined on the calling event loop's own call
     * connection, written with one exact-size buffer; otherwise they go together on a pooled connection.
     */
    public Uni<List<Response>> send(Supplier<List<RespCommand>> commands) {
        return send(commands, replies -> replies);
    }

    /**
     * {@link #send(Supplier)}, completing with what {@code decode} makes of the replies, or failing with what it
     * throws.
     */
    public <T> Uni<T> send(Supplier<List<RespCommand>> commands, Function<List<Response>, T> decode) {
        // One Mutiny stage for the whole call: the send, the library's loading and the decoding run as plain callbacks
        // inside it, since every stage on a job's path costs a context capture and its restoring (docs/benchmarks.md,
        // Regenerations).
        return Uni.createFrom().emitter(emitter -> attempt(commands, decode, emitter, true));
    }

    private <T> void attempt(Supplier<List<RespCommand>> commands, Function<List<Response>, T> decode,
            UniEmitter<? super T> emitter, boolean first) {
        List<RespCommand> built;
        try {
            built = commands.get();
        } catch (RuntimeException unbuildable) {
            // A bad argument: on the second attempt this runs in a callback, where a throw would be lost.
            emitter.fail(unbuildable);
            return;
        }
        sendOnce(built, (replies, failure) -> {
            if (failure == null) {
                T decoded;
                try {
                    decoded = decode.apply(replies);
                } catch (RuntimeException undecodable) {
                    emitter.fail(undecodable);
                    return;
                }
                emitter.complete(decoded);
                return;
            }
            if (!first || !FunctionLibrary.isFunctionMissing(failure)) {
                emitter.fail(FunctionError.translate(failure));
                return;
            }
            LOG.warnf("Redis lacks the Pansaar function library (%s); loading it and trying again",
                    failure.getMessage());
            Uni<Void> loading = library.loadEverywhere();
            if (timesOutItself()) {
                // Loading goes through the pooled client, which has no deadline; the promise of timesOutItself holds.
                loading = loading.ifNoItem().after(callTimeout).fail();
            }
            loading.subscribe().with(loaded -> attempt(commands, decode, emitter, false),
                    loadFailure -> emitter.fail(FunctionError.translate(loadFailure)));
        });
    }

    /** Sends the commands once and hands {@code done} their replies, or the first command's failure, as a batch fails. */
    private void sendOnce(List<RespCommand> commands, BiConsumer<List<Response>, Throwable> done) {
        if (callConnections.isEmpty()) {
            PooledBatches.send(redis, commands.stream().map(RespCommand::toRequest).toList()).subscribe()
                    .with(replies -> done.accept(replies, null), failure -> done.accept(null, failure));
            return;
        }
        callConnections.get().send(commands, callTimeout, result -> {
            if (result.failed()) {
                done.accept(null, result.cause());
                return;
            }
            List<Response> responses = new ArrayList<>(result.result().size());
            for (PipelinedReply reply : result.result()) {
                if (reply.failure().isPresent()) {
                    done.accept(null, reply.failure().get());
                    return;
                }
                responses.add(reply.response());
            }
            done.accept(responses, null);
        });
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
            return Uni.createFrom().emitter(emitter -> connections.send(requests, timeout, replies -> emit(replies, emitter)));
        }
        return PooledBatches.sendEach(redis, requests.stream().map(RespCommand::toRequest).toList())
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException("Redis did not answer within " + timeout));
    }

    /**
     * {@link #sendEach(List, Duration)} for the hot path: {@code done} is called with the replies on the caller's
     * event loop as a plain callback, without the Mutiny operators that capture and restore the caller's context
     * around every callback. Reads that take a pooled connection go through {@link #sendEach(List, Duration)}.
     */
    public void sendEach(List<RespCommand> requests, Duration timeout, Handler<AsyncResult<List<PipelinedReply>>> done) {
        if (readConnections.isPresent()) {
            readConnections.get().send(requests, timeout, done);
            return;
        }
        sendEach(requests, timeout).subscribe().with(replies -> done.handle(Future.succeededFuture(replies)),
                failure -> done.handle(Future.failedFuture(failure)));
    }

    private static <T> void emit(AsyncResult<T> result, UniEmitter<? super T> emitter) {
        if (result.succeeded()) {
            emitter.complete(result.result());
        } else {
            emitter.fail(result.cause());
        }
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
