package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.redis.PooledReplies;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.InjectRedisServer;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.PersistentRedisResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * {@code GET /images/<key>} while Redis is in trouble, provoked for real: out of memory (it refuses the bookkeeping
 * function, but a cached image is still served) and stopped with SIGSTOP (readers get a quick 503 with Retry-After,
 * never a 500, and hits again once it runs).
 */
@QuarkusTest
@QuarkusTestResource(value = PersistentRedisResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class ReadsSurviveRedisFaultsIT {

    private static final int READERS = 150;
    private static final Duration STALL = Duration.ofSeconds(10);

    @InjectRedisServer
    LocalRedisServer server;

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    ImageStore store;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Test
    void hitsAreServedWhileRedisIsOutOfMemoryAndMissesAnswer503AtOnce() {
        byte[] png = TestImages.png(3_000);
        String cached = cachedImage(png);
        String missing = "avatars/" + UUID.randomUUID() + ".png";
        origin.serve(missing, Reply.image(png, "image/png"));
        long unrecordedBefore = store.unrecordedReads();

        // Below what Redis already uses, with the default noeviction policy: every command that could grow memory
        // is refused, the bookkeeping function among them.
        redis.execute("CONFIG", "SET", "maxmemory", "1");
        try {
            byte[] served = given().get("/images/" + cached).then().statusCode(200)
                    .header("Cache-Status", containsString("hit")).extract().asByteArray();
            assertArrayEquals(png, served);
            assertTrue(store.unrecordedReads() > unrecordedBefore, "the failed bookkeeping was counted");

            given().get("/images/" + missing).then().statusCode(503).header("Retry-After", equalTo("1"))
                    .body("detail", containsString("could not queue its fetch"));
            assertEquals(0, origin.fetches(missing), "no job could be queued, so nothing was fetched");
        } finally {
            redis.execute("CONFIG", "SET", "maxmemory", "0");
        }
        assertArrayEquals(png, given().get("/images/" + missing).then().statusCode(200).extract().asByteArray(),
                "once Redis has memory again, the miss is fetched");
    }

    @Test
    void aTenSecondStallUnderOneHundredFiftyReadersGivesQuick503sAndNever500() throws InterruptedException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            keys.add(cachedImage(TestImages.png(2_000, i)));
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        AtomicBoolean reading = new AtomicBoolean(true);
        List<Thread> readers = new ArrayList<>();
        for (int reader = 0; reader < READERS; reader++) {
            String key = keys.get(reader % keys.size());
            Thread thread = new Thread(() -> readUntilStopped(client, key, reading, answers), "reader-" + reader);
            thread.setDaemon(true);
            thread.start();
            readers.add(thread);
        }
        Thread.sleep(1_000);
        long stalledAt = System.nanoTime();
        server.pause();
        long resumedAt;
        try {
            Thread.sleep(STALL.toMillis());
        } finally {
            resumedAt = System.nanoTime();
            server.resume();
        }
        Thread.sleep(3_000);
        reading.set(false);
        for (Thread reader : readers) {
            reader.join(30_000);
        }

        Map<Integer, Long> byStatus = new TreeMap<>();
        answers.forEach(answer -> byStatus.merge(answer.status(), 1L, Long::sum));
        System.out.printf("%d readers, Redis stopped for %s: answers by status %s, %d of the 503s while it was stopped%n",
                READERS, STALL, byStatus, answers.stream().filter(answer -> answer.status() == 503
                        && answer.at() > stalledAt && answer.at() < resumedAt).count());
        assertEquals(List.of(200, 503), List.copyOf(byStatus.keySet()), "only hits and 503s: " + byStatus);
        assertTrue(answers.stream().filter(answer -> answer.status() == 503).allMatch(Answer::retryAfter),
                "every 503 says when to try again");
        long answeredDuringStall = answers.stream()
                .filter(answer -> answer.status() == 503 && answer.at() > stalledAt && answer.at() < resumedAt).count();
        assertTrue(answeredDuringStall >= READERS, "readers were answered while Redis was stopped, not after it: "
                + answeredDuringStall);
        assertTrue(answers.stream().filter(answer -> answer.at() > resumedAt + Duration.ofSeconds(2).toNanos())
                .anyMatch(answer -> answer.status() == 200), "hits again once Redis runs");
        given().get("/q/health/live").then().statusCode(200);
        // The replies of reads that timed out while Redis was stopped came after; their pooled bodies were let go.
        await().atMost(Duration.ofSeconds(30)).until(() -> PooledReplies.held() == 0);
    }

    private void readUntilStopped(HttpClient client, String key, AtomicBoolean reading, ConcurrentLinkedQueue<Answer> answers) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/images/" + key))
                .timeout(Duration.ofSeconds(30)).build();
        while (reading.get()) {
            try {
                HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                answers.add(new Answer(response.statusCode(), System.nanoTime(),
                        response.headers().firstValue("Retry-After").isPresent()));
            } catch (IOException e) {
                answers.add(new Answer(-1, System.nanoTime(), false));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Reads a new key through the cache, so it is cached; returns the key. */
    private String cachedImage(byte[] png) {
        String key = ImageKey.of("avatars/" + UUID.randomUUID() + ".png").value();
        origin.serve(key, Reply.image(png, "image/png"));
        given().get("/images/" + key).then().statusCode(200);
        return key;
    }

    /** One answer a reader got: its status (-1: no answer), when, and whether it carried Retry-After. */
    private record Answer(int status, long at, boolean retryAfter) {
    }
}
