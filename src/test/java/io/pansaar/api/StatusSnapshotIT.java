package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.pansaar.key.RedisKeys;
import io.pansaar.testing.NoConsumerProfile;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * {@code GET /api/status} costs Redis the commands of one snapshot refresh per second, however many
 * callers ask, and still answers 503 once Redis is gone. Counted with INFO's total_commands_processed on
 * the test's own Redis; the profile turns off the stream consumer and makes the gauges hourly, so the
 * application sends nothing else meanwhile.
 */
@QuarkusTest
@TestProfile(NoConsumerProfile.class)
@QuarkusTestResource(value = ReadinessWhenRedisStopsIT.StoppableRedis.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusSnapshotIT {

    private static final int PARTITIONS = 16;
    private static final int CALLERS = 50;
    /** Past the snapshot's period, so the next call refreshes it. */
    private static final Duration PAST_THE_PERIOD = StatusResource.SNAPSHOT_PERIOD.plusMillis(200);

    @Inject
    RedisDataSource redis;

    @TestHTTPResource("/api/status")
    URL status;

    @Test
    @Order(1)
    void fiftyCallsWithinASecondCostRedisWhatOneCallCosts() throws Exception {
        // Consumer groups as a running worker leaves them, so a refresh is the one batch production sends.
        for (int partition = 0; partition < PARTITIONS; partition++) {
            redis.execute("XGROUP", "CREATE", RedisKeys.jobs(partition), RedisKeys.CONSUMER_GROUP, "$", "MKSTREAM");
        }
        assertEquals(List.of(200), calls(1).stream().map(HttpResponse::statusCode).toList());

        long quiet = commandsDuring(() -> List.of()).commands();
        long one = commandsDuring(() -> calls(1)).commands() - quiet;
        Window window = commandsDuring(() -> calls(CALLERS));
        long many = window.commands() - quiet;
        long elapsed = window.nanos();

        // A refresh is 16 commands per partition in one batch, and FCALL pansaar_version.
        assertTrue(one >= PARTITIONS * 16 + 1, "one call cost " + one + " commands");
        // Callers spread over more than a period (a loaded machine) may rightly cause one refresh per period.
        long periods = 1 + elapsed / StatusResource.SNAPSHOT_PERIOD.toNanos();
        assertTrue(many < one * periods + one / 2, CALLERS + " calls in " + elapsed / 1_000_000 + " ms cost " + many
                + " commands, one call " + one);
        System.out.printf("GET /api/status: 1 call cost Redis %d commands, %d concurrent calls %d (in %d ms)%n", one,
                CALLERS, many, elapsed / 1_000_000);
    }

    @Test
    @Order(2)
    void whenRedisIsGoneTheAnswerIs503AndNotAnOldSnapshot() {
        given().get("/api/status").then().statusCode(200);
        ReadinessWhenRedisStopsIT.StoppableRedis.server.kill();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/status").then().statusCode(503)
                .contentType(Problem.MEDIA_TYPE).body("detail", containsString("Redis did not answer")));
        for (int call = 0; call < 5; call++) {
            given().get("/api/status").then().statusCode(503);
        }
    }

    /** Commands Redis processed in a window (INFO's own included), and how long the window lasted. */
    private record Window(long commands, long nanos) {
    }

    /** The window in which {@code calls} ran, opened once the snapshot has expired. */
    private Window commandsDuring(ThrowingSupplier<List<HttpResponse<String>>> calls) throws Exception {
        Thread.sleep(PAST_THE_PERIOD.toMillis());
        long before = commandsProcessed();
        long started = System.nanoTime();
        List<HttpResponse<String>> answers = calls.get();
        long nanos = System.nanoTime() - started;
        long after = commandsProcessed();
        // The distinct failed answers, with their problem details, say why a call failed.
        assertTrue(answers.stream().allMatch(answer -> answer.statusCode() == 200), answers.stream()
                .filter(answer -> answer.statusCode() != 200).map(answer -> answer.statusCode() + " " + answer.body())
                .distinct().toList() + " among " + answers.size() + " calls in " + nanos / 1_000_000 + " ms");
        return new Window(after - before, nanos);
    }

    /** The answers to {@code count} calls sent at once. */
    private List<HttpResponse<String>> calls(int count) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int call = 0; call < count; call++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(status.toURI()).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> done = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            done.add(answer.get());
        }
        return done;
    }

    private long commandsProcessed() {
        for (String line : redis.execute("INFO", "stats").toString().split("\r?\n")) {
            if (line.startsWith("total_commands_processed:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("INFO stats has no total_commands_processed");
    }

    @FunctionalInterface
    private interface ThrowingSupplier<T> {
        T get() throws Exception;
    }
}
