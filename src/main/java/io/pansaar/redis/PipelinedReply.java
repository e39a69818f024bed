package io.pansaar.redis;

import java.util.Optional;

import io.vertx.mutiny.redis.client.Response;

/**
 * The answer to one command of a pipeline sent with {@link FunctionCalls#sendEach}: its reply, or the error Redis
 * (or the connection) gave for it alone.
 *
 * @param response the reply; null when the command failed, or when Redis replied nil
 * @param failure why the command failed; empty when it succeeded
 */
public record PipelinedReply(Response response, Optional<Throwable> failure) {

    /** True when the command succeeded. */
    public boolean succeeded() {
        return failure.isEmpty();
    }
}
