package io.pansaar.stream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.microprofile.reactive.messaging.Message;

import io.pansaar.redis.FunctionCalls;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.testing.LocalRedisConnection;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * One consumer under test on its own stream names, with the messages it emits collected in a queue
 * so a test decides, message by message, whether to ack or nack.
 */
final class StreamHarness implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(15);

    final Redis redis;
    final StreamSettings settings;
    final RedisStreamConsumer consumer;
    final BlockingQueue<Message<StreamEntry>> received = new LinkedBlockingQueue<>();
    final AtomicBoolean completed = new AtomicBoolean();
    final AtomicReference<Throwable> failed = new AtomicReference<>();
    private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();

    private StreamHarness(Vertx vertx, Redis redis, String seedUri, StreamSettings settings) {
        this.redis = redis;
        this.settings = settings;
        // The consumer calls pansaar_dead_letter and pansaar_forget_consumer, loading the library where it is missing.
        FunctionLibrary library = new FunctionLibrary(redis, vertx, settings.cluster() ? "cluster" : "standalone",
                List.of(seedUri));
        this.consumer = new RedisStreamConsumer(vertx, redis, new PansaarFunctions(new FunctionCalls(redis, library), 100),
                settings);
    }

    /** Settings with short timings and stream names no other test uses. */
    static StreamSettings settings(int partitions, boolean cluster, int maxDeliveries, Duration claimIdle, Duration block) {
        return settings(partitions, cluster, maxDeliveries, claimIdle, block,
                new RetryBackoff(Duration.ofMillis(50), Duration.ofMillis(400)), 64);
    }

    /** The same, with the given retry backoff and bound on entries held at once. */
    static StreamSettings settings(int partitions, boolean cluster, int maxDeliveries, Duration claimIdle, Duration block,
            RetryBackoff backoff, int maxInFlight) {
        return settings(partitions, cluster, maxDeliveries, claimIdle, block, backoff, maxInFlight, Duration.ofHours(1));
    }

    /** The same, with the given max-defer for entries deferred by a {@link DeferredJobException}. */
    static StreamSettings settings(int partitions, boolean cluster, int maxDeliveries, Duration claimIdle, Duration block,
            RetryBackoff backoff, int maxInFlight, Duration maxDefer) {
        String prefix = "test-" + UUID.randomUUID().toString().substring(0, 8);
        return new StreamSettings(StreamNames.prefixed(prefix), partitions, cluster, "worker-" + prefix, maxDeliveries,
                claimIdle, backoff, 8, block, 1000, maxInFlight, maxDefer, 8, 4);
    }

    /** Starts a consumer on the server of a test class's {@link LocalRedisConnection}. */
    static StreamHarness start(LocalRedisConnection connection, StreamSettings settings) {
        return start(connection.vertx(), connection.redis(), connection.server().uri(), settings);
    }

    /** Starts a consumer on {@code redis}, whose address (one node's, on a cluster) is {@code seedUri}. */
    static StreamHarness start(Vertx vertx, Redis redis, String seedUri, StreamSettings settings) {
        StreamHarness harness = new StreamHarness(vertx, redis, seedUri, settings);
        harness.consumer.messages().subscribe().with(harness.received::add, harness.failed::set,
                () -> harness.completed.set(true));
        return harness;
    }

    /**
     * Starts a consumer whose subscriber asks for {@code demand} messages at first and for more only through
     * {@link #request}, as the worker does with its concurrency.
     */
    static StreamHarness startWithDemand(Vertx vertx, Redis redis, String seedUri, StreamSettings settings, long demand) {
        StreamHarness harness = new StreamHarness(vertx, redis, seedUri, settings);
        harness.consumer.messages().subscribe().withSubscriber(new MultiSubscriber<Message<StreamEntry>>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                harness.subscription.set(subscription);
                if (demand > 0) {
                    subscription.request(demand);
                }
            }

            @Override
            public void onItem(Message<StreamEntry> message) {
                harness.received.add(message);
            }

            @Override
            public void onFailure(Throwable failure) {
                harness.failed.set(failure);
            }

            @Override
            public void onCompletion() {
                harness.completed.set(true);
            }
        });
        return harness;
    }

    /** Asks a consumer started with {@link #startWithDemand} for {@code messages} more messages. */
    void request(long messages) {
        subscription.get().request(messages);
    }

    /** The same settings with another warm share. */
    static StreamSettings withWarmShare(StreamSettings settings, int warmShare) {
        return withLaneShares(settings, settings.refreshShare(), warmShare);
    }

    /** The same settings with other shares for the refresh and warm lanes. */
    static StreamSettings withLaneShares(StreamSettings settings, int refreshShare, int warmShare) {
        return new StreamSettings(settings.names(), settings.partitions(), settings.cluster(), settings.consumerName(),
                settings.maxDeliveries(), settings.claimIdle(), settings.backoff(), settings.batchSize(), settings.block(),
                settings.deadLetterMaxLength(), settings.maxInFlight(), settings.maxDefer(), warmShare, refreshShare);
    }

    /** The next message, failing the test when none comes within {@link #WAIT}. */
    Message<StreamEntry> next() {
        try {
            Message<StreamEntry> message = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (message == null) {
                throw new AssertionError("no message within " + WAIT + (failed.get() == null ? "" : "; stream failed: " + failed.get()));
            }
            return message;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Waits until the consumer has created its groups and reads. */
    void awaitRunning() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!consumer.running()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("consumer did not start reading within " + WAIT);
            }
            pause(10);
        }
    }

    String jobs(int partition) {
        return settings.jobs(partition);
    }

    String warm(int partition) {
        return settings.warm(partition);
    }

    String dead(int partition) {
        return settings.deadLetters(partition);
    }

    /** XADD to the partition's job stream with the given field/value pairs; returns the entry id. */
    String add(int partition, String... fieldsAndValues) {
        return addTo(jobs(partition), fieldsAndValues);
    }

    /** XADD to {@code stream} with the given field/value pairs; returns the entry id. */
    String addTo(String stream, String... fieldsAndValues) {
        Request add = Request.cmd(Command.XADD).arg(stream).arg("*");
        for (String part : fieldsAndValues) {
            add.arg(part);
        }
        return call(add).toString();
    }

    Response call(Request request) {
        return redis.send(request).await().atMost(WAIT);
    }

    Response call(String command, Object... arguments) {
        Request request = Request.cmd(Command.create(command));
        for (Object argument : arguments) {
            request.arg(String.valueOf(argument));
        }
        return call(request);
    }

    long length(String stream) {
        return call("XLEN", stream).toLong();
    }

    /** Pending entries of the group on a stream (XPENDING summary count). */
    long pending(String stream) {
        return call("XPENDING", stream, settings.group()).get(0).toLong();
    }

    /** Every entry of a stream, each as its field map. */
    List<Map<String, String>> entries(String stream) {
        List<Map<String, String>> entries = new ArrayList<>();
        for (StreamReplies.RawEntry entry : StreamReplies.entries(call("XRANGE", stream, "-", "+"))) {
            entries.add(new LinkedHashMap<>(entry.fields()));
        }
        return entries;
    }

    /** Polls a condition until it holds, failing the test when it does not within {@link #WAIT}. */
    static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + WAIT);
            }
            pause(20);
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        consumer.stop().await().atMost(WAIT);
    }
}
