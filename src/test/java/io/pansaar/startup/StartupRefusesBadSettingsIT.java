package io.pansaar.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.WorkerProcess;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

/**
 * The packaged application started with a setting a job or the scheduler would trip over: start-up stops with a
 * message naming the setting, and Redis is left untouched: no function library, no stream, no lease, no key at all
 * (a scheduler tick before the refusal would evict with the refused budget).
 */
class StartupRefusesBadSettingsIT {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "PANSAAR_ORIGIN_BASE_URL|http://127.0.0.1:9/images|pansaar.origin.base-url must end with '/'",
            "PANSAAR_SEGMENTS__BANNERS__ORIGIN_URL|ftp://127.0.0.1/|pansaar.segments.\"banners\".origin-url",
            "PANSAAR_SEGMENTS__BANNERS__MIN_TTL|2h|pansaar.segments.\"banners\": TTLs must satisfy",
            "PANSAAR_MEMORY_BUDGET|1M|pansaar.memory-budget (1048576 bytes)"})
    void stopsBeforeTouchingRedis(String variable, String value, String message) {
        Vertx vertx = Vertx.vertx();
        try (LocalRedisServer server = LocalRedisServer.start()) {
            Redis redis = Redis.createClient(vertx, server.uri());
            Map<String, String> environment = new HashMap<>(Map.of("QUARKUS_REDIS_HOSTS", server.uri(),
                    "PANSAAR_ORIGIN_BASE_URL", "http://127.0.0.1:9/", "PANSAAR_SCHEDULER_ENABLED", "true"));
            environment.put(variable, value);
            try (WorkerProcess worker = WorkerProcess.start("refused", environment)) {
                assertNotEquals(0, worker.awaitExit(), "start-up failed");
                assertTrue(worker.lines().stream().anyMatch(line -> line.contains("ERROR")
                        && line.contains("refusing to start: " + message)), "one log line names the setting: " + message);
                // Nothing else of Pansaar's takes the stop for a fault of its own (the ready channels' subscription,
                // ended as the Redis client closed, once tried to renew itself and logged a stack trace).
                List<String> others = worker.lines().stream().filter(line -> line.contains("[io.pansaar")
                        && (line.contains(" WARN ") || line.contains(" ERROR ")) && !line.contains("refusing to start"))
                        .toList();
                assertEquals(List.of(), others, "the refusal is the only warning or error Pansaar logs");
            }
            assertEquals(0, redis.send(Request.cmd(Command.DBSIZE)).await().atMost(Duration.ofSeconds(10)).toLong(),
                    "no key was written");
            assertEquals(0, redis.send(Request.cmd(Command.FUNCTION).arg("LIST")).await().atMost(Duration.ofSeconds(10))
                    .size(), "no function library was loaded");
            redis.close();
        } finally {
            vertx.closeAndAwait();
        }
    }
}
