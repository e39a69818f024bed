package io.pansaar.redis;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.jboss.logging.Logger;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import io.pansaar.config.PansaarConfig;
import io.quarkus.runtime.Startup;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.redis.client.RedisOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Long-lived Redis connections that reads are pipelined on: one per event loop, opened on that loop by its first
 * read, so a read's commands, their replies and the HTTP answer stay on one thread, and no read checks a connection
 * out of the pool and back. Redis answers the commands of one connection in order, so any number of reads share it.
 *
 * <p>They are Pansaar's own connections ({@link RespConnection}), not the Vert.x client's: they hand on the
 * socket's buffers without copying them and copy each bulk string once, into the array its reply keeps, where the
 * client copies every reply byte three times. They connect as the Quarkus client does ({@link ReadEndpoint}: the
 * server of {@code quarkus.redis.hosts}, its password and database), and their replies are the client's
 * {@code Response} types, so what reads them does not know the difference.
 *
 * <p>A connection that ends (Redis closed it: {@code CLIENT KILL}, a restart, {@code timeout}) or fails is
 * forgotten at once, and the next read on that loop opens another; a read whose commands were not written because
 * the connection had already closed, so none of them reached Redis, is sent again once on the new connection. Each
 * read still fails on its own after its timeout, watched on its event loop ({@link ReadDeadlines}: one timer for
 * all of that loop's reads) rather than on a shared timer thread.
 *
 * <p>Only with a single Redis server ({@code quarkus.redis.client-type=standalone}) reached over plain TCP, and
 * {@code pansaar.read-through.pipelined} on (the default): a cluster connection spans every primary and follows
 * slot moves and failovers itself, which pooled connections already handle, so cluster reads keep taking one from
 * the pool, and so do reads over TLS. Start-up logs which it is, and why.
 */
@Startup
@ApplicationScoped
public class ReadConnections {

    private static final Logger LOG = Logger.getLogger(ReadConnections.class);

    private final VertxInternal vertx;
    /** Where the connections connect; empty when every read takes a pooled connection. */
    private final Optional<ReadEndpoint> endpoint;
    private final Optional<NetClient> client;
    /** The connection of each event loop, kept by the loop's thread. */
    private final FastThreadLocal<Slot> eventLoopSlots = new FastThreadLocal<>() {
        @Override
        protected Slot initialValue() {
            return new Slot();
        }
    };
    /** The connection of reads sent from outside any event loop (blocking callers). */
    private final Slot sharedSlot = new Slot();

    @Inject
    public ReadConnections(Vertx vertx, PansaarConfig config, QuarkusRedisOptions clientOptions) {
        this.vertx = (VertxInternal) vertx;
        this.endpoint = endpoint(config.readThrough().pipelined(), clientOptions.defaultClient());
        this.client = endpoint.map(server -> vertx.createNetClient(server.tcp()));
    }

    private ReadConnections(VertxInternal vertx, Optional<ReadEndpoint> endpoint, Optional<NetClient> client) {
        this.vertx = vertx;
        this.endpoint = endpoint;
        this.client = client;
    }

    /**
     * Connections of their own, one per event loop as well, to the same server through the same client, and closed
     * with these: for traffic that should not wait behind the reads on theirs, nor make them wait (a job's write
     * carries a whole image).
     */
    public ReadConnections companion() {
        return new ReadConnections(vertx, endpoint, client);
    }

    private static Optional<ReadEndpoint> endpoint(boolean pipelined, Optional<RedisOptions> options) {
        if (!pipelined) {
            LOG.info("Each read takes a pooled Redis connection: pansaar.read-through.pipelined is off");
            return Optional.empty();
        }
        if (options.isEmpty()) {
            LOG.warn("Each read takes a pooled Redis connection: Quarkus built no default Redis client to take "
                    + "the read connections' settings from");
            return Optional.empty();
        }
        Optional<String> unsupported = ReadEndpoint.unsupported(options.get());
        if (unsupported.isPresent()) {
            LOG.infof("Each read takes a pooled Redis connection: %s", unsupported.get());
            return Optional.empty();
        }
        ReadEndpoint server = ReadEndpoint.of(options.get());
        LOG.infof("Reads are pipelined on one Redis connection per event loop, to %s", server.description());
        return Optional.of(server);
    }

    /** Whether reads are pipelined here; false when they take pooled connections (Redis Cluster, TLS...). */
    public boolean pipelines() {
        return endpoint.isPresent();
    }

    @PreDestroy
    void close() {
        client.ifPresent(NetClient::close);
    }

    /**
     * Sends the commands pipelined on this event loop's connection and hands {@code done} each one's reply, or a
     * failure when a connection cannot be had, or not every reply is in, within {@code timeout}. {@code done} runs on
     * the caller's context, as a plain callback: no Mutiny operator captures and restores the caller's context.
     */
    void send(List<RespCommand> commands, Duration timeout, Handler<AsyncResult<List<PipelinedReply>>> done) {
        ContextInternal caller = ContextInternal.current();
        // On an event loop thread whose context is that loop's own: the slot and its deadlines are then touched by
        // this one thread. A context of another loop seen here (it should not happen) takes the shared slot instead.
        boolean onEventLoop = caller != null && caller.nettyEventLoop().inEventLoop();
        EventExecutor timerLoop = caller == null ? vertx.nettyEventLoopGroup().next() : caller.nettyEventLoop();
        Slot slot = onEventLoop ? eventLoopSlots.get() : sharedSlot;
        PipelinedRead read = new PipelinedRead(slot, onEventLoop ? caller.unwrap() : null,
                onEventLoop ? slot.deadlines(timerLoop) : null, commands, caller, done);
        read.start(timerLoop, timeout);
    }

    /** One event loop's connection: open, being opened, failed to open, or none yet. */
    private final class Slot {

        private final AtomicReference<Future<RespConnection>> connection = new AtomicReference<>();
        /** The timeouts of an event loop's reads; created by its first read. */
        private ReadDeadlines deadlines;

        /** The timeouts of the reads of this slot's event loop, {@code eventLoop}. */
        ReadDeadlines deadlines(EventExecutor eventLoop) {
            if (deadlines == null) {
                deadlines = new ReadDeadlines(eventLoop);
            }
            return deadlines;
        }

        /**
         * The open connection, or the one being opened; opens one when there is none or the last attempt failed, on
         * {@code eventLoop}, or on any event loop when null.
         */
        Future<RespConnection> connection(ContextInternal eventLoop) {
            while (true) {
                Future<RespConnection> current = connection.get();
                if (current != null && !current.failed()) {
                    return current;
                }
                Promise<RespConnection> opening = Promise.promise();
                if (connection.compareAndSet(current, opening.future())) {
                    open(opening, eventLoop == null ? vertx.createEventLoopContext() : eventLoop);
                    return opening.future();
                }
            }
        }

        private void open(Promise<RespConnection> opening, ContextInternal eventLoop) {
            Future<RespConnection> mine = opening.future();
            // A failed attempt is left in place: the next read opens another, as a pooled read would.
            RespConnection.open(client.orElseThrow(), endpoint.orElseThrow(), eventLoop).onComplete(opened -> {
                if (opened.succeeded()) {
                    opened.result().whenClosed(() -> forget(mine));
                }
                opening.handle(opened);
            });
        }

        /** Drops {@code which} if it is still this slot's connection. */
        private void forget(Future<RespConnection> which) {
            if (connection.compareAndSet(which, null)) {
                LOG.debug("a read connection to Redis ended; the next read opens another");
            }
        }
    }

    /** One read: its commands, their replies once all are in, and its timeout. */
    private static final class PipelinedRead implements RespConnection.Exchange, ReadDeadlines.Watched {

        private final Slot slot;
        /** The event loop a connection is opened on, when this read needs one; null: any. */
        private final ContextInternal eventLoop;
        /** The timeouts of the event loop's reads; null for a read from outside any event loop. */
        private final ReadDeadlines deadlines;
        private final List<RespCommand> commands;
        /** The context the read was sent from, which its result is emitted on; null when none. */
        private final ContextInternal caller;
        private final Handler<AsyncResult<List<PipelinedReply>>> done;
        private boolean sentAgain;
        private boolean finished;
        /** The read's own timer, when its deadline is not watched with its event loop's others. */
        private ScheduledFuture<?> timer;
        private Duration timeout;
        private long deadlineNanos;

        PipelinedRead(Slot slot, ContextInternal eventLoop, ReadDeadlines deadlines, List<RespCommand> commands,
                ContextInternal caller, Handler<AsyncResult<List<PipelinedReply>>> done) {
            this.slot = slot;
            this.eventLoop = eventLoop;
            this.deadlines = deadlines;
            this.commands = commands;
            this.caller = caller;
            this.done = done;
        }

        void start(EventExecutor timerLoop, Duration timeout) {
            this.timeout = timeout;
            this.deadlineNanos = System.nanoTime() + timeout.toNanos();
            if (deadlines == null || !deadlines.watch(this)) {
                ScheduledFuture<?> scheduled = timerLoop.schedule(this::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
                synchronized (this) {
                    this.timer = scheduled;
                }
            }
            send();
        }

        private void send() {
            Future<RespConnection> connection = slot.connection(eventLoop);
            if (connection.succeeded()) {
                sendOn(connection.result());
            } else {
                connection.onComplete(this::connected);
            }
        }

        private void connected(AsyncResult<RespConnection> opened) {
            if (opened.failed()) {
                fail(opened.cause());
            } else {
                sendOn(opened.result());
            }
        }

        private void sendOn(RespConnection connection) {
            synchronized (this) {
                if (finished) {
                    return;
                }
            }
            connection.send(commands, this);
        }

        @Override
        public void answered(PipelinedReply[] replies) {
            if (!finish()) {
                // Timed out: the read has failed, and nobody else will release what the replies hold.
                for (PipelinedReply reply : replies) {
                    PooledReplies.release(reply.response());
                }
                return;
            }
            settle(Future.succeededFuture(List.of(replies)));
        }

        @Override
        public void notSent() {
            boolean sendAgain;
            synchronized (this) {
                sendAgain = !sentAgain;
                sentAgain = true;
            }
            if (!sendAgain) {
                fail(new IOException("the read connections to Redis closed twice before a read could be sent"));
                return;
            }
            // Nothing ran, so sending again is safe. The closed connection has already left its slot.
            send();
        }

        @Override
        public long deadlineNanos() {
            return deadlineNanos;
        }

        @Override
        public synchronized boolean settled() {
            return finished;
        }

        /** The timeout: Redis did not answer every command in time. */
        @Override
        public void expire() {
            fail(new TimeoutException("Redis did not answer within " + timeout));
        }

        private void fail(Throwable failure) {
            if (!finish()) {
                return;
            }
            settle(Future.failedFuture(failure));
        }

        private void settle(AsyncResult<List<PipelinedReply>> result) {
            if (caller == null) {
                done.handle(result);
            } else {
                caller.emit(result, done);
            }
        }

        /** Marks the read finished and stops watching its deadline; false when it had already finished. */
        private boolean finish() {
            ScheduledFuture<?> ownTimer;
            synchronized (this) {
                if (finished) {
                    return false;
                }
                finished = true;
                ownTimer = timer;
            }
            if (ownTimer != null) {
                ownTimer.cancel(false);
            } else if (deadlines != null) {
                deadlines.settled();
            }
            return true;
        }
    }
}
