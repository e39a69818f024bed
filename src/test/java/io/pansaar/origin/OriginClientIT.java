package io.pansaar.origin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.pansaar.config.SegmentSettings;
import io.pansaar.key.ImageKey;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;

/** The origin client against a real HTTP origin on a loopback port. */
class OriginClientIT {

    private static final int ONE_MEBIBYTE = 1_048_576;
    /** The default of {@code pansaar.origin.max-pixels}. */
    private static final long MAX_PIXELS = 50_000_000L;
    /** Guards against a hung test only; no test asserts how fast anything is. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(30);

    private static Vertx vertx;
    private static TestOrigin origin;
    private static TestOrigin otherOrigin;
    private static OriginClient client;
    private static OriginClient impatientClient;
    private static OriginClient patientClient;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        origin = TestOrigin.start();
        otherOrigin = TestOrigin.start();
        client = new OriginClient(vertx, limits(Duration.ofSeconds(5)), "test");
        impatientClient = new OriginClient(vertx, limits(Duration.ofMillis(500)), "test");
        patientClient = new OriginClient(vertx, limits(Duration.ofSeconds(60)), "test");
    }

    @AfterAll
    static void stop() {
        client.close();
        impatientClient.close();
        patientClient.close();
        origin.close();
        otherOrigin.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static OriginLimits limits(Duration timeout) {
        return new OriginLimits(ONE_MEBIBYTE, MAX_PIXELS, timeout, Duration.ofSeconds(2), 3, EnumSet.allOf(ImageFormat.class),
                32);
    }

    @Test
    void fetchesAnImageWithItsValidators() {
        String path = uniquePath("a.png");
        byte[] png = TestImages.png(5_000);
        Instant modified = Instant.parse("2024-05-01T10:15:30Z");
        origin.serve(path, Reply.image(png, "image/png").withETag("\"v1\"").withLastModified(modified));

        FetchResult.Fetched fetched = assertInstanceOf(FetchResult.Fetched.class, fetch(client, path, Optional.empty()));

        assertArrayEquals(png, fetched.body());
        assertEquals("image/png", fetched.contentType());
        assertEquals(Optional.of("\"v1\""), fetched.etag());
        assertEquals(Optional.of(Reply.httpDate(modified)), fetched.lastModified());
        assertEquals(URI.create(origin.url(path)), fetched.url());
        assertFalse(fetched.elapsed().isNegative());
        TestOrigin.Request request = origin.requests(path).get(0);
        assertEquals(Optional.of("Pansaar/test"), request.header("User-Agent"));
        assertEquals(Optional.of("image/jpeg, image/png, image/gif, image/webp, image/avif"), request.header("Accept"));
        assertEquals(Optional.empty(), request.header("If-None-Match"));
        assertEquals(Optional.empty(), request.header("If-Modified-Since"));
    }

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void acceptsEveryAllowedFormat(ImageFormat format) {
        String path = uniquePath("image");
        origin.serve(path, Reply.image(TestImages.of(format), format.mediaType() + "; charset=binary"));

        FetchResult.Fetched fetched = assertInstanceOf(FetchResult.Fetched.class, fetch(client, path, Optional.empty()));

        assertEquals(format.mediaType(), fetched.contentType(), "the stored type is the detected one, without parameters");
    }

    @Test
    void acceptsABodyOfExactlyTheLimitWithOrWithoutContentLength() {
        String declared = uniquePath("declared.png");
        String chunked = uniquePath("chunked.png");
        byte[] png = TestImages.png(ONE_MEBIBYTE);
        origin.serve(declared, Reply.image(png, "image/png"));
        origin.serve(chunked, Reply.chunked(png, png.length, "image/png"));

        assertArrayEquals(png, ((FetchResult.Fetched) fetch(client, declared, Optional.empty())).body());
        assertArrayEquals(png, ((FetchResult.Fetched) fetch(client, chunked, Optional.empty())).body());
    }

    @ParameterizedTest
    @ValueSource(ints = {404, 410})
    void reportsAMissingImage(int status) {
        String path = uniquePath("missing.png");
        origin.serve(path, Reply.body(status, TestImages.html(), "text/html"));

        FetchResult.NotFound notFound = assertInstanceOf(FetchResult.NotFound.class, fetch(client, path, Optional.empty()));

        assertEquals(status, notFound.status());
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504})
    void serverErrorsAreRetryable(int status) {
        String path = uniquePath("broken.png");
        origin.serve(path, Reply.body(status, TestImages.html(), "text/html"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.SERVER_ERROR, failure.reason());
        assertTrue(failure.retryable());
        assertEquals(status, failure.status().getAsInt());
        assertTrue(failure.getMessage().contains(origin.url(path)) && failure.getMessage().contains(String.valueOf(status)),
                failure.getMessage());
    }

    @Test
    void rateLimitingIsRetryable() {
        String path = uniquePath("busy.png");
        origin.serve(path, Reply.status(429).withHeader("Retry-After", "1"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.RATE_LIMITED, failure.reason());
        assertTrue(failure.retryable());
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 451})
    void otherClientErrorsArePermanent(int status) {
        String path = uniquePath("forbidden.png");
        origin.serve(path, Reply.body(status, TestImages.html(), "text/html"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.CLIENT_ERROR, failure.reason());
        assertFalse(failure.retryable());
    }

    @Test
    void aSlowOriginTimesOutRetryably() {
        String path = uniquePath("slow.png");
        origin.serve(path, Reply.image(TestImages.png(500), "image/png").withDelay(Duration.ofSeconds(3)));

        OriginFetchException failure = failure(impatientClient, path);

        assertEquals(FetchFailure.TIMEOUT, failure.reason());
        assertTrue(failure.retryable());
        assertTrue(failure.getMessage().contains("500ms") && failure.getMessage().contains("pansaar.origin.timeout"),
                failure.getMessage());
    }

    @Test
    void theTimeoutCoversTheWholeRedirectChain() {
        String path = uniquePath("slow-chain.png");
        Reply slowHop = Reply.redirect(302, "/" + path).withDelay(Duration.ofMillis(200));
        // Each hop is well within the timeout; together they are not. The chain redirects to itself,
        // so it is the timeout, not the redirect limit, that must end it: the limit is raised out of reach.
        origin.serve(path, slowHop);
        OriginClient client = new OriginClient(vertx, new OriginLimits(ONE_MEBIBYTE, MAX_PIXELS, Duration.ofMillis(500),
                Duration.ofSeconds(2), 1_000, EnumSet.allOf(ImageFormat.class), 4), "test");
        try {
            assertEquals(FetchFailure.TIMEOUT, failure(client, path).reason());
            assertTrue(origin.fetches(path) >= 2, "the chain was followed before the timeout struck");
        } finally {
            client.close();
        }
    }

    @Test
    void refusesADeclaredOversizeBodyAtOnce() {
        String path = uniquePath("huge.png");
        origin.serve(path, Reply.image(TestImages.png(2 * ONE_MEBIBYTE), "image/png"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.TOO_LARGE, failure.reason());
        assertFalse(failure.retryable());
        assertEquals("origin " + origin.url(path) + " declared a body of 2,097,152 bytes (Content-Length); the limit is "
                + "1,048,576 (pansaar.origin.max-bytes)", failure.getMessage());
    }

    @Test
    void cutsTheConnectionWhenAnUndeclaredBodyPassesTheLimit() {
        String path = uniquePath("endless.png");
        long fiftyMebibytes = 50L * ONE_MEBIBYTE;
        origin.serve(path, Reply.chunked(TestImages.png(100), fiftyMebibytes, "image/png"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.TOO_LARGE, failure.reason());
        assertFalse(failure.retryable());
        assertTrue(failure.getMessage().contains("the limit is 1,048,576 (pansaar.origin.max-bytes)"), failure.getMessage());
        // The origin notices the closed connection when its writes fail; socket buffers let it get a few
        // mebibytes ahead of the client, never the whole body.
        TestOrigin.Delivery delivery = awaitOnlyDelivery(path);
        assertFalse(delivery.complete(), "the origin sent the whole body: the client read it all");
        assertTrue(delivery.bodyBytesSent() < fiftyMebibytes, "sent " + delivery.bodyBytesSent());
    }

    @Test
    void refusesAnHtmlPageLabelledAsAnImage() {
        String path = uniquePath("lying.png");
        origin.serve(path, Reply.image(TestImages.html(), "image/png"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.NOT_AN_IMAGE, failure.reason());
        assertFalse(failure.retryable());
        assertTrue(failure.getMessage().contains("starting 3C 21 44 4F 43 54 59 50"), failure.getMessage());
    }

    @Test
    void refusesAnEmptyBody() {
        String path = uniquePath("empty.png");
        origin.serve(path, Reply.image(new byte[0], "image/png"));

        assertEquals(FetchFailure.NOT_AN_IMAGE, failure(client, path).reason());
    }

    @Test
    void refusesABodyOfAnotherFormatThanItsHeaderNames() {
        String path = uniquePath("jpeg-labelled-png.png");
        origin.serve(path, Reply.image(TestImages.jpeg(), "image/png"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.FORMAT_MISMATCH, failure.reason());
        assertTrue(failure.getMessage().contains("image/png but the body is a JPEG image"), failure.getMessage());
    }

    @Test
    void refusesATruncatedImageAtOnce() {
        String path = uniquePath("truncated.png");
        origin.serve(path, Reply.image(Arrays.copyOf(TestImages.png(5_000), 3_000), "image/png"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.MALFORMED_IMAGE, failure.reason());
        assertFalse(failure.retryable());
        assertEquals(1, origin.fetches(path));
        assertTrue(failure.getMessage().startsWith("origin " + origin.url(path) + " sent a malformed PNG image (3,000 bytes): "
                + "the 'tEXt' chunk at byte 33 declares 4,919 bytes of data"), failure.getMessage());
    }

    @Test
    void refusesAnImageDeclaringMorePixelsThanTheLimit() {
        String path = uniquePath("bomb.png");
        origin.serve(path, Reply.image(TestImages.pngDeclaring(100_000, 100_000), "image/png"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.TOO_MANY_PIXELS, failure.reason());
        assertFalse(failure.retryable());
        assertEquals(1, origin.fetches(path));
        assertEquals("origin " + origin.url(path) + " sent a PNG image of 100000x100000 = 10,000,000,000 pixels; the limit is "
                + "50,000,000 (pansaar.origin.max-pixels)", failure.getMessage());
    }

    @Test
    void acceptsAnImageOfExactlyThePixelLimit() {
        String path = uniquePath("limit.png");
        origin.serve(path, Reply.image(TestImages.pngDeclaring(10_000, 5_000), "image/png"));

        assertInstanceOf(FetchResult.Fetched.class, fetch(client, path, Optional.empty()));
    }

    @Test
    void refusesABodyCutOffByAShortContentLength() {
        String path = uniquePath("short-length.png");
        origin.serve(path, Reply.image(TestImages.png(5_000), "image/png").withContentLength(4_000));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.MALFORMED_IMAGE, failure.reason());
        assertFalse(failure.retryable());
        assertTrue(failure.getMessage().contains("(4,000 bytes)"), failure.getMessage());
    }

    @Test
    void refusesABodyShorterThanItsContentLength() {
        String path = uniquePath("long-length.png");
        origin.serve(path, Reply.image(TestImages.png(3_000), "image/png").withContentLength(5_000));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.LENGTH_MISMATCH, failure.reason());
        assertFalse(failure.retryable());
        assertTrue(failure.reason().worthAnotherDelivery(1), "tried once more, on a fresh connection");
        assertFalse(failure.reason().worthAnotherDelivery(2));
        assertEquals(1, origin.fetches(path));
        assertEquals("origin " + origin.url(path) + " declared a body of 5,000 bytes (Content-Length) but closed the "
                + "connection after 3,000", failure.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/html; charset=utf-8", "image/svg+xml", "application/octet-stream"})
    void refusesAContentTypeNotAllowed(String contentType) {
        String path = uniquePath("page.png");
        origin.serve(path, Reply.image(TestImages.png(300), contentType));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.CONTENT_TYPE_NOT_ALLOWED, failure.reason());
        assertFalse(failure.retryable());
        assertTrue(failure.getMessage().contains(contentType), failure.getMessage());
    }

    @Test
    void refusesAnImageWithoutContentType() {
        String path = uniquePath("untyped.png");
        origin.serve(path, Reply.status(200).withHeader("X-Body", "none"));

        assertEquals(FetchFailure.CONTENT_TYPE_NOT_ALLOWED, failure(client, path).reason());
    }

    @Test
    void refusesAFormatLeftOutOfTheAllowList() {
        String path = uniquePath("animated.gif");
        origin.serve(path, Reply.image(TestImages.gif(), "image/gif"));
        OriginClient pngOnly = new OriginClient(vertx, new OriginLimits(ONE_MEBIBYTE, MAX_PIXELS, Duration.ofSeconds(5),
                Duration.ofSeconds(2), 3, EnumSet.of(ImageFormat.PNG, ImageFormat.JPEG), 4), "test");
        try {
            assertEquals(FetchFailure.CONTENT_TYPE_NOT_ALLOWED, failure(pngOnly, path).reason());
            assertEquals(Optional.of("image/jpeg, image/png"), origin.requests(path).get(0).header("Accept"));
        } finally {
            pngOnly.close();
        }
    }

    @Test
    void conditionalGetSendsTheETagAndGetsNotModified() {
        String path = uniquePath("cached.png");
        Instant modified = Instant.parse("2024-05-01T10:15:30Z");
        origin.serve(path, Reply.image(TestImages.png(400), "image/png").withETag("\"v2\"").withLastModified(modified));
        Validators validators = Validators.of("\"v2\"", Reply.httpDate(modified));

        FetchResult.NotModified notModified = assertInstanceOf(FetchResult.NotModified.class,
                fetch(client, path, Optional.of(validators)));

        assertEquals(Optional.of("\"v2\""), notModified.etag());
        assertEquals(Optional.of(Reply.httpDate(modified)), notModified.lastModified());
        TestOrigin.Request request = origin.requests(path).get(0);
        assertEquals(Optional.of("\"v2\""), request.header("If-None-Match"));
        assertEquals(Optional.of(Reply.httpDate(modified)), request.header("If-Modified-Since"));
    }

    @Test
    void conditionalGetByDateAlone() {
        String path = uniquePath("dated.png");
        Instant modified = Instant.parse("2024-05-01T10:15:30Z");
        origin.serve(path, Reply.image(TestImages.png(400), "image/png").withLastModified(modified));

        FetchResult result = fetch(client, path, Optional.of(Validators.of(null, Reply.httpDate(modified))));

        assertInstanceOf(FetchResult.NotModified.class, result);
        assertEquals(Optional.empty(), origin.requests(path).get(0).header("If-None-Match"));
    }

    @Test
    void conditionalGetOfAChangedImageFetchesIt() {
        String path = uniquePath("changed.png");
        byte[] newer = TestImages.png(600, 7);
        origin.serve(path, Reply.image(newer, "image/png").withETag("\"v3\""));

        FetchResult.Fetched fetched = assertInstanceOf(FetchResult.Fetched.class,
                fetch(client, path, Optional.of(Validators.of("\"v2\"", null))));

        assertArrayEquals(newer, fetched.body());
        assertEquals(Optional.of("\"v3\""), fetched.etag());
    }

    @Test
    void anUnaskedNotModifiedIsRefused() {
        String path = uniquePath("unasked.png");
        origin.serve(path, Reply.status(304));

        assertEquals(FetchFailure.UNEXPECTED_STATUS, failure(client, path).reason());
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void followsRedirectsWithinTheOriginUpToTheLimit(int status) {
        String path = uniquePath("moved.png");
        byte[] png = TestImages.png(700);
        origin.serveRedirectChain(path, 3, status, Reply.image(png, "image/png"));

        FetchResult.Fetched fetched = assertInstanceOf(FetchResult.Fetched.class, fetch(client, path, Optional.empty()));

        assertArrayEquals(png, fetched.body());
        assertEquals(URI.create(origin.url(path + ".hop3")), fetched.url());
        assertEquals(1, origin.fetches(path + ".hop1"));
        assertEquals(1, origin.fetches(path + ".hop2"));
    }

    @Test
    void resolvesARelativeLocationAgainstTheCurrentUrl() {
        String directory = uniquePath("dir");
        origin.serve(directory + "/old.png", Reply.redirect(301, "new.png"));
        origin.serve(directory + "/new.png", Reply.image(TestImages.png(300), "image/png"));
        origin.serve(directory + "/absolute.png", Reply.redirect(302, origin.url(directory + "/new.png")));

        FetchResult.Fetched relative = (FetchResult.Fetched) fetch(client, directory + "/old.png", Optional.empty());
        FetchResult.Fetched absolute = (FetchResult.Fetched) fetch(client, directory + "/absolute.png", Optional.empty());

        assertEquals(URI.create(origin.url(directory + "/new.png")), relative.url());
        assertEquals(URI.create(origin.url(directory + "/new.png")), absolute.url());
    }

    @Test
    void refusesARedirectChainOverTheLimit() {
        String path = uniquePath("loop.png");
        origin.serveRedirectChain(path, 4, 302, Reply.image(TestImages.png(300), "image/png"));

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.TOO_MANY_REDIRECTS, failure.reason());
        assertFalse(failure.retryable());
        assertTrue(failure.getMessage().contains("pansaar.origin.max-redirects"), failure.getMessage());
        assertEquals(1, origin.fetches(path + ".hop3"));
        assertEquals(0, origin.fetches(path + ".hop4"), "the redirect past the limit was followed");
    }

    @Test
    void refusesRedirectsThatLeaveTheOrigin() {
        String path = uniquePath("escape");
        String target = uniquePath("target.png");
        otherOrigin.serve(target, Reply.image(TestImages.png(300), "image/png"));
        List<String> escapes = List.of(
                otherOrigin.url(target),                                   // another port
                "http://localhost:" + origin.port() + "/" + target,        // another host name
                "https://127.0.0.1:" + origin.port() + "/" + target,       // another scheme
                "//localhost:" + otherOrigin.port() + "/" + target,        // scheme-relative to another host
                "http://user@127.0.0.1:" + origin.port() + "/" + target);  // credentials smuggled in
        List<FetchFailure> reasons = new ArrayList<>();
        for (int i = 0; i < escapes.size(); i++) {
            origin.serve(path + i + ".png", Reply.redirect(302, escapes.get(i)));
            reasons.add(failure(client, path + i + ".png").reason());
        }

        assertEquals(List.of(FetchFailure.REDIRECT_OFF_ORIGIN, FetchFailure.REDIRECT_OFF_ORIGIN,
                FetchFailure.REDIRECT_OFF_ORIGIN, FetchFailure.REDIRECT_OFF_ORIGIN, FetchFailure.REDIRECT_OFF_ORIGIN),
                reasons);
        assertEquals(0, otherOrigin.fetches(target));
    }

    @Test
    void refusesARedirectWithoutLocation() {
        String path = uniquePath("nowhere.png");
        origin.serve(path, Reply.status(302));

        assertEquals(FetchFailure.BAD_REDIRECT, failure(client, path).reason());
    }

    @Test
    void aSegmentWithoutOriginFailsPermanently() {
        SegmentSettings noOrigin = segment("orphans", Optional.empty());

        OriginFetchException failure = assertThrows(OriginFetchException.class, () -> client
                .fetch(ImageKey.of("orphans/a.png"), noOrigin, Optional.empty()).await().atMost(HANG_GUARD));

        assertEquals(FetchFailure.NO_ORIGIN, failure.reason());
        assertFalse(failure.retryable());
        assertTrue(failure.getMessage().contains("pansaar.segments.\"orphans\".origin-url"), failure.getMessage());
    }

    @Test
    void aDroppedConnectionIsRetryable() {
        String path = uniquePath("dropped.png");
        origin.serve(path, Reply.dropConnection());

        OriginFetchException failure = failure(client, path);

        assertEquals(FetchFailure.CONNECTION_FAILED, failure.reason());
        assertTrue(failure.retryable());
    }

    @Test
    void anUnreachableOriginIsRetryable() {
        TestOrigin gone = TestOrigin.start();
        String baseUrl = gone.baseUrl();
        gone.close();
        SegmentSettings segment = segment("gone", Optional.of(URI.create(baseUrl)));

        OriginFetchException failure = assertThrows(OriginFetchException.class,
                () -> client.fetch(ImageKey.of("gone/a.png"), segment, Optional.empty()).await().atMost(HANG_GUARD));

        assertEquals(FetchFailure.CONNECTION_FAILED, failure.reason());
        assertTrue(failure.retryable());
        assertTrue(failure.getMessage().contains(baseUrl + "gone/a.png"), failure.getMessage());
    }

    @Test
    void eachSubscriptionFetchesAgainSoARetrySucceedsOnceTheOriginRecovers() {
        String path = uniquePath("flaky.png");
        byte[] png = TestImages.png(800);
        origin.serveAfterFailures(path, 2, Reply.status(503), Reply.image(png, "image/png"));

        FetchResult result = client.fetch(ImageKey.of(path), segment(origin), Optional.empty())
                .onFailure(error -> error instanceof OriginFetchException fetchFailure && fetchFailure.retryable())
                .retry().atMost(2)
                .await().atMost(HANG_GUARD);

        assertArrayEquals(png, ((FetchResult.Fetched) result).body());
        assertEquals(3, origin.fetches(path));
    }

    @Test
    void cancellingAFetchClosesItsConnection() {
        String path = uniquePath("cancelled.png");
        long fiftyMebibytes = 50L * ONE_MEBIBYTE;
        origin.serve(path, Reply.chunked(TestImages.png(100), fiftyMebibytes, "image/png").withDelay(Duration.ofMillis(300)));

        Cancellable subscription = patientClient.fetch(ImageKey.of(path), segment(origin), Optional.empty())
                .subscribe().with(result -> { }, failure -> { });
        await().atMost(HANG_GUARD).until(() -> origin.fetches(path) == 1);
        subscription.cancel();

        TestOrigin.Delivery delivery = awaitOnlyDelivery(path);
        assertFalse(delivery.complete());
        assertTrue(delivery.bodyBytesSent() < fiftyMebibytes, "sent " + delivery.bodyBytesSent());
    }

    @Test
    void twoHundredConcurrentFetchesAllSucceedThroughTheConnectionPool() {
        String prefix = uniquePath("crowd");
        List<Uni<FetchResult>> fetches = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String path = prefix + "/" + i + ".png";
            origin.serve(path, Reply.image(TestImages.png(2_000, i), "image/png"));
            fetches.add(patientClient.fetch(ImageKey.of(path), segment(origin), Optional.empty()));
        }

        List<FetchResult> results = Uni.join().all(fetches).andFailFast().await().atMost(HANG_GUARD);

        for (int i = 0; i < 200; i++) {
            assertArrayEquals(TestImages.png(2_000, i), ((FetchResult.Fetched) results.get(i)).body());
            assertEquals(1, origin.fetches(prefix + "/" + i + ".png"));
        }
    }

    @Test
    void refusesAllowedTypesItCannotVerify() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> OriginLimits.parseAllowedContentTypes(List.of("image/png", "image/svg+xml")));

        assertTrue(refused.getMessage().contains("image/svg+xml"), refused.getMessage());
    }

    private static FetchResult fetch(OriginClient client, String path, Optional<Validators> validators) {
        return client.fetch(ImageKey.of(path), segment(origin), validators).await().atMost(HANG_GUARD);
    }

    private static OriginFetchException failure(OriginClient client, String path) {
        return assertThrows(OriginFetchException.class, () -> fetch(client, path, Optional.empty()));
    }

    /** What the origin sent for the single request to {@code path}, once it stopped sending. */
    private static TestOrigin.Delivery awaitOnlyDelivery(String path) {
        return await().atMost(HANG_GUARD).until(() -> origin.deliveries(path), deliveries -> deliveries.size() == 1).get(0);
    }

    private static SegmentSettings segment(TestOrigin at) {
        return segment("it", Optional.of(URI.create(at.baseUrl())));
    }

    private static SegmentSettings segment(String name, Optional<URI> origin) {
        return new SegmentSettings(name, origin, Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofDays(1),
                Duration.ofMinutes(1), 0.01, Duration.ofMinutes(1), Duration.ofDays(7));
    }

    /** A path no other test uses, so tests share the origin without seeing each other's requests. */
    private static String uniquePath(String name) {
        return "it/" + UUID.randomUUID() + "/" + name;
    }
}
