package io.pansaar.redis;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import io.pansaar.config.PansaarConfig;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisConnection;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Long-lived Redis connections that reads are pipelined on: one per event loop, opened on that loop by its first
 * read, so a read's commands, their replies and the HTTP answer stay on one thread, and no read checks a connection
 * out of the pool and back. Redis answers the commands of one connection in order, so any number of reads share it.
 *
 * <p>A connection that ends (Redis closed it: {@code CLIENT KILL}, a restart, {@code timeout}) or fails is
 * forgotten at once, and the next read on that loop opens another; a read whose commands were refused because the
 * connection had already closed, so none of them reached Redis, is sent again once on the new connection. Each
 * read still fails on its own after its timeout, scheduled on the event loop rather than on a shared timer thread.
 *
 * <p>Only with a single Redis server ({@code quarkus.redis.client-type=standalone}) and
 * {@code pansaar.read-through.pipelined} on (the default): a cluster connection spans
 * every primary and follows slot moves and failovers itself, which pooled connections already handle, so cluster
 * reads keep taking one from the pool.
 */
@ApplicationScoped
public class ReadConnections {

    private static final Logger LOG = Logger.getLogger(ReadConnections.class);
    /** What the client answers for a command sent on a connection it already knows to be closed: never written. */
    private static final String NEVER_SENT = "Connection is closed";

    private final io.vertx.redis.client.Redis redis;
    private final Vertx vertx;
    private final boolean pipelines;
    /** The connection of each event loop, kept by the loop's thread. */
    private final FastThreadLocal<Slot> eventLoopSlots = new FastThreadLocal<>() {
        @Override
        protected Slot initialValue() {
            return new Slot();
        }
    };
    /** The connection of reads sent from outside any event loop (blocking callers). */
    private final Slot sharedSlot = new Slot();

    public ReadConnections(Redis redis, Vertx vertx, PansaarConfig config,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this.redis = redis.getDelegate();
        this.vertx = vertx;
        this.pipelines = config.readThrough().pipelined() && "standalone".equalsIgnoreCase(clientType);
    }

    /** Whether reads are pipelined here; false when they take pooled connections (Redis Cluster, Sentinel...). */
    public boolean pipelines() {
        return pipelines;
    }

    /**
     * Sends the requests pipelined on this event loop's connection and emits each one's reply, or fails when a
     * connection cannot be had, or not every reply is in, within {@code timeout}.
     */
    void send(List<Request> requests, Duration timeout, UniEmitter<? super List<PipelinedReply>> emitter) {
        Slot slot = Context.isOnEventLoopThread() ? eventLoopSlots.get() : sharedSlot;
        PipelinedRead read = new PipelinedRead(slot, requests, emitter);
        read.start(timerLoop(), timeout);
    }

    /** The event loop a read's timeout is scheduled on: the caller's, so no other thread is involved. */
    private EventExecutor timerLoop() {
        Context context = Vertx.currentContext();
        return context instanceof ContextInternal internal ? internal.nettyEventLoop() : vertx.nettyEventLoopGroup().next();
    }

    /** One event loop's connection: open, being opened, failed to open, or none yet. */
    private final class Slot {

        private final AtomicReference<Future<RedisConnection>> connection = new AtomicReference<>();

        /** The open connection, or the one being opened; opens one when there is none or the last attempt failed. */
        Future<RedisConnection> connection() {
            while (true) {
                Future<RedisConnection> current = connection.get();
                if (current != null && !current.failed()) {
                    return current;
                }
                Promise<RedisConnection> opening = Promise.promise();
                if (connection.compareAndSet(current, opening.future())) {
                    open(opening);
                    return opening.future();
                }
            }
        }

        private void open(Promise<RedisConnection> opening) {
            Future<RedisConnection> mine = opening.future();
            redis.connect().onComplete(connected -> {
                if (connected.failed()) {
                    // Left in place as failed: the next read opens another, as a pooled read would.
                    opening.fail(connected.cause());
                    return;
                }
                RedisConnection opened = connected.result();
                opened.endHandler(ended -> forget(mine, "Redis closed it"))
                        .exceptionHandler(failure -> forget(mine, failure.toString()));
                opening.complete(opened);
            });
        }

        /** Drops {@code which} if it is still this slot's connection, and hands it back to the pool, which evicts it. */
        void forget(Future<RedisConnection> which, String why) {
            if (connection.compareAndSet(which, null)) {
                LOG.debugf("a read connection to Redis ended (%s); the next read opens another", why);
                if (which.succeeded()) {
                    which.result().close();
                }
            }
        }
    }

    /** One read: its commands, their replies as they come, and its timeout. */
    private static final class PipelinedRead implements Runnable {

        private final Slot slot;
        private final List<Request> requests;
        private final UniEmitter<? super List<PipelinedReply>> emitter;
        private final PipelinedReply[] replies;
        private int waitingFor;
        private boolean sentAgain;
        private boolean finished;
        private ScheduledFuture<?> timeout;
        private Duration timeoutDuration;

        PipelinedRead(Slot slot, List<Request> requests, UniEmitter<? super List<PipelinedReply>> emitter) {
            this.slot = slot;
            this.requests = requests;
            this.emitter = emitter;
            this.replies = new PipelinedReply[requests.size()];
        }

        void start(EventExecutor timerLoop, Duration timeout) {
            this.timeoutDuration = timeout;
            ScheduledFuture<?> scheduled = timerLoop.schedule(this, timeout.toNanos(), TimeUnit.NANOSECONDS);
            synchronized (this) {
                this.timeout = scheduled;
            }
            send();
        }

        private void send() {
            Future<RedisConnection> connection = slot.connection();
            if (connection.succeeded()) {
                sendOn(connection, connection.result());
            } else {
                connection.onComplete(opened -> connected(connection, opened));
            }
        }

        private void connected(Future<RedisConnection> connection, AsyncResult<RedisConnection> opened) {
            if (opened.failed()) {
                fail(opened.cause());
            } else {
                sendOn(connection, opened.result());
            }
        }

        private void sendOn(Future<RedisConnection> connection, RedisConnection opened) {
            synchronized (this) {
                if (finished) {
                    return;
                }
                waitingFor = requests.size();
            }
            for (int index = 0; index < requests.size(); index++) {
                int position = index;
                opened.send(requests.get(index).getDelegate()).onComplete(reply -> replied(connection, position, reply));
            }
        }

        private void replied(Future<RedisConnection> connection, int position, AsyncResult<io.vertx.redis.client.Response> reply) {
            boolean sendAgain;
            synchronized (this) {
                if (finished) {
                    return;
                }
                replies[position] = reply.succeeded()
                        ? new PipelinedReply(reply.result() == null ? null : Response.newInstance(reply.result()), Optional.empty())
                        : new PipelinedReply(null, Optional.of(reply.cause()));
                if (--waitingFor > 0) {
                    return;
                }
                // The connection had closed before any command was written: nothing ran, so sending again is safe.
                sendAgain = !sentAgain && noneSent();
                if (sendAgain) {
                    sentAgain = true;
                    Arrays.fill(replies, null);
                } else {
                    finished = true;
                }
            }
            if (sendAgain) {
                slot.forget(connection, "it had closed before a read was sent");
                send();
                return;
            }
            timeout.cancel(false);
            emitter.complete(List.of(replies));
        }

        /** True when every command failed because the connection was already closed when it was to be written. */
        private boolean noneSent() {
            for (PipelinedReply reply : replies) {
                if (reply.failure().isEmpty() || !NEVER_SENT.equals(reply.failure().get().getMessage())) {
                    return false;
                }
            }
            return true;
        }

        /** The timeout: Redis did not answer every command in time. */
        @Override
        public void run() {
            fail(new TimeoutException("Redis did not answer within " + timeoutDuration));
        }

        private void fail(Throwable failure) {
            ScheduledFuture<?> scheduled;
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
                scheduled = timeout;
            }
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            emitter.fail(failure);
        }
    }
}
