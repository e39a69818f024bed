package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.types.BulkType;
import io.vertx.redis.client.impl.types.MultiType;

class RedisRepliesTest {

    @Test
    void readsFieldValuePairsFromARespThreeMapAndAFlatRespTwoArrayAlike() {
        Map<String, String> expected = Map.of("name", "pansaar", "lag", "3");
        assertEquals(expected, strings(RedisReplies.fields(reply(true, "name", "pansaar", "lag", "3"))));
        assertEquals(expected, strings(RedisReplies.fields(reply(false, "name", "pansaar", "lag", "3"))));
        assertEquals(Map.of(), RedisReplies.fields(null));
    }

    @Test
    void aFlatArrayGivesEveryPairInOrderEvenANameGivenTwice() {
        List<String> pairs = new ArrayList<>();
        RedisReplies.forEachField(reply(false, "b", "1", "a", "2", "b", "3"),
                (name, value) -> pairs.add(name + "=" + value));
        assertEquals(List.of("b=1", "a=2", "b=3"), pairs);
    }

    @Test
    void nilAndTheEmptyStringAreNoText() {
        assertEquals(Optional.empty(), RedisReplies.text(null));
        assertEquals(Optional.empty(), RedisReplies.text(Response.newInstance(bulk(""))));
        assertEquals(Optional.of("etag-1"), RedisReplies.text(Response.newInstance(bulk("etag-1"))));
    }

    private static Response reply(boolean asMap, String... namesAndValues) {
        MultiType reply = MultiType.create(asMap ? namesAndValues.length / 2 : namesAndValues.length, asMap);
        for (String text : namesAndValues) {
            reply.add(bulk(text));
        }
        return Response.newInstance(reply);
    }

    private static BulkType bulk(String text) {
        return BulkType.create(Buffer.buffer(text), false);
    }

    private static Map<String, String> strings(Map<String, Response> fields) {
        return fields.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().toString()));
    }
}
