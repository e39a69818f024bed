package io.pansaar.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The test origin itself, driven by the JDK's HTTP client. */
class HttpTestOriginIT {

    @Test
    void answersTwoHundredOverlappingRequestsAndCountsThemAll() throws Exception {
        try (TestOrigin origin = TestOrigin.start()) {
            byte[] png = TestImages.png(3_000);
            // The delay keeps every request open until the others have arrived, so they truly overlap.
            origin.serve("crowd/a.png", Reply.image(png, "image/png").withDelay(Duration.ofMillis(300)));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                responses.add(http.sendAsync(HttpRequest.newBuilder(URI.create(origin.url("crowd/a.png"))).build(),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (CompletableFuture<HttpResponse<byte[]>> response : responses) {
                HttpResponse<byte[]> answer = response.get(60, TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode());
                assertArrayEquals(png, answer.body());
            }
            assertEquals(200, origin.fetches("crowd/a.png"));
            assertEquals(200, origin.totalFetches());
            // A delivery is recorded once its body's stream is closed, which the client may see complete first.
            await().atMost(Duration.ofSeconds(10)).until(() -> origin.deliveries("crowd/a.png").size() == 200);
        }
    }

    @Test
    void servesRepliesInTurnThenRepeatsTheLast() throws Exception {
        try (TestOrigin origin = TestOrigin.start()) {
            origin.serveAfterFailures("flaky.png", 2, Reply.status(503), Reply.image(TestImages.png(200), "image/png"));
            HttpClient http = HttpClient.newHttpClient();
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                statuses.add(http.send(HttpRequest.newBuilder(URI.create(origin.url("flaky.png"))).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            assertEquals(List.of(503, 503, 200, 200), statuses);
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(origin.url("unknown.png"))).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
        }
    }
}
