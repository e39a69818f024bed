package io.pansaar.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.pansaar.store.FunctionError;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Sends calls of the Pansaar functions (and the plain commands pipelined with them) in one round trip, loading
 * the library where Redis lacks it and turning our error replies into {@link io.pansaar.store.FunctionCallException}.
 */
@ApplicationScoped
public class FunctionCalls {

    private static final Logger LOG = Logger.getLogger(FunctionCalls.class);

    private final Redis redis;
    private final FunctionLibrary library;

    public FunctionCalls(Redis redis, FunctionLibrary library) {
        this.redis = redis;
        this.library = library;
    }

    /** Calls one function and returns its reply. */
    public Uni<Response> call(String function, List<String> keys, String... arguments) {
        return send(() -> List.of(fcall(function, keys, arguments))).onItem().transform(replies -> replies.get(0));
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

    /** Builds {@code FCALL function numkeys keys... arguments...}, every string sent as UTF-8. */
    public static Request fcall(String function, List<String> keys, String... arguments) {
        Request request = Request.cmd(Command.FCALL).arg(function).arg(keys.size());
        keys.forEach(key -> request.arg(key.getBytes(StandardCharsets.UTF_8)));
        for (String argument : arguments) {
            request.arg(argument.getBytes(StandardCharsets.UTF_8));
        }
        return request;
    }
}
