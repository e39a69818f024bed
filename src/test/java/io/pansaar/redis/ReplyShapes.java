package io.pansaar.redis;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;

/** Describes a Redis reply as text, its type and content at every level, so two replies' shapes compare as strings. */
final class ReplyShapes {

    private ReplyShapes() {
    }

    /** {@code nil}, {@code error(message)}, {@code [element, ...]}, {@code {key: value, ...}} or {@code type(text)}. */
    static String describe(Response reply) {
        if (reply == null) {
            return "nil";
        }
        if (reply instanceof ErrorType error) {
            return "error(" + error.getMessage() + ")";
        }
        return switch (reply.type()) {
            case MULTI -> reply.isMap()
                    ? reply.getKeys().stream().sorted().map(key -> key + ": " + describe(reply.get(key)))
                            .collect(Collectors.joining(", ", "{", "}"))
                    : StreamSupport.stream(reply.spliterator(), false).map(ReplyShapes::describe)
                            .collect(Collectors.joining(", ", "[", "]"));
            case BULK -> "bulk(" + new String(reply.toBytes(), StandardCharsets.ISO_8859_1) + ")";
            default -> reply.type().name().toLowerCase() + "(" + reply + ")";
        };
    }
}
