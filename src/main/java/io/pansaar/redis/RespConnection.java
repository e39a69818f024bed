package io.pansaar.redis;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;

/**
 * One connection to Redis that reads are pipelined on: the commands of the reads begun in one turn of the event loop
 * go out in one socket write, and Redis answers them in order, so the replies are matched to the reads waiting for
 * them by position alone. It speaks RESP2 (it sends no {@code HELLO}); for the commands reads send, the replies have
 * the shapes the Vert.x client's RESP3 connections give. Everything it does runs on the event loop it was opened on.
 */
final class RespConnection {

    /** What a read sent on the connection is told. */
    interface Exchange {

        /** Every command's reply, or the failure of that command alone (an error reply, the connection lost). */
        void answered(PipelinedReply[] replies);

        /** The connection had closed before the commands could be written: none of them reached Redis. */
        void notSent();
    }

    private static final Logger LOG = Logger.getLogger(RespConnection.class);

    private final NetSocketInternal socket;
    private final EventLoop eventLoop;
    private final int maxWaitingCommands;
    private final RespReplyParser parser;
    /** The reads written and not yet wholly answered, oldest first. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final Runnable flush = this::flush;
    /** The commands of the reads waiting. */
    private int waitingCommands;
    private Runnable whenClosed = () -> {
    };
    private boolean closed;
    /** Whether a flush of the requests written so far is queued on the event loop. */
    private boolean flushQueued;

    private RespConnection(NetSocketInternal socket, EventLoop eventLoop, int maxWaitingCommands) {
        this.socket = socket;
        this.eventLoop = eventLoop;
        this.maxWaitingCommands = maxWaitingCommands;
        this.parser = new RespReplyParser(this::replied, socket.channelHandlerContext().alloc(), this::replyPooled);
    }

    /**
     * Opens a connection on {@code context}'s event loop and sends the endpoint's set-up commands; fails when the
     * server cannot be reached or refuses any of them (a wrong password, a database that does not exist).
     */
    static Future<RespConnection> open(NetClient client, ReadEndpoint endpoint, ContextInternal context) {
        Promise<RespConnection> opened = context.promise();
        // Connected from within the context, so the socket's handlers run on it.
        context.emit(ignored -> client.connect(endpoint.address())
                .onComplete(connected -> connected(connected, endpoint, context.nettyEventLoop(), opened)));
        return opened.future();
    }

    private static void connected(AsyncResult<NetSocket> connected, ReadEndpoint endpoint, EventLoop eventLoop,
            Promise<RespConnection> opened) {
        if (connected.failed()) {
            opened.fail(connected.cause());
            return;
        }
        RespConnection connection = new RespConnection((NetSocketInternal) connected.result(), eventLoop,
                endpoint.maxWaitingCommands());
        connection.listen();
        if (endpoint.setUp().isEmpty()) {
            opened.complete(connection);
            return;
        }
        connection.send(endpoint.setUp(), new Exchange() {
            @Override
            public void answered(PipelinedReply[] replies) {
                Optional<Throwable> refused = Arrays.stream(replies).flatMap(reply -> reply.failure().stream()).findFirst();
                if (refused.isPresent()) {
                    connection.close();
                    opened.fail(refused.get());
                } else {
                    opened.complete(connection);
                }
            }

            @Override
            public void notSent() {
                opened.fail(new IOException("Redis closed the connection before it was set up"));
            }
        });
    }

    private void listen() {
        socket.messageHandler(this::received);
        socket.closeHandler(ignored -> lost(new IOException("Redis closed the connection")));
        socket.exceptionHandler(this::lost);
    }

    /** Runs {@code action} once the connection has closed, for whatever reason: at once if it already has. */
    void whenClosed(Runnable action) {
        if (!eventLoop.inEventLoop()) {
            eventLoop.execute(() -> whenClosed(action));
        } else if (closed) {
            action.run();
        } else {
            whenClosed = action;
        }
    }

    /**
     * Writes the commands in one go and tells {@code exchange} their replies once all are in; or at once that they
     * were not sent, when the connection has closed, or that each failed, when too many commands already wait for
     * their replies (Redis has stalled).
     */
    void send(List<RespCommand> commands, Exchange exchange) {
        if (!eventLoop.inEventLoop()) {
            eventLoop.execute(() -> send(commands, exchange));
            return;
        }
        if (closed) {
            exchange.notSent();
            return;
        }
        if (waitingCommands + commands.size() > maxWaitingCommands) {
            // The Vert.x client's words, which RedisFailures knows to pass by themselves.
            Waiting refused = new Waiting(commands, exchange);
            refused.failRest(new IllegalStateException("Redis waiting queue is full"));
            refused.answer();
            return;
        }
        int length = 0;
        for (RespCommand command : commands) {
            length += command.encodedLength();
        }
        ByteBuf request = socket.channelHandlerContext().alloc().ioBuffer(length);
        for (RespCommand command : commands) {
            command.encodeInto(request);
        }
        waiting.add(new Waiting(commands, exchange));
        waitingCommands += commands.size();
        // A failed write reaches the exception handler, and the connection is lost: part of a request may be out,
        // so what Redis answers next could no longer be matched to a read.
        ChannelHandlerContext channel = socket.channelHandlerContext();
        channel.write(request, channel.voidPromise());
        if (!flushQueued) {
            flushQueued = true;
            eventLoop.execute(flush);
        }
    }

    /**
     * Sends the requests written since the last flush. Queued behind the event loop's current work, so the reads
     * that the requests of one turn of the loop started (many HTTP requests read at once) share one socket write,
     * and Redis reads them in one go.
     */
    private void flush() {
        flushQueued = false;
        socket.channelHandlerContext().flush();
    }

    /** A socket read: Netty's own buffer, handed over without a copy; the parser releases it. */
    private void received(Object message) {
        if (!(message instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (closed) {
            bytes.release();
            return;
        }
        try {
            parser.parse(bytes);
        } catch (RespReplyParser.MalformedReplyException malformed) {
            lost(malformed);
        }
    }

    /** Whether the reply being read is to a command that asked for pooled buffers. */
    private boolean replyPooled() {
        Waiting oldest = waiting.peek();
        return oldest != null && oldest.nextReplyPooled();
    }

    private void replied(io.vertx.redis.client.Response reply) {
        Waiting oldest = waiting.peek();
        if (oldest == null) {
            PooledReplies.release(reply);
            lost(new IOException("Redis sent a reply no read was waiting for"));
            return;
        }
        PipelinedReply answer = reply instanceof ErrorType error ? new PipelinedReply(null, Optional.of(error))
                : new PipelinedReply(reply == null ? null : Response.newInstance(reply), Optional.empty());
        if (oldest.add(answer)) {
            waiting.poll();
            waitingCommands -= oldest.replies.length;
            oldest.answer();
        }
    }

    /** Closes the connection; every read still waiting fails. */
    void close() {
        lost(new IOException("the read connection was closed"));
    }

    /**
     * The connection is lost: the commands of every read still waiting fail with {@code cause} (those already
     * answered keep their replies), and the socket is closed.
     */
    private void lost(Throwable cause) {
        if (!eventLoop.inEventLoop()) {
            eventLoop.execute(() -> lost(cause));
            return;
        }
        if (closed) {
            return;
        }
        closed = true;
        socket.close();
        parser.discard();
        for (Waiting read = waiting.poll(); read != null; read = waiting.poll()) {
            read.failRest(cause);
            read.answer();
        }
        waitingCommands = 0;
        whenClosed.run();
    }

    /** A read written on the connection: its replies so far. */
    private static final class Waiting {

        final PipelinedReply[] replies;
        final Exchange exchange;
        private final List<RespCommand> commands;
        private int received;

        Waiting(List<RespCommand> commands, Exchange exchange) {
            this.replies = new PipelinedReply[commands.size()];
            this.commands = commands;
            this.exchange = exchange;
        }

        /** Whether the next reply is to a command that asked for pooled buffers. */
        boolean nextReplyPooled() {
            return received < replies.length && commands.get(received).pooledReply;
        }

        /** Records the next command's reply; true when it was the last. */
        boolean add(PipelinedReply reply) {
            replies[received++] = reply;
            return received == replies.length;
        }

        void failRest(Throwable cause) {
            PipelinedReply failed = new PipelinedReply(null, Optional.of(cause));
            Arrays.fill(replies, received, replies.length, failed);
        }

        /**
         * Hands the replies to the read. Whatever its continuation throws stops there: the replies after this one,
         * maybe in the same socket read, belong to other reads.
         */
        void answer() {
            try {
                exchange.answered(replies);
            } catch (RuntimeException failure) {
                LOG.error("handling a read's replies from Redis failed", failure);
            }
        }
    }
}
