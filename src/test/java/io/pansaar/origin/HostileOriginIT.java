package io.pansaar.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.netty.util.concurrent.EventExecutor;
import io.pansaar.config.SegmentSettings;
import io.pansaar.key.ImageKey;
import io.pansaar.testing.RawHttpOrigin;
import io.pansaar.testing.RawHttpOrigin.Ending;
import io.pansaar.testing.TestImages;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The origin client against origins that break HTTP on purpose, each a raw socket writing exact bytes:
 * answers whose framing is broken fail at once and for good, connections that break stay retryable,
 * and a declared length never turns into allocated memory.
 */
class HostileOriginIT {

    private static final int SIXTEEN_MEBIBYTES = 16 * 1_048_576;
    private static final int TEN_MEBIBYTES = 10 * 1_048_576;
    /** Guards against a hung test only; no test asserts how fast anything is. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(30);
    private static final String IMAGE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n";

    private static Vertx vertx;
    private static OriginClient client;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        // A timeout far beyond the hang guard's reach of any test: a fetch that ends, ends for what the origin sent.
        client = new OriginClient(vertx, new OriginLimits(SIXTEEN_MEBIBYTES, 50_000_000L, Duration.ofSeconds(20),
                Duration.ofSeconds(2), 3, EnumSet.allOf(ImageFormat.class), 32), "test");
    }

    @AfterAll
    static void stop() {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** Answers whose bytes break HTTP/1.1, and what the failure's message must quote; the origin holds each connection open. */
    static Stream<Arguments> malformedAnswers() {
        return Stream.of(
                Arguments.of("an unparseable Content-Length",
                        IMAGE_HEAD + "Content-Length: 12abc\r\n\r\n", "Content-Length value is not a number: 12abc"),
                Arguments.of("a negative Content-Length",
                        IMAGE_HEAD + "Content-Length: -5\r\n\r\n", "Content-Length value is not a number: -5"),
                Arguments.of("two conflicting Content-Lengths",
                        IMAGE_HEAD + "Content-Length: 100\r\nContent-Length: 200\r\n\r\n",
                        "Multiple Content-Length values found: [100, 200]"),
                Arguments.of("a Content-Length beside Transfer-Encoding: chunked",
                        IMAGE_HEAD + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n0\r\n\r\n",
                        "Content-Length are not allowed in HTTP/1.1 messages that contains a Transfer-Encoding header"),
                Arguments.of("headers over the client's limit",
                        IMAGE_HEAD + "X-Padding: " + "x".repeat(9_000) + "\r\nContent-Length: 5\r\n\r\n",
                        "HTTP header is larger than 8192 bytes"),
                Arguments.of("a header line without a colon",
                        IMAGE_HEAD + "X-Colon-Forgotten\r\nContent-Length: 5\r\n\r\n", "No colon found"),
                Arguments.of("a status line that is no HTTP",
                        "<html><body>Welcome</body></html>\r\n\r\n", "invalid version format: <HTML><BODY>WELCOME</BODY></HTML>"),
                Arguments.of("a status code that is no number",
                        "HTTP/1.1 2OO OK\r\nContent-Length: 5\r\n\r\n", "NumberFormatException: For input string: \"2OO\""),
                Arguments.of("a status line over the client's limit",
                        "HTTP/1.1 200 " + "O".repeat(5_000) + "\r\n\r\n", "An HTTP line is larger than 4096 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedAnswers")
    void aMalformedAnswerHeadIsAProtocolErrorThatIsNotRetried(String what, String answer, String quoted) {
        try (RawHttpOrigin origin = RawHttpOrigin.start(answer, Ending.HOLD)) {
            OriginFetchException failure = failure(origin);

            assertEquals(FetchFailure.PROTOCOL_ERROR, failure.reason(), what + ": " + failure.getMessage());
            assertFalse(failure.retryable());
            assertTrue(failure.getMessage().startsWith("origin " + origin.baseUrl() + "hostile/a.png answered with a "
                    + "malformed status line or headers: "), failure.getMessage());
            assertTrue(failure.getMessage().contains(quoted), failure.getMessage());
            assertEquals(1, origin.requests());
        }
    }

    @Test
    void anInvalidChunkSizeIsAProtocolErrorThatIsNotRetried() {
        String answer = IMAGE_HEAD + "Transfer-Encoding: chunked\r\n\r\nzz\r\n0123456789\r\n0\r\n\r\n";
        try (RawHttpOrigin origin = RawHttpOrigin.start(answer, Ending.HOLD)) {
            OriginFetchException failure = failure(origin);

            assertEquals(FetchFailure.PROTOCOL_ERROR, failure.reason());
            assertFalse(failure.retryable());
            assertEquals("origin " + origin.baseUrl() + "hostile/a.png sent a malformed body after 0 bytes: "
                    + "NumberFormatException: Invalid character in chunk size", failure.getMessage());
        }
    }

    @Test
    void aChunkWithoutItsClosingCrLfIsAProtocolErrorThatIsNotRetried() {
        String answer = IMAGE_HEAD + "Transfer-Encoding: chunked\r\n\r\n5\r\n0123456789\r\n0\r\n\r\n";
        try (RawHttpOrigin origin = RawHttpOrigin.start(answer, Ending.HOLD)) {
            OriginFetchException failure = failure(origin);

            assertEquals(FetchFailure.PROTOCOL_ERROR, failure.reason());
            assertTrue(failure.getMessage().endsWith("sent a malformed body after 5 bytes: InvalidChunkTerminationException: "
                    + "Chunk data sections must be terminated by a CR LF octet pair"), failure.getMessage());
        }
    }

    @Test
    void aBodyClosedShortOfItsContentLengthIsALengthMismatchThatIsNotRetried() {
        try (RawHttpOrigin origin = RawHttpOrigin.start(imageAnswer(1_000, 300), Ending.CLOSE)) {
            OriginFetchException failure = failure(origin);

            assertEquals(FetchFailure.LENGTH_MISMATCH, failure.reason());
            assertFalse(failure.retryable());
            assertEquals("origin " + origin.baseUrl() + "hostile/a.png declared a body of 1,000 bytes (Content-Length) but "
                    + "closed the connection after 300", failure.getMessage());
        }
    }

    @Test
    void aConnectionResetInTheBodyIsRetryable() {
        try (RawHttpOrigin origin = RawHttpOrigin.start(imageAnswer(1_000, 300), Ending.RESET)) {
            OriginFetchException failure = failure(origin);

            assertEquals(FetchFailure.CONNECTION_FAILED, failure.reason(), failure.getMessage());
            assertTrue(failure.retryable());
        }
    }

    @Test
    void aChunkedBodyCutOffByAClosedConnectionIsRetryable() {
        String answer = IMAGE_HEAD + "Transfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n";
        try (RawHttpOrigin origin = RawHttpOrigin.start(answer, Ending.CLOSE)) {
            OriginFetchException failure = failure(origin);

            assertEquals(FetchFailure.CONNECTION_FAILED, failure.reason(), failure.getMessage());
            assertTrue(failure.retryable());
            assertTrue(failure.getMessage().contains("broke the connection after 5 body bytes"), failure.getMessage());
        }
    }

    @Test
    void aConnectionClosedOrResetBeforeOrInsideTheHeadIsRetryable() {
        List<FetchFailure> reasons = new ArrayList<>();
        for (RawHttpOrigin origin : List.of(RawHttpOrigin.start("", Ending.CLOSE), RawHttpOrigin.start("", Ending.RESET),
                RawHttpOrigin.start("HTTP/1.1 200 OK\r\nContent-Ty", Ending.CLOSE))) {
            try (origin) {
                reasons.add(failure(origin).reason());
            }
        }

        assertEquals(List.of(FetchFailure.CONNECTION_FAILED, FetchFailure.CONNECTION_FAILED, FetchFailure.CONNECTION_FAILED),
                reasons);
    }

    /**
     * Each fetch meets an origin that declares a 10 MiB body, sends 100 bytes of a PNG and closes the
     * connection. The bytes the event-loop threads allocate meanwhile are counted by the JVM for each
     * thread, whatever the garbage collector does: were the body buffer sized by the declared length,
     * the 32 fetches would allocate 320 MiB; grown with the bytes that arrive, they stay far below the
     * 10 MiB a single declared body would take. A first round of the same fetches loads the classes and
     * fills the caches that the event loops allocate once, which would otherwise be counted too.
     */
    @Test
    void concurrentFetchesAllocateWhatArrivesNotWhatTheOriginDeclares() throws Exception {
        int fetches = 32;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count the bytes a thread allocates, so the test would prove nothing");
        long[] eventLoops = eventLoopThreadIds();
        try (RawHttpOrigin origin = RawHttpOrigin.start(imageAnswer(TEN_MEBIBYTES, 100), Ending.CLOSE)) {
            fetchAll(origin, fetches);
            long before = Arrays.stream(threads.getThreadAllocatedBytes(eventLoops)).sum();
            List<OriginFetchException> failures = fetchAll(origin, fetches);
            long allocated = Arrays.stream(threads.getThreadAllocatedBytes(eventLoops)).sum() - before;

            assertEquals(2 * fetches, origin.requests(), "every fetch reached the origin");
            for (OriginFetchException failure : failures) {
                // Proof that every fetch got as far as its body buffer before the count was read.
                assertEquals(FetchFailure.LENGTH_MISMATCH, failure.reason(), failure.getMessage());
                assertTrue(failure.getMessage().endsWith("declared a body of 10,485,760 bytes (Content-Length) but closed "
                        + "the connection after 100"), failure.getMessage());
            }
            assertTrue(allocated < TEN_MEBIBYTES, "the event loops allocated " + String.format("%,d", allocated) + " bytes for "
                    + fetches + " fetches that each declared 10 MiB and sent 100 bytes");
        }
    }

    /** Fetches {@code count} images from {@code origin} at once, and how each one failed. */
    private static List<OriginFetchException> fetchAll(RawHttpOrigin origin, int count) {
        List<Uni<OriginFetchException>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(client.fetch(ImageKey.of("hostile/" + i + ".png"), segment(origin), Optional.empty())
                    .map(unexpected -> (OriginFetchException) null)
                    .onFailure(OriginFetchException.class).recoverWithItem(error -> (OriginFetchException) error));
        }
        return Uni.join().all(all).andFailFast().await().atMost(HANG_GUARD);
    }

    /** The ids of the threads behind every event loop of the test's Vert.x, each started by a task run on it. */
    private static long[] eventLoopThreadIds() throws InterruptedException, ExecutionException, TimeoutException {
        List<Long> ids = new ArrayList<>();
        for (EventExecutor eventLoop : vertx.nettyEventLoopGroup()) {
            ids.add(eventLoop.submit(() -> Thread.currentThread().getId()).get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS));
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    /** A 200 image/png answer declaring {@code declaredLength} body bytes and carrying the first {@code sent} bytes of a PNG. */
    private static byte[] imageAnswer(int declaredLength, int sent) {
        byte[] head = (IMAGE_HEAD + "Content-Length: " + declaredLength + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] answer = Arrays.copyOf(head, head.length + sent);
        System.arraycopy(TestImages.png(sent + 1_000), 0, answer, head.length, sent);
        return answer;
    }

    private static OriginFetchException failure(RawHttpOrigin origin) {
        return assertThrows(OriginFetchException.class, () -> client.fetch(ImageKey.of("hostile/a.png"), segment(origin),
                Optional.empty()).await().atMost(HANG_GUARD));
    }

    private static SegmentSettings segment(RawHttpOrigin origin) {
        return new SegmentSettings("hostile", Optional.of(URI.create(origin.baseUrl())), Duration.ofHours(1),
                Duration.ofMinutes(5), Duration.ofDays(1), Duration.ofMinutes(1), 0.01, Duration.ofMinutes(1),
                Duration.ofDays(7));
    }
}
