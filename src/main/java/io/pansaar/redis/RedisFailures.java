package io.pansaar.redis;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import io.vertx.core.http.ConnectionPoolTooBusyException;

/**
 * Tells the failures of a Redis call that pass by themselves (the server is away, restarting, out of memory, or
 * failing over; the connection broke; the call timed out) from those that say something about the call itself
 * (a bad argument, a script error). A job that fails for a passing reason is tried again without using up one of
 * its deliveries, so an outage of any length dead-letters nothing.
 */
public final class RedisFailures {

    /**
     * Error codes Redis replies with while it cannot serve the call for now: out of memory, loading its data,
     * busy running a script, a primary that is down or was demoted, a cluster that is not ready.
     */
    private static final List<String> PASSING_ERROR_CODES = List.of("OOM", "LOADING", "BUSY", "MASTERDOWN",
            "CLUSTERDOWN", "TRYAGAIN", "READONLY", "NOREPLICAS", "NOSCRIPT");

    /** What the Vert.x client says when a connection broke, or it has no room for one more call. */
    private static final List<String> PASSING_CLIENT_MESSAGES = List.of("CONNECTION_CLOSED", "Connection is closed",
            "Connection closed", "Connection reset", "connection was closed", "waiting queue is full", "Cannot connect",
            "Connection refused");

    /** A batch prefixes each failed reply with its index ("ERR [1] OOM ..."), and Redis some errors with "ERR". */
    private static final Pattern REPLY_PREFIX = Pattern.compile("^(ERR \\[\\d+\\] )?");

    private RedisFailures() {
    }

    /** True when the failure passes by itself: the same call may well succeed later, unchanged. */
    public static boolean isPassing(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof IOException || cause instanceof TimeoutException
                    || cause instanceof io.smallrye.mutiny.TimeoutException
                    || cause instanceof ConnectionPoolTooBusyException) {
                return true;
            }
            if (FunctionLibrary.isFunctionMissing(cause)) {
                // The library is loaded again by whoever calls next.
                return true;
            }
            String message = cause.getMessage();
            if (message != null && (hasPassingCode(message) || PASSING_CLIENT_MESSAGES.stream().anyMatch(message::contains))) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasPassingCode(String message) {
        String reply = REPLY_PREFIX.matcher(message).replaceFirst("");
        for (String code : PASSING_ERROR_CODES) {
            if (reply.startsWith(code + " ") || reply.equals(code)) {
                return true;
            }
        }
        return false;
    }
}
