package io.pansaar.stream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import io.pansaar.logging.LogText;
import io.pansaar.logging.RepeatingFailureLog;
import io.pansaar.logging.TraceLog;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.PooledBatches;
import io.pansaar.redis.RedisFailures;
import io.pansaar.redis.function.DeadLetterOutcome;
import io.pansaar.stream.StreamReplies.RawEntry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Consumes the job streams of every partition as one member of the consumer group, and hands the
 * entries out as messages whose ack and nack drive the entry's fate in Redis.
 *
 * <ul>
 * <li>Start: the group is created on every stream (from id 0, with MKSTREAM), then reading begins.</li>
 * <li>Read: XREADGROUP on dedicated connections (one for all streams on a single Redis, one per
 * partition on Redis Cluster, where keys of different slots cannot share a command). A read asks
 * only for what downstream requested and what the in-flight bound allows.</li>
 * <li>Lanes: the job streams {@code pansaar:{p}:jobs} come first, the early-refresh streams {@code pansaar:{p}:early-refresh}
 * (the scheduler's early refreshes) second, the warm streams {@code pansaar:{p}:warm} last. A lower lane is read only
 * when the lanes above it have nothing, and its entries wait in this process (held, not counting toward
 * max-in-flight) until the worker asks for more than the lanes above give it. One read in {@code refresh-share}
 * hands out an early refresh first, and one in {@code warm-share} a warm-up, so each lower lane progresses under a
 * steady stream of misses. A miss therefore waits for at most the one job slot it needs to free, whatever the
 * backlog of the lower lanes.</li>
 * <li>Ack: XACK and XDEL in one round trip, so a stream holds only unfinished work; none when the worker's write
 * did both already and said so through the message's {@link InlineAcknowledgement}.</li>
 * <li>Nack: the entry stays pending; after a backoff it is re-taken with XCLAIM and delivered again.
 * A {@link DeferredJobException} parks it instead: it is delivered again after the delay it names, without
 * counting a delivery and without counting toward max-in-flight, and dead-lettered once older than max-defer.
 * After {@code maxDeliveries} deliveries, or at once when the cause is an
 * {@link UnprocessableEntryException}, it moves to the dead-letter stream ({@code pansaar_dead_letter}).</li>
 * <li>Reclaim: every claim-idle/2, XAUTOCLAIM takes entries idle for claim-idle from consumers that
 * died. Entries this process still holds (in flight or waiting for redelivery) are touched every
 * claim-idle/3 (XCLAIM JUSTID, which does not count as a delivery) so that nobody takes them while
 * they are being worked on or waiting out their backoff.</li>
 * <li>Stop: timers are cancelled, the blocking reads end (CLIENT UNBLOCK on a single Redis, within
 * BLOCK on a cluster) and their connections go back to the pool; entries not yet acknowledged stay
 * pending for another consumer to reclaim.</li>
 * </ul>
 */
public final class RedisStreamConsumer {

    private static final Logger LOG = Logger.getLogger(RedisStreamConsumer.class);
    /** The pause after a read fails; it doubles with each failure in a row, up to the next constant. */
    private static final long FIRST_FAILURE_PAUSE_MILLIS = 250;
    private static final long MAX_FAILURE_PAUSE_MILLIS = 5000;
    /** A dead letter's last-error is cut to this many characters (the function cuts it again, to 2 KB). */
    private static final int MAX_LAST_ERROR_CHARS = 1000;
    private static final int RECLAIM_BATCH = 100;
    private static final String CURSOR_START = "0-0";
    private static final long UNBLOCK_RETRY_MILLIS = 100;
    private static final long FORGET_AFTER_CLAIM_IDLES = 10;
    /** Parked entries this consumer holds at most besides max-in-flight, so one origin's outage cannot fill memory. */
    private static final int MAX_PARKED = 1000;
    /** A parked entry waits up to this share longer than asked, so a fleet's waiters do not all return at once. */
    private static final double PARK_JITTER = 0.1;

    private final Vertx vertx;
    private final Redis redis;
    private final PansaarFunctions functions;
    private final StreamSettings settings;
    private final List<Reader> readers = new ArrayList<>();
    /** Start-up tries every few seconds until Redis answers: warned of once a minute (see {@link RepeatingFailureLog}). */
    private final RepeatingFailureLog groupFailures = new RepeatingFailureLog(LOG, "creating the consumer group");
    private final Map<String, Integer> partitionOfStream = new HashMap<>();
    /** The lanes read after the job streams, highest first: early refreshes, then warm-ups. */
    private final List<LowerLane> lowerLanes;
    private final Map<String, LowerLane> laneOfStream = new HashMap<>();

    /**
     * Entries this consumer holds in its pending list: delivered and unsettled, or waiting for redelivery, with how
     * many passing failures (a Redis outage) each has had in a row. They all count toward max-in-flight.
     */
    private final Map<EntryRef, Integer> held = new ConcurrentHashMap<>();
    /** Held entries parked by a {@link DeferredJobException}: they wait without counting toward max-in-flight. */
    private final Set<EntryRef> parked = ConcurrentHashMap.newKeySet();
    /** Entries handed to the worker and not yet settled. */
    private final AtomicInteger processing = new AtomicInteger();
    /** Set when a reclaim round left idle entries behind for want of room; the next release reclaims again. */
    private final AtomicBoolean reclaimBacklog = new AtomicBoolean();
    private final AtomicLong deadLettered = new AtomicLong();
    private final Set<Long> timers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean reclaiming = new AtomicBoolean();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private volatile MultiEmitter<? super Message<StreamEntry>> emitter;
    private volatile boolean started;
    private volatile boolean stopping;

    public RedisStreamConsumer(Vertx vertx, Redis redis, PansaarFunctions functions, StreamSettings settings) {
        this.vertx = vertx;
        this.redis = redis;
        this.functions = functions;
        this.settings = settings;
        this.lowerLanes = List.of(new LowerLane("early refresh", settings.refreshShare(), settings::earlyRefresh),
                new LowerLane("warm-up", settings.warmShare(), settings::warm));
        for (int partition = 0; partition < settings.partitions(); partition++) {
            partitionOfStream.put(settings.jobs(partition), partition);
            for (LowerLane lane : lowerLanes) {
                String stream = lane.stream.apply(partition);
                partitionOfStream.put(stream, partition);
                laneOfStream.put(stream, lane);
            }
        }
        if (settings.cluster()) {
            for (int partition = 0; partition < settings.partitions(); partition++) {
                readers.add(new Reader(List.of(partition)));
            }
        } else {
            readers.add(new Reader(IntStream.range(0, settings.partitions()).boxed().toList()));
        }
    }

    /** The entries as messages; reading starts on subscription. One subscriber only. */
    public Multi<Message<StreamEntry>> messages() {
        return Multi.createFrom().<Message<StreamEntry>> emitter(subscriber -> {
            if (!subscribed.compareAndSet(false, true)) {
                subscriber.fail(new IllegalStateException("the job streams of consumer " + settings.consumerName()
                        + " already have a subscriber"));
                return;
            }
            emitter = subscriber;
            subscriber.onRequest(demand -> wakeReaders());
            subscriber.onTermination(() -> {
                if (!stopping) {
                    LOG.debugf("subscriber of consumer %s went away; stopping", settings.consumerName());
                    stop();
                }
            });
            startWhenGroupsExist();
        }, BackPressureStrategy.BUFFER);
    }

    /** This consumer's name in the group. */
    public String consumerName() {
        return settings.consumerName();
    }

    /** True once the groups exist and reading runs, and while no read keeps failing; false after stop. */
    public boolean running() {
        return started && !stopping && readers.stream().allMatch(reader -> reader.lastFailure.get() == null);
    }

    /** Why reading currently fails, or null when it does not. */
    public Throwable readFailure() {
        return readers.stream().map(reader -> reader.lastFailure.get()).filter(failure -> failure != null)
                .findFirst().orElse(null);
    }

    /** Entries handed to the worker and not yet acknowledged or failed. */
    public int inFlight() {
        return processing.get();
    }

    /** Entries this consumer holds in the group's pending list: in the worker, or waiting to be delivered again. */
    public int held() {
        return held.size();
    }

    /** Held entries waiting out a deferral (their origin is held back); they do not count toward max-in-flight. */
    public int parked() {
        return parked.size();
    }

    /** Entries this consumer has moved to the dead-letter streams since it started. */
    public long deadLettered() {
        return deadLettered.get();
    }

    /**
     * Stops reading: cancels timers, ends the blocking reads, and completes the message stream.
     * Unsettled entries stay pending; later acks still reach Redis while its client is open.
     */
    public Uni<Void> stop() {
        if (!stopping) {
            stopping = true;
            timers.forEach(vertx::cancelTimer);
            timers.clear();
            readers.forEach(Reader::stop);
            CompletableFuture.allOf(readers.stream().map(reader -> reader.finished).toArray(CompletableFuture[]::new))
                    .whenComplete((done, failure) -> {
                        MultiEmitter<? super Message<StreamEntry>> current = emitter;
                        if (current != null && !current.isCancelled()) {
                            current.complete();
                        }
                        LOG.infof("consumer %s stopped reading the job streams; %d entries still pending for reclaim",
                                settings.consumerName(), held.size());
                        stopped.complete(null);
                    });
        }
        return Uni.createFrom().completionStage(stopped);
    }

    // ---------------------------------------------------------------------------------------------
    // Start

    private void startWhenGroupsExist() {
        createGroups().subscribe().with(created -> {
            if (stopping) {
                return;
            }
            started = true;
            groupFailures.succeeded();
            LOG.infof("consumer %s reads %d job streams of group %s", settings.consumerName(), settings.partitions(),
                    settings.group());
            readers.forEach(Reader::poll);
            // A worker that replaces a dead one takes over its jobs at once, not after the first period.
            reclaimAll(true);
            long claimIdle = settings.claimIdle().toMillis();
            every(Math.max(1, claimIdle / 2), () -> reclaimAll(true));
            every(Math.max(1, claimIdle / 3), this::touchHeld);
        }, failure -> {
            groupFailures.failed(String.format("could not create consumer group %s on the job streams (%s); trying again "
                    + "in %d ms", settings.group(), LogText.failure(failure), MAX_FAILURE_PAUSE_MILLIS));
            after(MAX_FAILURE_PAUSE_MILLIS, this::startWhenGroupsExist);
        });
    }

    /** XGROUP CREATE ... 0 MKSTREAM on every job, early-refresh and warm stream; an existing group (BUSYGROUP) is fine. */
    private Uni<Void> createGroups() {
        List<Uni<Void>> creations = new ArrayList<>();
        for (int partition = 0; partition < settings.partitions(); partition++) {
            for (String stream : settings.streams(partition)) {
                creations.add(redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(settings.group())
                        .arg("0").arg("MKSTREAM"))
                        .replaceWithVoid()
                        .onFailure(failure -> failure.getMessage() != null && failure.getMessage().startsWith("BUSYGROUP"))
                        .recoverWithItem((Void) null));
            }
        }
        return Uni.join().all(creations).andFailFast().replaceWithVoid();
    }

    // ---------------------------------------------------------------------------------------------
    // Read

    private enum ReaderState { READING, PARKED, PAUSED, FINISHED }

    /**
     * A lane read after the job streams.
     *
     * <p>{@code waiting}: its entries read and not yet delivered, oldest first. A read over several streams can return
     * more than the worker asked for, and these wait here, held but not counting toward max-in-flight, so that entries
     * of the lanes above read later still go to the worker first.
     */
    private static final class LowerLane {
        final String kind;
        final int share;
        final IntFunction<String> stream;
        final Deque<StreamEntry> waiting = new ConcurrentLinkedDeque<>();

        LowerLane(String kind, int share, IntFunction<String> stream) {
            this.kind = kind;
            this.share = share;
            this.stream = stream;
        }
    }

    /** One polling loop over one or more streams, on its own connection. */
    private final class Reader {
        final List<Integer> partitions;
        final AtomicReference<ReaderState> state = new AtomicReference<>(ReaderState.READING);
        final AtomicReference<Throwable> lastFailure = new AtomicReference<>();
        /** Reads that failed in a row; the pause before the next one grows with them. */
        int failuresInARow;
        /**
         * Per lower lane, reads in a row that delivered entries of the lanes above it and none of its own; at its
         * share - 1, its entries go first.
         */
        final int[] readsSinceTurn = new int[lowerLanes.size()];
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        volatile RedisConnection connection;
        /** The server's id for this reader's connection (single Redis only), for CLIENT UNBLOCK at stop. */
        volatile Long clientId;

        Reader(List<Integer> partitions) {
            this.partitions = partitions;
        }

        /** Issues the next read, or parks when downstream or the in-flight bound allows none. Called in state READING. */
        void poll() {
            if (stopping) {
                finish();
                return;
            }
            int count = readAllowance();
            if (count <= 0) {
                state.set(ReaderState.PARKED);
                // A wake-up may have come between the check and parking; take it back if so.
                if (readAllowance() > 0 && state.compareAndSet(ReaderState.PARKED, ReaderState.READING)) {
                    poll();
                } else if (stopping && state.compareAndSet(ReaderState.PARKED, ReaderState.FINISHED)) {
                    finish();
                }
                return;
            }
            int turn = laneDue();
            connection().chain(open -> readLanes(open, count, turn))
                    .subscribe().with(replies -> onReply(replies, turn), this::onFailure);
        }

        /**
         * The lower lane whose turn it is, or -1: of the lanes whose share is due, the one most overdue, the higher on
         * a tie. A lane due while another takes the turn stays due, so it gets the next read.
         */
        private int laneDue() {
            int due = -1;
            int mostOverdue = -1;
            for (int lane = 0; lane < lowerLanes.size(); lane++) {
                int overdue = readsSinceTurn[lane] - (lowerLanes.get(lane).share - 1);
                if (overdue > mostOverdue) {
                    mostOverdue = overdue;
                    due = lane;
                }
            }
            return due;
        }

        void wake() {
            if (state.compareAndSet(ReaderState.PARKED, ReaderState.READING)) {
                poll();
            }
        }

        void stop() {
            if (state.compareAndSet(ReaderState.PARKED, ReaderState.FINISHED)
                    || state.compareAndSet(ReaderState.PAUSED, ReaderState.FINISHED)) {
                finish();
                return;
            }
            // A read is outstanding. Closing a pooled connection would hand it back to the pool still
            // blocked, so on a single Redis the read is ended with CLIENT UNBLOCK (it then returns as a
            // timeout would); on a cluster, whose keyless commands reach a random node, it ends within BLOCK.
            if (!settings.cluster()) {
                unblockUntilFinished();
            }
        }

        private void unblockUntilFinished() {
            Long blockedClient = clientId;
            if (finished.isDone() || blockedClient == null) {
                return;
            }
            redis.send(Request.cmd(Command.CLIENT).arg("UNBLOCK").arg(blockedClient).arg("TIMEOUT")).subscribe().with(
                    unblocked -> LOG.debugf("ended the blocking read of %s (%s)", settings.consumerName(), unblocked),
                    failure -> LOG.debugf("CLIENT UNBLOCK for %s failed: %s", settings.consumerName(), LogText.failure(failure)));
            // The read may still have been on its way to the server; try again until the loop is done.
            vertx.setTimer(UNBLOCK_RETRY_MILLIS, id -> unblockUntilFinished());
        }

        private int readAllowance() {
            MultiEmitter<? super Message<StreamEntry>> current = emitter;
            if (current == null) {
                return 0;
            }
            long room = Math.min(current.requested(), room());
            if (room <= 0) {
                return 0;
            }
            // COUNT applies per stream and, on a cluster, every partition reads in parallel: share the room out.
            return (int) Math.max(1, Math.min(settings.batchSize(), room / settings.partitions()));
        }

        private Uni<RedisConnection> connection() {
            RedisConnection open = connection;
            if (open != null) {
                return Uni.createFrom().item(open);
            }
            if (settings.cluster()) {
                return redis.connect().invoke(created -> connection = created);
            }
            return redis.connect().chain(created -> created.send(Request.cmd(Command.CLIENT).arg("ID"))
                    .invoke(id -> clientId = id.toLong())
                    .onFailure().call(failure -> created.close())
                    .replaceWith(created))
                    .invoke(created -> connection = created);
        }

        /**
         * The lanes in order, each read without blocking and the next one only when the last found nothing. A lower
         * lane's turn hands out one of its waiting entries, or reads one per stream of that lane, and reads nothing
         * else when it finds one. Otherwise: the job streams, then each lower lane (unless entries of it or of a lane
         * above already wait), and when all are empty, one read that blocks on every stream.
         */
        private Uni<List<Response>> readLanes(RedisConnection open, int count, int turn) {
            List<Response> replies = new ArrayList<>();
            if (turn >= 0 && !lowerLanes.get(turn).waiting.isEmpty()) {
                return Uni.createFrom().item(replies);
            }
            Uni<Boolean> guaranteed = turn >= 0
                    ? open.send(readRequest(streamsOf(lowerLanes.get(turn)), 1, false)).map(lane -> {
                        replies.add(lane);
                        return hasEntries(lane);
                    })
                    : Uni.createFrom().item(false);
            return guaranteed.chain(laneRead -> laneRead ? Uni.createFrom().item(replies)
                    : open.send(readRequest(jobStreamsOf(), count, false)).chain(jobs -> {
                        replies.add(jobs);
                        return hasEntries(jobs) ? Uni.createFrom().item(replies) : readLowerLanes(open, count, 0, replies);
                    }));
        }

        /** Lower lane {@code lane} and those below it, in order; when all are empty, one blocking read on every stream. */
        private Uni<List<Response>> readLowerLanes(RedisConnection open, int count, int lane, List<Response> replies) {
            if (lane == lowerLanes.size()) {
                List<String> every = new ArrayList<>(jobStreamsOf());
                lowerLanes.forEach(lower -> every.addAll(streamsOf(lower)));
                return open.send(readRequest(every, count, true)).map(blocked -> {
                    replies.add(blocked);
                    return replies;
                });
            }
            for (int above = 0; above <= lane; above++) {
                if (!lowerLanes.get(above).waiting.isEmpty()) {
                    // Those go first; reading more of this lane would only make them wait longer.
                    return Uni.createFrom().item(replies);
                }
            }
            return open.send(readRequest(streamsOf(lowerLanes.get(lane)), count, false)).chain(read -> {
                replies.add(read);
                return hasEntries(read) ? Uni.createFrom().item(replies) : readLowerLanes(open, count, lane + 1, replies);
            });
        }

        private List<String> jobStreamsOf() {
            return partitions.stream().map(settings::jobs).toList();
        }

        private List<String> streamsOf(LowerLane lane) {
            return partitions.stream().map(lane.stream::apply).toList();
        }

        /** An XREADGROUP reply with at least one stream: a read that found nothing answers nil. */
        private static boolean hasEntries(Response reply) {
            return reply != null && reply.size() > 0;
        }

        private Request readRequest(List<String> streams, int count, boolean block) {
            Request read = Request.cmd(Command.XREADGROUP).arg("GROUP").arg(settings.group()).arg(settings.consumerName())
                    .arg("COUNT").arg(count);
            if (block) {
                read.arg("BLOCK").arg(settings.block().toMillis());
            }
            read.arg("STREAMS");
            streams.forEach(read::arg);
            streams.forEach(stream -> read.arg(">"));
            return read;
        }

        /**
         * Delivers what the lanes read: on a lower lane's turn one of its waiting entries first, then the job-stream
         * entries, then each lower lane's waiting entries in order, as far as the worker's demand and the in-flight
         * bound allow.
         */
        private void onReply(List<Response> replies, int turn) {
            if (lastFailure.getAndSet(null) != null) {
                LOG.infof("consumer %s reads the job streams again, after %d failed attempts", settings.consumerName(),
                        failuresInARow);
            }
            failuresInARow = 0;
            try {
                List<StreamEntry> jobs = new ArrayList<>();
                for (Response reply : replies) {
                    StreamReplies.readGroup(reply).forEach((stream, entries) -> {
                        Integer partition = partitionOfStream.get(stream);
                        for (RawEntry entry : entries) {
                            StreamEntry read = new StreamEntry(stream, partition, entry.id(), entry.fields(), 1);
                            LowerLane lane = laneOfStream.get(stream);
                            if (lane != null) {
                                waitIn(lane, read);
                            } else {
                                jobs.add(read);
                            }
                        }
                    });
                }
                int[] delivered = new int[lowerLanes.size()];
                if (turn >= 0) {
                    delivered[turn] = deliverWaiting(lowerLanes.get(turn), 1);
                }
                jobs.forEach(RedisStreamConsumer.this::deliver);
                for (int lane = 0; lane < lowerLanes.size(); lane++) {
                    delivered[lane] += deliverWaiting(lowerLanes.get(lane), Integer.MAX_VALUE);
                }
                // A turn that found nothing is spent all the same: the lane's next turn comes share reads later.
                boolean aboveDelivered = !jobs.isEmpty();
                for (int lane = 0; lane < lowerLanes.size(); lane++) {
                    if (lane == turn || delivered[lane] > 0) {
                        readsSinceTurn[lane] = 0;
                    } else if (aboveDelivered) {
                        readsSinceTurn[lane]++;
                    }
                    aboveDelivered |= delivered[lane] > 0;
                }
            } catch (RuntimeException unexpected) {
                // Whatever went wrong, the loop must go on: an entry read but not delivered stays pending for reclaim.
                LOG.errorf(unexpected, "consumer %s could not deliver what it read; reading on", settings.consumerName());
            }
            poll();
        }

        private void onFailure(Throwable failure) {
            if (stopping) {
                LOG.debugf("stream read of %s ended by stop: %s", settings.consumerName(), LogText.failure(failure));
                finish();
                return;
            }
            lastFailure.set(failure);
            if (isNoGroup(failure)) {
                LOG.warnf("job stream or group vanished (%s); consumer %s recreates it", LogText.failure(failure),
                        settings.consumerName());
                createGroups().subscribe().with(created -> poll(), this::pauseThenPoll);
                return;
            }
            pauseThenPoll(failure);
        }

        private void pauseThenPoll(Throwable failure) {
            failuresInARow++;
            long pause = Math.min(MAX_FAILURE_PAUSE_MILLIS, FIRST_FAILURE_PAUSE_MILLIS << Math.min(failuresInARow - 1, 10));
            if (failuresInARow == 1) {
                LOG.warnf("reading the job streams failed for consumer %s (%s); trying again, first in %d ms, then "
                        + "less often, up to every %d ms", settings.consumerName(), LogText.failure(failure), pause,
                        MAX_FAILURE_PAUSE_MILLIS);
            } else {
                LOG.debugf("reading the job streams failed again for consumer %s (%s, %d in a row); next try in %d ms",
                        settings.consumerName(), LogText.failure(failure), failuresInARow, pause);
            }
            RedisConnection broken = connection;
            connection = null;
            clientId = null;
            if (broken != null) {
                broken.close().subscribe().with(closed -> LOG.debug("closed a failed stream read connection"),
                        closeFailure -> LOG.debugf("closing a failed stream read connection failed: %s",
                                closeFailure.getMessage()));
            }
            state.set(ReaderState.PAUSED);
            if (stopping && state.compareAndSet(ReaderState.PAUSED, ReaderState.FINISHED)) {
                finish();
                return;
            }
            after(pause, () -> {
                if (state.compareAndSet(ReaderState.PAUSED, ReaderState.READING)) {
                    poll();
                }
            });
        }

        private void finish() {
            state.set(ReaderState.FINISHED);
            RedisConnection open = connection;
            connection = null;
            clientId = null;
            if (open == null) {
                finished.complete(null);
                return;
            }
            open.close().subscribe().with(closed -> finished.complete(null), failure -> {
                LOG.debugf("closing a stream read connection at stop failed: %s", LogText.failure(failure));
                finished.complete(null);
            });
        }
    }

    private void wakeReaders() {
        if (started) {
            readers.forEach(Reader::wake);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Deliver, ack, nack
    //
    // None of these ever fails the stage it returns to SmallRye: a failed stage would end the subscription,
    // and this consumer with it. A Redis call that fails leaves the entry pending, to be delivered again.

    /** Holds a lower lane's entry, read or reclaimed, until the worker has capacity the lanes above leave. */
    private void waitIn(LowerLane lane, StreamEntry entry) {
        held.putIfAbsent(EntryRef.of(entry), 0);
        lane.waiting.add(entry);
    }

    /**
     * Delivers up to {@code limit} of a lower lane's waiting entries, as far as the worker asks for more and the
     * in-flight bound allows; how many it delivered.
     */
    private int deliverWaiting(LowerLane lane, int limit) {
        int delivered = 0;
        while (delivered < limit && demand() > 0) {
            StreamEntry entry = lane.waiting.poll();
            if (entry == null) {
                break;
            }
            deliver(entry);
            delivered++;
        }
        return delivered;
    }

    /** How many entries may be handed to the worker now: what it asked for, within the in-flight bound. */
    private long demand() {
        MultiEmitter<? super Message<StreamEntry>> current = emitter;
        return current == null ? 0 : Math.min(current.requested(), room());
    }

    private void deliver(StreamEntry entry) {
        held.putIfAbsent(EntryRef.of(entry), 0);
        Optional<String> oversize = EntryLimits.violation(entry.fields());
        if (oversize.isPresent()) {
            // Checked before the worker or any Redis function sees it: an oversize entry is never processed.
            deadLetter(entry, oversize.get()).subscribe().with(settledEntry -> LOG.tracef("oversize entry %s settled",
                    entry.id()));
            return;
        }
        processing.incrementAndGet();
        AtomicBoolean settled = new AtomicBoolean();
        InlineAcknowledgement inline = new InlineAcknowledgement(settings.group());
        Message<StreamEntry> message = Message.of(entry, Metadata.of(entry, inline),
                () -> settled.compareAndSet(false, true) ? acknowledge(entry, inline)
                        : CompletableFuture.completedFuture(null),
                cause -> settled.compareAndSet(false, true) ? fail(entry, cause) : CompletableFuture.completedFuture(null));
        emitter.emit(message);
    }

    /**
     * XACK + XDEL in one round trip, unless the worker's write did both already; when that fails, the entry stays
     * pending and is delivered again after claim-idle.
     */
    private CompletionStage<Void> acknowledge(StreamEntry entry, InlineAcknowledgement inline) {
        processing.decrementAndGet();
        if (inline.isAcknowledged()) {
            release(entry);
            return CompletableFuture.completedFuture(null);
        }
        return PooledBatches.send(redis, List.of(
                Request.cmd(Command.XACK).arg(entry.stream()).arg(settings.group()).arg(entry.id()),
                Request.cmd(Command.XDEL).arg(entry.stream()).arg(entry.id())))
                .replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    TraceLog.logf(LOG, Logger.Level.WARN, entry.traceId(), null,
                            "could not acknowledge job %s (key %s) in %s (%s); it stays pending and is delivered "
                            + "again after %s", entry.id(), keyOf(entry), entry.stream(), LogText.failure(failure),
                            settings.claimIdle());
                    return null;
                })
                .eventually(() -> release(entry))
                .subscribeAsCompletionStage();
    }

    private CompletionStage<Void> fail(StreamEntry entry, Throwable cause) {
        processing.decrementAndGet();
        Throwable reason = unwrap(cause);
        UnprocessableEntryException unprocessable = causeOfType(reason, UnprocessableEntryException.class);
        if (unprocessable != null) {
            return deadLetter(entry, describe(unprocessable)).subscribeAsCompletionStage();
        }
        DeferredJobException deferred = causeOfType(reason, DeferredJobException.class);
        if (deferred != null) {
            return park(entry, deferred);
        }
        ServiceUnavailableException unavailable = causeOfType(reason, ServiceUnavailableException.class);
        if (unavailable != null) {
            retryLater(entry, false, describe(unavailable));
        } else if (entry.deliveryCount() >= settings.maxDeliveries()) {
            return deadLetter(entry, describe(reason)).subscribeAsCompletionStage();
        } else {
            retryLater(entry, true, describe(reason));
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Delivers a failed entry again after a backoff; it stays held (and counts as in flight) while it waits.
     * {@code counted}: the retry uses up a delivery; otherwise (a passing failure of a service) the delivery count
     * stays and the backoff grows with the failures of this kind.
     */
    private void retryLater(StreamEntry entry, boolean counted, String why) {
        long attempt = counted ? entry.deliveryCount() : held.merge(EntryRef.of(entry), 1, Integer::sum);
        long delay = Math.max(1, settings.backoff().delay(attempt, ThreadLocalRandom.current().nextDouble()).toMillis());
        if (counted) {
            TraceLog.logf(LOG, Logger.Level.DEBUG, entry.traceId(), null,
                    "job %s in %s failed on delivery %d (%s); delivering again in %d ms", entry.id(), entry.stream(),
                    entry.deliveryCount(), why, delay);
        } else {
            TraceLog.logf(LOG, Logger.Level.WARN, entry.traceId(), null,
                    "job %s (key %s) in %s could not run (%s); trying again in %d ms, delivery %d of %d still",
                    entry.id(), keyOf(entry), entry.stream(), LogText.escape(why, LogText.MAX_CHARS), delay,
                    entry.deliveryCount(), settings.maxDeliveries());
        }
        after(delay, () -> redeliver(entry, counted));
    }

    /**
     * Parks a deferred entry until its delay is over, then delivers it again without counting a delivery; an entry
     * that has been in the stream longer than max-defer is dead-lettered instead.
     */
    private CompletionStage<Void> park(StreamEntry entry, DeferredJobException deferred) {
        long age = System.currentTimeMillis() - entry.addedAtMillis();
        if (age > settings.maxDefer().toMillis()) {
            return deadLetter(entry, DeferredJobException.DEAD_LETTER_REASON + ": the job has waited "
                    + Duration.ofMillis(age) + " since it entered the stream, longer than pansaar.origin.max-defer ("
                    + settings.maxDefer() + "); last: " + deferred.getMessage()).subscribeAsCompletionStage();
        }
        EntryRef ref = EntryRef.of(entry);
        parked.add(ref);
        long delay = Math.round(deferred.delay().toMillis() * (1 + PARK_JITTER * ThreadLocalRandom.current().nextDouble()));
        TraceLog.logf(LOG, Logger.Level.DEBUG, entry.traceId(), null,
                "job %s (key %s) in %s waits %d ms for its origin: %s", entry.id(), keyOf(entry), entry.stream(),
                delay, LogText.escape(deferred.getMessage(), LogText.MAX_CHARS));
        wakeReaders();
        after(Math.max(1, delay), () -> {
            parked.remove(ref);
            redeliver(entry, false);
        });
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Re-takes a failed entry with XCLAIM and delivers it again, in one round trip with the query of its delivery
     * count. A counted retry is a new delivery; an uncounted one uses XCLAIM JUSTID, which keeps the count.
     */
    private void redeliver(StreamEntry entry, boolean counted) {
        Request claim = Request.cmd(Command.XCLAIM).arg(entry.stream()).arg(settings.group()).arg(settings.consumerName())
                .arg(0).arg(entry.id());
        if (!counted) {
            claim.arg("JUSTID");
        }
        PooledBatches.send(redis, List.of(claim,
                Request.cmd(Command.XPENDING).arg(entry.stream()).arg(settings.group()).arg(entry.id()).arg(entry.id())
                        .arg(1)))
                .subscribe().with(replies -> {
                    if (replies.get(0) == null || replies.get(0).size() == 0) {
                        TraceLog.logf(LOG, Logger.Level.DEBUG, entry.traceId(), null,
                                "job %s in %s is gone before its redelivery", entry.id(), entry.stream());
                        release(entry);
                        return;
                    }
                    long deliveries = StreamReplies.deliveryCount(replies.get(1));
                    deliver(counted ? entry.redelivered(deliveries > 0 ? deliveries : entry.deliveryCount() + 1) : entry);
                }, failure -> {
                    if (RedisFailures.isPassing(failure)) {
                        long attempt = held.merge(EntryRef.of(entry), 1, Integer::sum);
                        long delay = settings.backoff().delay(attempt, ThreadLocalRandom.current().nextDouble()).toMillis();
                        TraceLog.logf(LOG, Logger.Level.WARN, entry.traceId(), null,
                                "could not take job %s in %s back for its next delivery (%s); trying again in %d ms",
                                entry.id(), entry.stream(), LogText.failure(failure), delay);
                        after(Math.max(1, delay), () -> redeliver(entry, counted));
                    } else {
                        TraceLog.logf(LOG, Logger.Level.WARN, entry.traceId(), null,
                                "could not take job %s in %s back for its next delivery (%s); it stays pending and "
                                + "is delivered again after %s", entry.id(), entry.stream(), LogText.failure(failure),
                                settings.claimIdle());
                        release(entry);
                    }
                });
    }

    /**
     * Moves an entry this consumer holds to its partition's dead-letter stream, with why. Never fails: when Redis
     * refuses, the entry stays pending and is delivered (and dead-lettered) again after claim-idle.
     */
    private Uni<Void> deadLetter(StreamEntry entry, String lastError) {
        String reason = lastError.length() > MAX_LAST_ERROR_CHARS ? lastError.substring(0, MAX_LAST_ERROR_CHARS) : lastError;
        int partition = entry.partition();
        return functions.deadLetter(entry.stream(), settings.deadLetters(partition), settings.stats(partition),
                settings.events(partition),
                settings.group(), settings.consumerName(), entry.id(), entry.deliveryCount(), reason,
                settings.deadLetterMaxLength())
                .invoke(outcome -> {
                    if (outcome == DeadLetterOutcome.MOVED) {
                        deadLettered.incrementAndGet();
                        TraceLog.logf(LOG, Logger.Level.WARN, entry.traceId(), null,
                                "job %s (key %s) in %s moved to %s after %d deliveries: %s", entry.id(), keyOf(entry),
                                entry.stream(), settings.deadLetters(partition), entry.deliveryCount(),
                                LogText.escape(reason, MAX_LAST_ERROR_CHARS));
                    } else {
                        TraceLog.logf(LOG, Logger.Level.INFO, entry.traceId(), null,
                                "job %s in %s was not dead-lettered: %s", entry.id(), entry.stream(), outcome);
                    }
                })
                .replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    TraceLog.logf(LOG, Logger.Level.WARN, entry.traceId(), null,
                            "could not move job %s (key %s) in %s to the dead-letter stream (%s); it stays pending "
                            + "and is tried again after %s", entry.id(), keyOf(entry), entry.stream(),
                            LogText.failure(failure), settings.claimIdle());
                    return null;
                })
                .eventually(() -> release(entry));
    }

    /** Forgets an entry this consumer no longer works on, makes room to read, and drains a reclaim backlog. */
    private void release(StreamEntry entry) {
        held.remove(EntryRef.of(entry));
        parked.remove(EntryRef.of(entry));
        wakeReaders();
        if (reclaimBacklog.get() && room() >= Math.max(1, settings.maxInFlight() / 4)) {
            vertx.runOnContext(() -> reclaimAll(false));
        }
    }

    /**
     * How many more entries this consumer may take on: the in-flight bound less what it holds and has neither parked
     * nor left waiting in a lower lane, as long as those stay within their own bound.
     */
    private int room() {
        int held = this.held.size();
        int waiting = this.parked.size() + lowerLanes.stream().mapToInt(lane -> lane.waiting.size()).sum();
        return Math.min(settings.maxInFlight() - (held - waiting), settings.maxInFlight() + MAX_PARKED - held);
    }

    /** The entry's key as a log line may show it: quoted, escaped and cut, since the publisher wrote it. */
    private static String keyOf(StreamEntry entry) {
        return LogText.quote(entry.field("key"));
    }

    // ---------------------------------------------------------------------------------------------
    // Reclaim and keep-alive

    /**
     * XAUTOCLAIM on every partition, one after the other, as far as the in-flight bound allows. Periodic rounds
     * also forget consumers that left; a round run because the last one left entries behind (a dead worker's
     * backlog) only reclaims, and runs as soon as there is room again, so a backlog drains at full speed.
     */
    private void reclaimAll(boolean periodic) {
        if (stopping || !reclaiming.compareAndSet(false, true)) {
            return;
        }
        reclaimBacklog.set(false);
        Uni<Void> chain = Uni.createFrom().voidItem();
        // The job streams first, then the lower lanes in order, so that when room is short it goes to misses.
        for (int lane = 0; lane < settings.streams(0).size(); lane++) {
            for (int partition = 0; partition < settings.partitions(); partition++) {
                int current = partition;
                String stream = settings.streams(partition).get(lane);
                Uni<Void> reclaimed = Uni.createFrom().deferred(() -> reclaim(current, stream, CURSOR_START));
                Uni<Void> step = periodic ? reclaimed.chain(() -> forgetIdleConsumers(stream)) : reclaimed;
                // A round still running when the consumer stops ends there: its client is closing, so the steps left
                // would only fail, and a step that fails meanwhile is the shutdown's doing, not Redis'.
                chain = chain.chain(() -> stopping ? Uni.createFrom().voidItem() : step.onFailure().recoverWithUni(failure -> {
                    LOG.logf(stopping ? Logger.Level.DEBUG : Logger.Level.WARN, "reclaiming idle jobs of %s failed (%s)",
                            stream, LogText.failure(failure));
                    return Uni.createFrom().voidItem();
                }));
            }
        }
        chain.eventually(() -> reclaiming.set(false)).subscribe().with(
                done -> LOG.tracef("reclaim round of %s done", settings.consumerName()),
                failure -> LOG.warnf("reclaim round of %s failed: %s", settings.consumerName(), LogText.failure(failure)));
    }

    private Uni<Void> reclaim(int partition, String stream, String cursor) {
        int room = room();
        if (stopping) {
            return Uni.createFrom().voidItem();
        }
        if (room <= 0) {
            reclaimBacklog.set(true);
            return Uni.createFrom().voidItem();
        }
        int count = Math.min(RECLAIM_BATCH, room);
        Request autoClaim = Request.cmd(Command.XAUTOCLAIM).arg(stream).arg(settings.group())
                .arg(settings.consumerName()).arg(settings.claimIdle().toMillis()).arg(cursor)
                .arg("COUNT").arg(count);
        return redis.send(autoClaim).map(StreamReplies::autoClaim).chain(result -> {
            if (!result.deletedIds().isEmpty()) {
                // Redis 7 already dropped these from the pending list: their data was deleted, nothing to do.
                LOG.debugf("reclaim in %s dropped %d deleted entries from the pending list", stream,
                        result.deletedIds().size());
            }
            if (result.claimed().size() >= count) {
                // A full batch: more may be waiting once the room these take is free again.
                reclaimBacklog.set(true);
            }
            return takeOver(partition, stream, result.claimed()).chain(() -> CURSOR_START.equals(result.nextCursor())
                    ? Uni.createFrom().voidItem()
                    : reclaim(partition, stream, result.nextCursor()));
        });
    }

    /**
     * Deletes consumers of a stream that have been idle for ten claim-idle periods and
     * hold nothing: the names earlier worker processes left behind, which would otherwise pile up
     * with every restart. A live consumer reads every few seconds, so it is never that idle.
     */
    private Uni<Void> forgetIdleConsumers(String stream) {
        long forgetAfterMillis = settings.claimIdle().toMillis() * FORGET_AFTER_CLAIM_IDLES;
        return redis.send(Request.cmd(Command.XINFO).arg("CONSUMERS").arg(stream).arg(settings.group()))
                .chain(reply -> {
                    List<Uni<Void>> forgets = new ArrayList<>();
                    for (Response consumer : reply) {
                        String name = consumer.get("name").toString();
                        boolean idle = consumer.get("idle").toLong() > forgetAfterMillis;
                        if (idle && consumer.get("pending").toLong() == 0 && !name.equals(settings.consumerName())) {
                            forgets.add(forget(stream, name));
                        }
                    }
                    return forgets.isEmpty() ? Uni.createFrom().voidItem()
                            : Uni.join().all(forgets).andFailFast().replaceWithVoid();
                });
    }

    private Uni<Void> forget(String stream, String consumer) {
        return functions.forgetConsumer(stream, settings.group(), consumer).invoke(forgotten -> {
            if (forgotten) {
                LOG.infof("forgot consumer %s of %s: idle and holding no job", consumer, stream);
            }
        }).replaceWithVoid();
    }

    /** Delivers reclaimed entries with their delivery counts; those already delivered maxDeliveries times go to dead letters. */
    private Uni<Void> takeOver(int partition, String stream, List<RawEntry> claimed) {
        if (claimed.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Request> pendingQueries = new ArrayList<>();
        for (RawEntry entry : claimed) {
            pendingQueries.add(Request.cmd(Command.XPENDING).arg(stream).arg(settings.group()).arg(entry.id())
                    .arg(entry.id()).arg(1));
        }
        return PooledBatches.send(redis, pendingQueries).chain(replies -> {
            List<Uni<Void>> deadLetters = new ArrayList<>();
            for (int index = 0; index < claimed.size(); index++) {
                RawEntry raw = claimed.get(index);
                long deliveries = StreamReplies.deliveryCount(replies.get(index));
                StreamEntry entry = new StreamEntry(stream, partition, raw.id(), raw.fields(), Math.max(1, deliveries));
                if (held.containsKey(new EntryRef(stream, raw.id()))) {
                    // Already being worked on here; a late keep-alive let it look idle.
                    continue;
                }
                if (deliveries > settings.maxDeliveries()) {
                    held.putIfAbsent(EntryRef.of(entry), 0);
                    deadLetters.add(deadLetter(entry.redelivered(deliveries - 1), "delivered " + (deliveries - 1)
                            + " times without being acknowledged; its consumers stopped before finishing it")
                            .onFailure().recoverWithNull());
                } else if (laneOfStream.containsKey(stream)) {
                    LOG.infof("reclaimed %s job %s in %s (delivery %d)", laneOfStream.get(stream).kind, raw.id(), stream,
                            deliveries);
                    waitIn(laneOfStream.get(stream), entry);
                } else {
                    LOG.infof("reclaimed job %s in %s (delivery %d)", raw.id(), stream, deliveries);
                    deliver(entry);
                }
            }
            // Reclaimed entries of a lower lane wait for the capacity the lanes above leave; a reader hands them out.
            wakeReaders();
            return deadLetters.isEmpty() ? Uni.createFrom().voidItem()
                    : Uni.join().all(deadLetters).andCollectFailures().replaceWithVoid();
        });
    }

    /** Resets the idle time of entries this consumer holds (XCLAIM JUSTID does not count a delivery). */
    private void touchHeld() {
        Map<String, List<String>> idsByStream = new HashMap<>();
        held.keySet().forEach(ref -> idsByStream.computeIfAbsent(ref.stream(), stream -> new ArrayList<>()).add(ref.id()));
        idsByStream.forEach((stream, ids) -> {
            Request touch = Request.cmd(Command.XCLAIM).arg(stream).arg(settings.group()).arg(settings.consumerName())
                    .arg(0);
            ids.forEach(touch::arg);
            touch.arg("JUSTID");
            redis.send(touch).subscribe().with(
                    touched -> LOG.tracef("kept %d entries of %s", touched.size(), stream),
                    failure -> LOG.logf(RedisFailures.isPassing(failure) ? Logger.Level.DEBUG : Logger.Level.WARN,
                            "could not keep %d held entries of %s (%s); another consumer may take them over",
                            ids.size(), stream, LogText.failure(failure)));
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private void every(long periodMillis, Runnable task) {
        timers.add(vertx.setPeriodic(periodMillis, id -> task.run()));
    }

    private void after(long delayMillis, Runnable task) {
        long[] timerId = new long[1];
        timerId[0] = vertx.setTimer(delayMillis, id -> {
            timers.remove(id);
            if (!stopping) {
                task.run();
            }
        });
        timers.add(timerId[0]);
    }

    private static boolean isNoGroup(Throwable failure) {
        return failure.getMessage() != null && failure.getMessage().startsWith("NOGROUP");
    }

    /** The first failure of {@code type} in a failure's cause chain (the worker may wrap it), or null. */
    private static <T extends Throwable> T causeOfType(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }

    private static Throwable unwrap(Throwable cause) {
        Throwable current = cause;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    /** The reason recorded in last-error: the message, prefixed by the class unless it is our own exception. */
    private static String describe(Throwable reason) {
        if (reason == null) {
            return "failed without a reason";
        }
        String message = reason.getMessage();
        if (reason instanceof UnprocessableEntryException) {
            return "unprocessable: " + message;
        }
        return message == null ? reason.getClass().getName() : reason.getClass().getName() + ": " + message;
    }

    private record EntryRef(String stream, String id) {
        static EntryRef of(StreamEntry entry) {
            return new EntryRef(entry.stream(), entry.id());
        }
    }
}
