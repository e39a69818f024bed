package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.SocketException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.redis.client.impl.types.ErrorType;

class RedisFailuresTest {

    @Test
    void anUnreachableOrBrokenConnectionPasses() {
        assertTrue(RedisFailures.isPassing(new ConnectException("Connection refused")));
        assertTrue(RedisFailures.isPassing(new CompletionException(new SocketException("Connection reset"))));
        assertTrue(RedisFailures.isPassing(new IllegalStateException("Connection is closed")));
        assertTrue(RedisFailures.isPassing(ErrorType.create("ERR [0] CONNECTION_CLOSED\nERR [1] CONNECTION_CLOSED")));
        assertTrue(RedisFailures.isPassing(new ConnectionPoolTooBusyException("Connection pool reached max wait queue size of 256")));
        assertTrue(RedisFailures.isPassing(new io.smallrye.mutiny.TimeoutException()));
    }

    @Test
    void redisStatesThatPassAreRecognisedAlsoInsideABatch() {
        assertTrue(RedisFailures.isPassing(ErrorType.create("OOM command not allowed when used memory > 'maxmemory'.")));
        assertTrue(RedisFailures.isPassing(ErrorType.create("ERR [1] OOM command not allowed when used memory > 'maxmemory'.")));
        assertTrue(RedisFailures.isPassing(ErrorType.create("LOADING Redis is loading the dataset in memory")));
        assertTrue(RedisFailures.isPassing(ErrorType.create("READONLY You can't write against a read only replica.")));
        assertTrue(RedisFailures.isPassing(ErrorType.create("ERR Function not found")));
    }

    @Test
    void errorsAboutTheCallItselfDoNotPass() {
        assertFalse(RedisFailures.isPassing(ErrorType.create("ERR wrong number of arguments for 'hset' command")));
        assertFalse(RedisFailures.isPassing(ErrorType.create("PANSAAR_BAD_ARGUMENT fence must be an integer")));
        assertFalse(RedisFailures.isPassing(ErrorType.create("WRONGTYPE Operation against a key holding the wrong kind of value")));
        assertFalse(RedisFailures.isPassing(ErrorType.create("ERR [0] BUSYGROUP Consumer Group name already exists")));
        assertFalse(RedisFailures.isPassing(new IllegalStateException("pansaar_put replied with unknown status 'X'")));
    }
}
