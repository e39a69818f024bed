package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.testing.LocalRedisConnection;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.TestImages;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.net.NetClient;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;

/**
 * Pansaar's read connection against a real Redis: every reply shape a read may meet comes back as the Vert.x
 * client's own connection (RESP3, after {@code HELLO}) gives it, errors included, so nothing downstream can tell
 * them apart; and a connection authenticates and selects its database as the client's settings say.
 */
class RespConnectionIT {

    private static final String PASSWORD = "s3cret pass";

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    private static LocalRedisServer passwordServer;
    private static NetClient client;

    @BeforeAll
    static void start() {
        passwordServer = LocalRedisServer.start(List.of("--requirepass", PASSWORD,
                "--user", "reader", "on", ">reader-pass", "~*", "&*", "+@all"));
        client = vertx().createNetClient();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        passwordServer.close();
    }

    @Test
    void everyReplyShapeIsTheOneTheVertxClientGives() throws Exception {
        byte[] body = TestImages.png(20_000);
        List<RespCommand> setUp = List.of(
                RespCommand.cmd("HSET").arg("img").arg("body").arg(body).arg("meta").arg("status=ok\nfresh-until=1"),
                RespCommand.cmd("SET").arg("text").arg("plain"),
                RespCommand.cmd("SET").arg("empty").arg(""),
                RespCommand.cmd("DEL").arg("hits").arg("nothing").arg("no-list"));
        List<RespCommand> commands = List.of(
                RespCommand.cmd("HMGET").arg("img").arg("body").arg("meta"),
                RespCommand.cmd("HMGET").arg("nothing").arg("body").arg("meta"),
                RespCommand.cmd("HINCRBY").arg("hits").arg("some/key.png").arg(1),
                RespCommand.cmd("HGET").arg("img").arg("meta"),
                RespCommand.cmd("HGET").arg("nothing").arg("meta"),
                RespCommand.cmd("GET").arg("empty"),
                RespCommand.cmd("PING"),
                RespCommand.cmd("SET").arg("text").arg("again"),
                RespCommand.cmd("LRANGE").arg("no-list").arg(0).arg(-1),
                RespCommand.cmd("BLPOP").arg("no-list").arg("0.01"),
                // pansaar_get's reply, and nested arrays with nil (Lua false) inside
                RespCommand.cmd("EVAL").arg("return {'HIT', 86400000, 0, '', ''}").arg(0),
                RespCommand.cmd("EVAL").arg("return {1, {2, 'x', {}}, false, 'last'}").arg(0),
                RespCommand.cmd("EVAL").arg("return redis.error_reply('PANSAAR_BAD_ARGUMENT fence')").arg(0),
                RespCommand.cmd("EVAL").arg("return {1, redis.error_reply('ERR inside an array')}").arg(0),
                RespCommand.cmd("EVAL").arg("return redis.error_reply('OOM command not allowed')").arg(0),
                RespCommand.cmd("FCALL").arg("no_such_function").arg(0),
                RespCommand.cmd("HGET").arg("text").arg("meta"));

        RespConnection connection = open(REDIS.server().uri(), Optional.empty());
        try {
            // The same data before each run: the commands change some of it.
            assertTrue(send(connection, setUp).stream().allMatch(PipelinedReply::succeeded));
            List<PipelinedReply> ours = send(connection, commands);
            assertTrue(send(connection, setUp).stream().allMatch(PipelinedReply::succeeded));
            List<PipelinedReply> vertx = sendOnVertxConnection(commands);
            assertEquals(commands.size(), ours.size());
            for (int i = 0; i < commands.size(); i++) {
                assertEquals(shape(vertx.get(i)), shape(ours.get(i)), commands.get(i).toString());
                Optional<Throwable> failure = ours.get(i).failure();
                if (failure.isPresent()) {
                    Throwable theirs = vertx.get(i).failure().orElseThrow();
                    assertEquals(RedisFailures.isPassing(theirs), RedisFailures.isPassing(failure.get()));
                    assertEquals(FunctionLibrary.isFunctionMissing(theirs), FunctionLibrary.isFunctionMissing(failure.get()));
                }
            }
            // The errors are still recognised as what they are.
            assertTrue(FunctionLibrary.isFunctionMissing(ours.get(15).failure().orElseThrow()));
            assertTrue(RedisFailures.isPassing(ours.get(14).failure().orElseThrow()));
        } finally {
            connection.close();
        }
    }

    @Test
    void aPasswordAndDatabaseFromTheUriAreSentBeforeTheFirstRead() throws Exception {
        String uri = "redis://:" + PASSWORD.replace(" ", "%20") + "@127.0.0.1:" + passwordServer.port() + "/3";
        assertEquals("db=3 user=default", clientInfo(open(uri, Optional.empty())));
    }

    @Test
    void aUserAndPasswordFromTheUriAuthenticateAsThatUser() throws Exception {
        String uri = "redis://reader:reader-pass@127.0.0.1:" + passwordServer.port() + "/5";
        assertEquals("db=5 user=reader", clientInfo(open(uri, Optional.empty())));
    }

    @Test
    void quarkusRedisPasswordIsSentWhenTheUriHasNone() throws Exception {
        assertEquals("db=0 user=default", clientInfo(open(passwordServer.uri(), Optional.of(PASSWORD))));
    }

    @Test
    void aWrongPasswordFailsTheConnectionWithRedisError() {
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> open(passwordServer.uri(), Optional.of("wrong")));
        assertTrue(refused.getCause().getMessage().startsWith("WRONGPASS"), refused.getCause().getMessage());
    }

    @Test
    void aLostConnectionFailsTheReadsWaitingOnItAndSendsNothingMore() throws Exception {
        RespConnection connection = open(REDIS.server().uri(), Optional.empty());
        CompletableFuture<Void> closed = new CompletableFuture<>();
        connection.whenClosed(() -> closed.complete(null));
        CompletableFuture<List<PipelinedReply>> blocked = sendAsync(connection,
                List.of(RespCommand.cmd("BLPOP").arg("never-filled").arg(30)));
        // Redis drops every other client, the blocked read's connection among them.
        long killed = REDIS.call(Request.cmd(Command.CLIENT).arg("KILL").arg("TYPE").arg("normal").arg("SKIPME")
                .arg("yes")).toLong();
        assertTrue(killed > 0, "no connection was killed");
        closed.get(10, TimeUnit.SECONDS);
        Throwable failure = blocked.get(10, TimeUnit.SECONDS).get(0).failure().orElseThrow();
        assertTrue(RedisFailures.isPassing(failure), failure.toString());

        ExecutionException notSent = assertThrows(ExecutionException.class,
                () -> send(connection, List.of(RespCommand.cmd("PING"))));
        assertEquals("not sent", notSent.getCause().getMessage());
    }

    @Test
    void aReadBeyondTheWaitingLimitFailsAtOnceWhileRedisStalls() throws Exception {
        try (LocalRedisServer stalling = LocalRedisServer.start()) {
            RedisOptions options = new RedisOptions().setConnectionString(stalling.uri()).setMaxWaitingHandlers(3);
            RespConnection connection = RespConnection.open(client, ReadEndpoint.of(options),
                    (ContextInternal) vertx().getOrCreateContext()).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            stalling.pause();
            try {
                CompletableFuture<List<PipelinedReply>> waiting = sendAsync(connection,
                        List.of(RespCommand.cmd("PING"), RespCommand.cmd("PING")));
                List<PipelinedReply> refused = send(connection, List.of(RespCommand.cmd("PING"), RespCommand.cmd("PING")));
                assertTrue(refused.stream().allMatch(reply -> RedisFailures.isPassing(reply.failure().orElseThrow())),
                        String.valueOf(refused));
                assertFalse(waiting.isDone(), "Redis is stalled: nothing can have answered");
                stalling.resume();
                assertTrue(waiting.get(10, TimeUnit.SECONDS).stream().allMatch(PipelinedReply::succeeded));
            } finally {
                stalling.resume();
                connection.close();
            }
        }
    }

    @Test
    void settingsTheConnectionsCannotHonourLeaveReadsOnThePool() {
        assertTrue(ReadEndpoint.unsupported(new RedisOptions().setConnectionString(REDIS.server().uri())).isEmpty());
        assertFalse(ReadEndpoint.unsupported(new RedisOptions().setConnectionString("rediss://127.0.0.1:6380")).isEmpty());
        RedisOptions tls = new RedisOptions().setConnectionString("redis://127.0.0.1:6380");
        tls.getNetClientOptions().setSsl(true);
        assertFalse(ReadEndpoint.unsupported(tls).isEmpty());
        assertFalse(ReadEndpoint.unsupported(new RedisOptions().setType(RedisClientType.CLUSTER)
                .setConnectionString("redis://127.0.0.1:7000")).isEmpty());
    }

    /** The connection's database and user, as Redis reports them. */
    private static String clientInfo(RespConnection connection) throws Exception {
        try {
            PipelinedReply info = send(connection, List.of(RespCommand.cmd("CLIENT").arg("INFO"))).get(0);
            assertTrue(info.succeeded(), String.valueOf(info.failure()));
            String line = info.response().toString().trim();
            List<String> fields = new ArrayList<>();
            for (String field : line.split(" ")) {
                if (field.startsWith("db=") || field.startsWith("user=")) {
                    fields.add(field);
                }
            }
            return String.join(" ", fields);
        } finally {
            connection.close();
        }
    }

    private static RespConnection open(String uri, Optional<String> quarkusRedisPassword) throws Exception {
        RedisOptions options = new RedisOptions().setConnectionString(uri);
        quarkusRedisPassword.ifPresent(options::setPassword);
        ContextInternal eventLoop = (ContextInternal) vertx().getOrCreateContext();
        return RespConnection.open(client, ReadEndpoint.of(options), eventLoop).toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static List<PipelinedReply> send(RespConnection connection, List<RespCommand> commands) throws Exception {
        return sendAsync(connection, commands).get(10, TimeUnit.SECONDS);
    }

    private static CompletableFuture<List<PipelinedReply>> sendAsync(RespConnection connection,
            List<RespCommand> commands) {
        CompletableFuture<List<PipelinedReply>> answered = new CompletableFuture<>();
        connection.send(commands, new RespConnection.Exchange() {
            @Override
            public void answered(PipelinedReply[] replies) {
                answered.complete(List.of(replies));
            }

            @Override
            public void notSent() {
                answered.completeExceptionally(new IllegalStateException("not sent"));
            }
        });
        return answered;
    }

    /** The replies the Vert.x client gives for the same commands on one connection of its own. */
    private static List<PipelinedReply> sendOnVertxConnection(List<RespCommand> commands) throws Exception {
        RedisConnection connection = REDIS.redis().getDelegate().connect().toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        try {
            List<PipelinedReply> replies = new ArrayList<>();
            for (RespCommand command : commands) {
                CompletableFuture<Response> reply = connection.send(command.toRequest().getDelegate())
                        .toCompletionStage().toCompletableFuture();
                try {
                    Response response = reply.get(10, TimeUnit.SECONDS);
                    replies.add(new PipelinedReply(
                            response == null ? null : io.vertx.mutiny.redis.client.Response.newInstance(response),
                            Optional.empty()));
                } catch (ExecutionException failed) {
                    replies.add(new PipelinedReply(null, Optional.of(failed.getCause())));
                }
            }
            return replies;
        } finally {
            connection.close();
        }
    }

    private static String shape(PipelinedReply reply) {
        if (reply.failure().isPresent()) {
            return "failed: " + reply.failure().get().getMessage();
        }
        return ReplyShapes.describe(reply.response() == null ? null : reply.response().getDelegate());
    }

    private static Vertx vertx() {
        return REDIS.vertx().getDelegate();
    }
}
