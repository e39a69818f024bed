package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.algorithm.PriorityVectors;
import io.pansaar.testing.LocalRedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.redis.client.Command;

/**
 * The access score as {@code shared.lua} computes it, inside a real Redis, gives the shared vectors' results:
 * with {@code PriorityVectorsTest}, proof that the priority update in {@code pansaar_get} and {@code pansaar_fold_hits} and the Java formula
 * of the scheduler and the simulator agree; and so do a score moved to another half-life and its rank in ms.
 */
class PriorityVectorsIT {

    @RegisterExtension
    static final LocalRedisConnection CONNECTION = new LocalRedisConnection();

    @Test
    void luaMatchesEverySharedVector() throws IOException {
        // shared.lua defines locals only, so an EVAL can run it and call its helper: the very code pansaar_get runs.
        String script = sharedLua() + "\nlocal before = ARGV[1] ~= '' and tonumber(ARGV[1]) or nil\n"
                + "return formatScore(scoreAfterRequests(before, tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])))\n";
        for (PriorityVectors.Vector vector : PriorityVectors.all()) {
            String reply = eval(script, vector.scoreBefore().orElse(""), vector.nowMillis(), vector.halfLifeMillis(),
                    vector.requests()).toString();
            double actual = Double.parseDouble(reply);
            assertTrue(vector.matches(actual), vector + " gave " + reply + " in Lua");
        }
    }

    @Test
    void luaMatchesEverySharedRankVector() throws IOException {
        String script = sharedLua() + "\nlocal moved = scoreInHalfLife(tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))\n"
                + "return { formatScore(moved), rankOf(moved, tonumber(ARGV[4]), tonumber(ARGV[3])) }\n";
        for (PriorityVectors.RankVector vector : PriorityVectors.ranks()) {
            Response reply = eval(script, formatted(vector.score()), vector.fromHalfLifeMillis(),
                    vector.toHalfLifeMillis(), formatted(vector.sizeTerm()));
            double moved = Double.parseDouble(reply.get(0).toString());
            double rank = Double.parseDouble(reply.get(1).toString());
            assertTrue(vector.matches(moved, rank), vector + " gave " + moved + " and " + rank + " in Lua");
        }
    }

    /** Runs the script with these arguments, no keys, and returns its reply. */
    private static Response eval(String script, Object... arguments) {
        Request eval = Request.cmd(Command.EVAL).arg(script).arg(0);
        for (Object argument : arguments) {
            eval.arg(String.valueOf(argument));
        }
        return CONNECTION.redis().send(eval).await().atMost(Duration.ofSeconds(10));
    }

    /** A double as every digit it has, as Redis would store it. */
    private static String formatted(double value) {
        return String.format(Locale.ROOT, "%.17g", value);
    }

    private static String sharedLua() throws IOException {
        try (InputStream in = PriorityVectorsIT.class.getResourceAsStream("/redis/functions/" + FunctionLibrary.SHARED_SOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
