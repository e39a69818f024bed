package io.pansaar.redis;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Response;

/**
 * Reads the shapes of Redis replies that many callers meet: field-value pairs, which RESP3 sends as a map and
 * RESP2 as a flat array of names and values (HGETALL, XINFO, CONFIG GET, a stream entry's fields), and text where
 * nil or the empty string means none.
 */
public final class RedisReplies {

    private RedisReplies() {
    }

    /**
     * Calls {@code action} with each name and value of a reply of field-value pairs, a RESP3 map or a flat RESP2
     * array, in the reply's order; with none for nil. A name comes as bytes, so a caller may cut a long one before
     * decoding it; a name given twice (a stream entry may have that) comes twice from a flat array.
     */
    public static void forEachField(Response flatOrMap, BiConsumer<Buffer, Response> action) {
        if (flatOrMap == null) {
            return;
        }
        if (flatOrMap.isMap()) {
            flatOrMap.getKeys().forEach(name -> action.accept(Buffer.buffer(name), flatOrMap.get(name)));
            return;
        }
        for (int index = 0; index + 1 < flatOrMap.size(); index += 2) {
            action.accept(flatOrMap.get(index).toBuffer(), flatOrMap.get(index + 1));
        }
    }

    /** A reply of field-value pairs as name to value, in the reply's order; empty for nil. */
    public static Map<String, Response> fields(Response flatOrMap) {
        Map<String, Response> fields = new LinkedHashMap<>();
        forEachField(flatOrMap, (name, value) -> fields.put(name.toString(), value));
        return fields;
    }

    /** A reply's text; empty when the reply is nil or the empty string, which the Pansaar functions send for none. */
    public static Optional<String> text(Response reply) {
        String text = reply == null ? "" : reply.toString();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }
}
