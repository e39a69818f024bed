package io.pansaar.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP origin on a free loopback port, for tests: each path answers with the {@link Reply}
 * it was given (unknown paths answer 404), and the origin records what it received and what it
 * managed to send. Safe under hundreds of concurrent requests: every request runs on its own thread.
 *
 * <pre>{@code
 * try (TestOrigin origin = TestOrigin.start()) {
 *     origin.serve("avatars/a.png", Reply.image(TestImages.png(2_000), "image/png").withETag("\"v1\""));
 *     // fetch origin.baseUrl() + "avatars/a.png" ...
 *     assertEquals(1, origin.fetches("avatars/a.png"));
 * }
 * }</pre>
 */
public final class TestOrigin implements AutoCloseable {

    /** One request as the origin received it; header names are in lower case, each with its first value. */
    public record Request(String path, Map<String, String> headers, Instant receivedAt) {

        /** The value of header {@code name} (any case), if the request carried it. */
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }
    }

    /**
     * What the origin sent for one request, recorded once it stopped sending.
     *
     * @param path the request's path, without the leading '/'
     * @param status the status sent; 0 when the connection was dropped without an answer
     * @param bodyBytesSent body bytes handed to the socket before the origin stopped
     * @param complete whether the whole answer was sent; false when the client went away (or the reply dropped the connection)
     */
    public record Delivery(String path, int status, long bodyBytesSent, boolean complete) {
    }

    private static final Reply UNKNOWN_PATH = Reply.body(404, "no such image".getBytes(), "text/plain");
    private static final int WRITE_SLICE = 64 * 1024;

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> fetchCounts = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Per path, the most requests (for any path) that were being answered while one for this path was. */
    private final Map<String, Integer> peakInFlight = new ConcurrentHashMap<>();
    private final AtomicInteger totalFetches = new AtomicInteger();
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();

    private TestOrigin(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts an origin on a free port of 127.0.0.1. */
    public static TestOrigin start() {
        // The JDK server reads these once, when the first server starts. Without TCP_NODELAY its separate writes of
        // headers and body meet the client's delayed ACK, adding 40 ms to a small answer; and past 200 idle
        // keep-alive connections it closes the others, which clients of many connections find broken on reuse.
        System.setProperty("sun.net.httpserver.nodelay", System.getProperty("sun.net.httpserver.nodelay", "true"));
        System.setProperty("sun.net.httpserver.maxIdleConnections",
                System.getProperty("sun.net.httpserver.maxIdleConnections", "2000"));
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "test-origin-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("could not open the test origin's port", e);
        }
        TestOrigin origin = new TestOrigin(server, executor);
        server.createContext("/", origin::handle);
        server.setExecutor(executor);
        server.start();
        return origin;
    }

    /** The origin's base URL, {@code http://127.0.0.1:<port>/}, ending in '/' as an origin base URL must. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/";
    }

    /** The full URL of {@code path}. */
    public String url(String path) {
        return baseUrl() + path;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Answers every request for {@code path} (no leading '/') with {@code reply}, replacing what it answered before. */
    public void serve(String path, Reply reply) {
        serveInTurn(path, reply);
    }

    /** Answers the n-th request for {@code path} with the n-th reply; once they run out, the last one repeats. */
    public void serveInTurn(String path, Reply... replies) {
        if (replies.length == 0) {
            throw new IllegalArgumentException("give at least one reply");
        }
        routes.put(path, new Route(Arrays.asList(replies)));
    }

    /** Answers the first {@code failures} requests for {@code path} with {@code failure}, and every later one with {@code success}. */
    public void serveAfterFailures(String path, int failures, Reply failure, Reply success) {
        Reply[] replies = new Reply[failures + 1];
        Arrays.fill(replies, 0, failures, failure);
        replies[failures] = success;
        serveInTurn(path, replies);
    }

    /**
     * Serves a chain of {@code hops} redirects ({@code status}) starting at {@code path}: {@code path} redirects
     * to {@code path.hop1}, which redirects to {@code path.hop2}, ..., and the last hop answers {@code target}.
     * The Locations are relative, as many origins send them.
     */
    public void serveRedirectChain(String path, int hops, int status, Reply target) {
        String current = path;
        for (int hop = 1; hop <= hops; hop++) {
            String next = path + ".hop" + hop;
            serve(current, Reply.redirect(status, "/" + next));
            current = next;
        }
        serve(current, target);
    }

    /** How many requests arrived for {@code path}. */
    public int fetches(String path) {
        AtomicInteger count = fetchCounts.get(path);
        return count == null ? 0 : count.get();
    }

    /** How many requests arrived for any path. */
    public int totalFetches() {
        return totalFetches.get();
    }

    /**
     * The most requests the origin was answering at once while answering one of {@code paths}:
     * how many fetches a client ran in parallel.
     */
    public int peakConcurrency(List<String> paths) {
        return paths.stream().mapToInt(path -> peakInFlight.getOrDefault(path, 0)).max().orElse(0);
    }

    /** The requests for {@code path}, in the order they arrived. */
    public List<Request> requests(String path) {
        return requests.stream().filter(request -> request.path().equals(path)).toList();
    }

    /** What the origin finished sending for {@code path}, one entry per request, in the order they finished. */
    public List<Delivery> deliveries(String path) {
        return deliveries.stream().filter(delivery -> delivery.path().equals(path)).toList();
    }

    /** Stops the origin at once, breaking any answer still being sent. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        String rawPath = exchange.getRequestURI().getRawPath();
        String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        // The reply is chosen before the request is counted, so a test that has seen n requests knows the first n
        // replies are taken.
        Route route = routes.get(path);
        Reply reply = route == null ? UNKNOWN_PATH : route.next();
        requests.add(new Request(path, firstValues(exchange.getRequestHeaders()), Instant.now()));
        fetchCounts.computeIfAbsent(path, ignored -> new AtomicInteger()).incrementAndGet();
        totalFetches.incrementAndGet();
        peakInFlight.merge(path, inFlight.incrementAndGet(), Math::max);
        try {
            if (!reply.delay().isZero()) {
                Thread.sleep(reply.delay().toMillis());
            }
            if (reply.dropsConnection()) {
                deliveries.add(new Delivery(path, 0, 0, false));
                // Closing an exchange before its response headers are sent closes the connection.
                return;
            }
            respond(exchange, path, reply);
            if (reply.declaredLength() > reply.body().length) {
                // The JDK server keeps a connection open after a body shorter than its Content-Length, until
                // the client gives up; an exception out of the handler makes it close the connection instead.
                throw new IllegalStateException("the reply for " + path + " is shorter than its Content-Length");
            }
        } catch (InterruptedException stopped) {
            // close() interrupts answers still waiting; the client sees the connection close.
            Thread.currentThread().interrupt();
            deliveries.add(new Delivery(path, 0, 0, false));
        } finally {
            inFlight.decrementAndGet();
            exchange.close();
        }
    }

    private void respond(HttpExchange exchange, String path, Reply reply) {
        Headers headers = exchange.getResponseHeaders();
        reply.etag().ifPresent(etag -> headers.set("ETag", etag));
        reply.lastModified().ifPresent(date -> headers.set("Last-Modified", Reply.httpDate(date)));
        long sent = 0;
        int status = reply.status();
        try {
            if (reply.status() == 200 && notModified(exchange.getRequestHeaders(), reply)) {
                status = 304;
                exchange.sendResponseHeaders(304, -1);
                deliveries.add(new Delivery(path, 304, 0, true));
                return;
            }
            reply.headers().forEach(header -> headers.add(header.getKey(), header.getValue()));
            long streamedLength = reply.streamedLength();
            byte[] body = reply.body();
            if (streamedLength < 0 && body.length == 0) {
                exchange.sendResponseHeaders(status, -1);
                deliveries.add(new Delivery(path, status, 0, true));
                return;
            }
            // Length 0 tells the JDK server to send the body in chunks, without a Content-Length.
            exchange.sendResponseHeaders(status, streamedLength < 0 ? reply.declaredLength() : 0);
            // The JDK server refuses to write past the declared length, and fails the close of a body short of it.
            long total = streamedLength < 0 ? Math.min(body.length, reply.declaredLength()) : streamedLength;
            byte[] zeros = new byte[WRITE_SLICE];
            OutputStream out = exchange.getResponseBody();
            while (sent < total) {
                int slice = (int) Math.min(WRITE_SLICE, total - sent);
                if (sent < body.length) {
                    slice = (int) Math.min(slice, body.length - sent);
                    out.write(body, (int) sent, slice);
                } else {
                    out.write(zeros, 0, slice);
                }
                sent += slice;
            }
            out.close();
            deliveries.add(new Delivery(path, status, sent, true));
        } catch (IOException clientGone) {
            // The client closed the connection (as a byte cut-off or a timeout does): recorded for the test to see.
            deliveries.add(new Delivery(path, status, sent, false));
        }
    }

    /** RFC 9110: If-None-Match decides when present (weak comparison); otherwise If-Modified-Since, to the second. */
    private static boolean notModified(Headers request, Reply reply) {
        String ifNoneMatch = request.getFirst("If-None-Match");
        if (ifNoneMatch != null) {
            if (reply.etag().isEmpty()) {
                return false;
            }
            String current = opaqueTag(reply.etag().get());
            for (String candidate : ifNoneMatch.split(",")) {
                String tag = candidate.trim();
                if (tag.equals("*") || opaqueTag(tag).equals(current)) {
                    return true;
                }
            }
            return false;
        }
        String ifModifiedSince = request.getFirst("If-Modified-Since");
        if (ifModifiedSince == null || reply.lastModified().isEmpty()) {
            return false;
        }
        try {
            Instant since = Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(ifModifiedSince.trim()));
            return !reply.lastModified().get().truncatedTo(ChronoUnit.SECONDS).isAfter(since);
        } catch (DateTimeParseException unreadable) {
            // RFC 9110 13.1.3: a recipient ignores an If-Modified-Since that is not a valid date.
            return false;
        }
    }

    private static String opaqueTag(String etag) {
        return etag.startsWith("W/") ? etag.substring(2) : etag;
    }

    private static Map<String, String> firstValues(Headers headers) {
        Map<String, String> values = new HashMap<>();
        headers.forEach((name, list) -> {
            if (!list.isEmpty()) {
                values.put(name.toLowerCase(Locale.ROOT), list.get(0));
            }
        });
        return Map.copyOf(values);
    }

    /** The replies of one path and how many of them were used. */
    private static final class Route {
        private final List<Reply> replies;
        private final AtomicInteger served = new AtomicInteger();

        Route(List<Reply> replies) {
            this.replies = new ArrayList<>(replies);
        }

        Reply next() {
            int index = served.getAndIncrement();
            return replies.get(Math.min(index, replies.size() - 1));
        }
    }
}
