package io.pansaar.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands.ReactiveRedisSubscriber;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Tells readers in this process when an image they wait for has been written. One subscription per
 * process listens on every partition's {@code pansaar:{p}:ready} channel (every write function
 * publishes the image key there) and completes the waiters registered for that key.
 *
 * <p>Register before reading: a write that lands between the read and the wait then still completes
 * the waiter, because it was already listening.
 */
@Startup
@ApplicationScoped
public class ReadyNotifications {

    private static final Logger LOG = Logger.getLogger(ReadyNotifications.class);
    private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RESUBSCRIBE_BACKOFF = Duration.ofMillis(200);
    private static final Duration RESUBSCRIBE_BACKOFF_MAX = Duration.ofSeconds(10);

    private final ReactiveRedisDataSource redis;
    private final List<String> channels = new ArrayList<>();
    private final Map<String, Set<CompletableFuture<Void>>> waiters = new ConcurrentHashMap<>();
    private final AtomicLong notificationsReceived = new AtomicLong();
    private volatile ReactiveRedisSubscriber subscriber;
    private volatile boolean stopping;

    public ReadyNotifications(ReactiveRedisDataSource redis, Partitioner partitioner) {
        this.redis = redis;
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            channels.add(RedisKeys.readyChannel(partition));
        }
    }

    @PostConstruct
    void subscribeAtStartup() {
        // Readers rely on the subscription, so the process does not start serving without it.
        subscriber = subscribe().await().atMost(SUBSCRIBE_TIMEOUT);
        LOG.debugf("listening for written images on %d ready channels", channels.size());
    }

    /**
     * Unsubscribes on ShutdownEvent, which comes before Quarkus closes the Redis client; at bean
     * destruction the client may already be closed, and the ended subscription would look like a
     * failure to recover from.
     */
    void unsubscribe(@Observes ShutdownEvent event) {
        stopping = true;
        ReactiveRedisSubscriber current = subscriber;
        if (current != null) {
            current.unsubscribe().subscribe().with(
                    done -> LOG.debug("stopped listening on the ready channels"),
                    failure -> LOG.debugf("unsubscribing from the ready channels at shutdown failed: %s",
                            failure.getMessage()));
        }
    }

    /** Starts waiting for the next write of {@code key}; register before the read that may miss. */
    public Waiter register(ImageKey key) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        waiters.compute(key.value(), (ignored, registered) -> {
            Set<CompletableFuture<Void>> set = registered == null ? ConcurrentHashMap.newKeySet() : registered;
            set.add(ready);
            return set;
        });
        return new Waiter(key.value(), ready);
    }

    /** Ready announcements received since start, for every key. */
    public long notificationsReceived() {
        return notificationsReceived.get();
    }

    /** Waiters registered and not yet woken or cancelled. */
    public int waiting() {
        return waiters.values().stream().mapToInt(Set::size).sum();
    }

    private void announced(String key) {
        notificationsReceived.incrementAndGet();
        Set<CompletableFuture<Void>> woken = waiters.remove(key);
        if (woken != null) {
            woken.forEach(ready -> ready.complete(null));
        }
    }

    private Uni<ReactiveRedisSubscriber> subscribe() {
        return redis.pubsub(String.class).subscribe(channels, this::announced, this::subscriptionEnded,
                this::subscriptionFailed);
    }

    private void subscriptionEnded() {
        if (!stopping) {
            LOG.warn("the ready-channel subscription ended; subscribing again (waiting readers may time out meanwhile)");
            resubscribe();
        }
    }

    private void subscriptionFailed(Throwable failure) {
        if (!stopping) {
            LOG.warnf("the ready-channel subscription failed (%s); subscribing again", failure.getMessage());
            resubscribe();
        }
    }

    private void resubscribe() {
        subscribe().onFailure().invoke(failure -> LOG.warnf("subscribing to the ready channels failed: %s",
                failure.getMessage()))
                .onFailure(failure -> !stopping).retry().withBackOff(RESUBSCRIBE_BACKOFF, RESUBSCRIBE_BACKOFF_MAX)
                .indefinitely()
                .subscribe().with(renewed -> {
                    subscriber = renewed;
                    LOG.info("listening on the ready channels again");
                }, failure -> LOG.errorf(failure, "gave up subscribing to the ready channels"));
    }

    /** One reader's wait for one key's next write. */
    public final class Waiter {

        private final String key;
        private final CompletableFuture<Void> ready;

        private Waiter(String key, CompletableFuture<Void> ready) {
            this.key = key;
            this.ready = ready;
        }

        /** Emits true when the key was written, or false when {@code timeout} passed first. */
        public Uni<Boolean> await(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                cancel();
                return Uni.createFrom().item(ready.isDone());
            }
            return Uni.createFrom().completionStage(ready).replaceWith(true)
                    .ifNoItem().after(timeout).recoverWithItem(false)
                    .onTermination().invoke(this::cancel);
        }

        /** Stops waiting; the reader no longer needs the notification. */
        public void cancel() {
            waiters.computeIfPresent(key, (ignored, registered) -> {
                registered.remove(ready);
                return registered.isEmpty() ? null : registered;
            });
        }
    }
}
