package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.store.ImageLayout;
import io.pansaar.store.MetaVectors;
import io.pansaar.testing.LocalRedisConnection;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The image hash's meta as {@code shared.lua} packs and unpacks it, inside a real Redis, gives the shared vectors'
 * strings: with {@code ImageLayoutTest}, proof that the functions and Java's reads agree on the layout.
 */
class MetaVectorsIT {

    @RegisterExtension
    static final LocalRedisConnection CONNECTION = new LocalRedisConnection();

    @Test
    void luaPacksAndUnpacksEverySharedVector() throws IOException {
        // shared.lua defines locals only, so an EVAL can run it and call its helpers: the very code the functions run.
        // ARGV: the packed meta, then the fields as name, value pairs. Replies the packed fields, then the unpacked
        // meta as name, value pairs.
        String script = sharedLua() + """
                local fields = {}
                for i = 2, #ARGV, 2 do
                  fields[ARGV[i]] = ARGV[i + 1]
                end
                local unpacked = {}
                for name, value in pairs(decodeMeta(ARGV[1])) do
                  unpacked[#unpacked + 1] = name
                  unpacked[#unpacked + 1] = value
                end
                return { encodeMeta(fields), unpacked }
                """;
        for (MetaVectors.Vector vector : MetaVectors.all()) {
            Request eval = Request.cmd(Command.EVAL).arg(script).arg(0).arg(vector.meta());
            vector.fields().forEach((name, value) -> eval.arg(name).arg(value));
            Response reply = CONNECTION.redis().send(eval).await().atMost(Duration.ofSeconds(10));
            assertEquals(vector.meta(), reply.get(0).toString(), "packed " + vector.fields());
            Map<String, String> unpacked = new HashMap<>();
            for (int i = 0; i < reply.get(1).size(); i += 2) {
                unpacked.put(reply.get(1).get(i).toString(), reply.get(1).get(i + 1).toString());
            }
            assertEquals(vector.fields(), unpacked, "unpacked " + vector.meta());
        }
    }

    @Test
    void recordingRequestsInPlaceGivesWhatUnpackingAndPackingTheWholeMetaGives() throws IOException {
        // KEYS: a scratch image hash and priority index. ARGV: meta, now, requests, hits added. Replies meta as
        // recordRequests leaves it, then the same requests recorded by unpacking and packing every value.
        String script = sharedLua() + """
                redis.call('DEL', KEYS[1])
                redis.call('HSET', KEYS[1], 'meta', ARGV[1])
                local now, requests, added = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
                recordRequests(KEYS[1], openMeta(KEYS[1]), KEYS[2], 'k', requests, added, now)
                local fields = decodeMeta(ARGV[1])
                fields['hits'] = (tonumber(fields['hits']) or 0) + added
                fields['last-access'] = now
                local halfLife = tonumber(fields['half-life'])
                if halfLife then
                  fields['access-score'] = formatScore(scoreAfterRequests(tonumber(fields['access-score']), now,
                    halfLife, requests))
                end
                return { redis.call('HGET', KEYS[1], 'meta'), encodeMeta(fields) }
                """;
        int checked = 0;
        for (MetaVectors.Vector vector : MetaVectors.all()) {
            if (!"ok".equals(vector.fields().get("status"))) {
                continue;
            }
            for (int added : new int[] { 0, 1, 5 }) {
                Response reply = CONNECTION.redis().send(Request.cmd(Command.EVAL).arg(script).arg(2)
                        .arg("pansaar:{0}:img:scratch.png").arg("pansaar:{0}:priority").arg(vector.meta())
                        .arg(1_764_800_000_123L).arg(Math.max(1, added)).arg(added))
                        .await().atMost(Duration.ofSeconds(10));
                assertEquals(reply.get(1).toString(), reply.get(0).toString(), vector.meta() + ", " + added + " added");
                Map<String, String> recorded = ImageLayout.decode(reply.get(0).toString());
                assertEquals("1764800000123", recorded.get("last-access"));
                assertEquals(String.valueOf(Long.parseLong(vector.fields().getOrDefault("hits", "0")) + added),
                        recorded.get("hits"));
                checked++;
            }
        }
        assertEquals(12, checked, "every ok vector, short and full, with each count");
    }

    @Test
    void luaAndJavaListTheSameFieldsInTheSameOrder() throws IOException {
        Response reply = CONNECTION.redis().send(Request.cmd(Command.EVAL).arg(sharedLua() + "\nreturn META_FIELDS\n")
                .arg(0)).await().atMost(Duration.ofSeconds(10));
        List<String> lua = new ArrayList<>();
        reply.forEach(field -> lua.add(field.toString()));
        assertEquals(ImageLayout.META_FIELDS, lua);
    }

    @Test
    void aLineFeedInAValueCannotSplitIt() throws IOException {
        Response reply = CONNECTION.redis().send(Request.cmd(Command.EVAL)
                .arg(sharedLua() + "\nreturn encodeMeta({ status = 'ok', etag = oneLine(ARGV[1]) })\n").arg(0)
                .arg("\"a\nb\""))
                .await().atMost(Duration.ofSeconds(10));
        assertEquals("\"a b\"", ImageLayout.decode(reply.toString()).get("etag"));
    }

    @Test
    void luaChargesAnImageAsJavaDoes() throws IOException {
        Response reply = CONNECTION.redis().send(Request.cmd(Command.EVAL)
                .arg(sharedLua() + "\nreturn chargedBytes(ARGV[1], tonumber(ARGV[2]))\n").arg(0)
                .arg("bench/0123456789.png").arg(20_000)).await().atMost(Duration.ofSeconds(10));
        assertEquals(ImageLayout.chargedBytes("bench/0123456789.png".length(), 20_000), reply.toLong());
    }

    private static String sharedLua() throws IOException {
        try (InputStream in = MetaVectorsIT.class.getResourceAsStream("/redis/functions/" + FunctionLibrary.SHARED_SOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
