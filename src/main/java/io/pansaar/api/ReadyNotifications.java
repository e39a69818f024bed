package io.pansaar.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.logging.LogText;
import io.pansaar.logging.RepeatingFailureLog;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands.ReactiveRedisSubscriber;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Tells readers in this process when an image they wait for has been written. One subscription per
 * process listens on every partition's {@code pansaar:{p}:ready} channel (every write function
 * publishes the image key there) and completes the waiters registered for that key.
 *
 * <p>A reader takes a {@link #mark()} before it reads and registers only when the read missed, with that mark: a
 * write announced between the mark and the registration completes the waiter at once, as it would have, had the
 * reader registered before reading. Registering costs a map update and its undoing, which a hit, the common case,
 * no longer pays.
 */
@Startup
@ApplicationScoped
public class ReadyNotifications {

    private static final Logger LOG = Logger.getLogger(ReadyNotifications.class);
    private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RESUBSCRIBE_BACKOFF = Duration.ofMillis(200);
    private static final Duration RESUBSCRIBE_BACKOFF_MAX = Duration.ofSeconds(10);

    /**
     * Announcements remembered for readers registering after their read; a reader whose read took longer than this
     * many announcements wakes up at once and reads again, which is always safe.
     */
    static final int RECENT_ANNOUNCEMENTS = 1024;

    private final ReactiveRedisDataSource redis;
    /**
     * Subscribing is retried, with a back-off of up to {@link #RESUBSCRIBE_BACKOFF_MAX}, until Redis answers: warned of
     * once a minute, and its end told (see {@link RepeatingFailureLog}).
     */
    private final RepeatingFailureLog subscribeFailures = new RepeatingFailureLog(LOG, "subscribing to the ready channels");
    private final List<String> channels = new ArrayList<>();
    private final Map<String, Set<CompletableFuture<Void>>> waiters = new ConcurrentHashMap<>();
    /** Announcements received since start; the number of the latest, which {@link #mark()} reads. */
    private final AtomicLong notificationsReceived = new AtomicLong();
    /**
     * The keys' hashes of the latest {@link #RECENT_ANNOUNCEMENTS} announcements, the announcement numbered n at n
     * modulo their count: what {@link #register(ImageKey, long)} looks through for announcements since a mark.
     */
    private final AtomicIntegerArray recentKeyHashes = new AtomicIntegerArray(RECENT_ANNOUNCEMENTS);
    private volatile ReactiveRedisSubscriber subscriber;
    /** Whether the subscription is in place: readers waiting for a write are told of it. */
    private volatile boolean listening;
    private volatile boolean stopping;
    /**
     * Whether the application has started; until then an ended subscription is renewed only once it has, as a start
     * that fails (a setting refused) closes the Redis client under the subscription and then stops the application.
     * Guarded by {@code this}, with {@link #endedBeforeStart}.
     */
    private boolean started;
    /** Whether the subscription ended before the application started, and is to be renewed when it does. */
    private boolean endedBeforeStart;

    public ReadyNotifications(ReactiveRedisDataSource redis, Partitioner partitioner) {
        this.redis = redis;
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            channels.add(RedisKeys.readyChannel(partition));
        }
    }

    @PostConstruct
    void subscribeAtStartup() {
        // Readers rely on the subscription: without it the process is unready (ReadyChannelsReadiness).
        try {
            subscriber = subscribe().await().atMost(SUBSCRIBE_TIMEOUT);
            listening = true;
            LOG.debugf("listening for written images on %d ready channels", channels.size());
        } catch (RuntimeException unreachable) {
            // Redis may come up after the worker: the worker starts unready (ReadyChannelsReadiness) and subscribes
            // once it has started, trying until Redis answers.
            LOG.warnf("could not subscribe to the ready channels at start-up (%s); subscribing once started, until "
                    + "Redis answers", unreachable.getMessage());
            if (renewOnceStarted()) {
                resubscribe();
            }
        }
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

    /**
     * Marks the application started, after every other observer of the start-up event (the settings' check among
     * them), and renews a subscription that ended before.
     */
    void started(@Observes @Priority(Integer.MAX_VALUE) StartupEvent event) {
        boolean renew;
        synchronized (this) {
            started = true;
            renew = endedBeforeStart;
            endedBeforeStart = false;
        }
        if (renew && !stopping) {
            // Either the subscription ended while the application started, or it was never made (Redis not answering).
            LOG.warn("the application started without its ready-channel subscription; subscribing now");
            resubscribe();
        }
    }

    /** What to pass {@link #register(ImageKey, long)}; taken before the read that may miss. */
    public long mark() {
        return notificationsReceived.get();
    }

    /**
     * Starts waiting for the next write of {@code key}, which may already have been announced since {@code mark} (taken
     * before the read that missed): then the waiter is ready at once.
     */
    public Waiter register(ImageKey key, long mark) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        waiters.compute(key.value(), (ignored, registered) -> {
            Set<CompletableFuture<Void>> set = registered == null ? ConcurrentHashMap.newKeySet() : registered;
            set.add(ready);
            return set;
        });
        // An announcement removes the key's waiters after it is numbered: one that came before this registration has
        // a number this look sees.
        if (announcedSince(key.value(), mark)) {
            ready.complete(null);
        }
        return new Waiter(key.value(), ready);
    }

    /**
     * Whether {@code key} may have been announced after {@code mark}: true when one of the announcements since has its
     * hash, or when there were too many since to tell.
     */
    private boolean announcedSince(String key, long mark) {
        long latest = notificationsReceived.get();
        if (latest - mark >= RECENT_ANNOUNCEMENTS) {
            return true;
        }
        int hash = key.hashCode();
        for (long number = mark + 1; number <= latest; number++) {
            if (recentKeyHashes.get((int) (number % RECENT_ANNOUNCEMENTS)) == hash) {
                return true;
            }
        }
        // Announcements that came in meanwhile may have overwritten some that were looked at: too many to tell.
        return notificationsReceived.get() - mark >= RECENT_ANNOUNCEMENTS;
    }

    /** Whether the subscription to the ready channels is in place, so that waiting readers are told of writes. */
    public boolean listening() {
        return listening;
    }

    /** Ready announcements received since start, for every key. */
    public long notificationsReceived() {
        return notificationsReceived.get();
    }

    /** Waiters registered and not yet woken or cancelled. */
    public int waiting() {
        return waiters.values().stream().mapToInt(Set::size).sum();
    }

    /**
     * Numbers the announcement and remembers its key's hash, then wakes the key's waiters. Synchronized: announcements
     * come from one subscription at a time, but a renewed one may overlap the ending one for a moment, and the hash
     * must be in place before the number is published. The ready channels' subscriber calls it (tests too).
     */
    synchronized void announced(String key) {
        long number = notificationsReceived.get() + 1;
        recentKeyHashes.set((int) (number % RECENT_ANNOUNCEMENTS), key.hashCode());
        notificationsReceived.set(number);
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
        listening = false;
        if (!stopping && renewOnceStarted()) {
            LOG.warn("the ready-channel subscription ended; subscribing again (waiting readers may time out meanwhile)");
            resubscribe();
        }
    }

    private void subscriptionFailed(Throwable failure) {
        listening = false;
        if (!stopping && renewOnceStarted()) {
            LOG.warnf("the ready-channel subscription failed (%s); subscribing again", failure.getMessage());
            resubscribe();
        }
    }

    /**
     * Whether the application has started, so that an ended subscription is renewed now; otherwise it is renewed when
     * the application starts ({@link #started}), or never, when the start fails and the application stops.
     */
    private synchronized boolean renewOnceStarted() {
        if (!started) {
            endedBeforeStart = true;
            LOG.debug("the ready-channel subscription ended before the application started; renewing it once it has");
        }
        return started;
    }

    private void resubscribe() {
        subscribe().onFailure().invoke(failure -> subscribeFailures.failed("subscribing to the ready channels failed: "
                + LogText.failure(failure)))
                .onFailure(failure -> !stopping).retry().withBackOff(RESUBSCRIBE_BACKOFF, RESUBSCRIBE_BACKOFF_MAX)
                .indefinitely()
                .subscribe().with(renewed -> {
                    subscriber = renewed;
                    listening = true;
                    if (subscribeFailures.failuresInARow() > 0) {
                        subscribeFailures.succeeded();
                    } else {
                        LOG.info("listening on the ready channels again");
                    }
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
