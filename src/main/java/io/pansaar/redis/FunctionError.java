package io.pansaar.redis;

import java.util.Optional;

/**
 * The error codes the Pansaar Redis Functions raise, as {@code PANSAAR_<CODE> message} error replies.
 * This enum is the one place they are mapped; the Lua side lists them in {@code shared.lua}.
 */
public enum FunctionError {

    /** An argument was missing or malformed: a bug in the caller, never worth retrying. */
    BAD_ARGUMENT,

    /** {@code pansaar_put} found no staging hash: it expired before the call, or was never written. */
    STAGING_MISSING,

    /** A scheduler duty was called by a worker that no longer holds the partition's lease: it lapsed. */
    NOT_LEASE_HOLDER;

    private static final String PREFIX = "PANSAAR_";

    /** The code an error reply carries, or empty when the failure is not one of ours. */
    public static Optional<FunctionError> of(Throwable failure) {
        String message = failure.getMessage();
        // A reply inside a pipeline comes back prefixed ("ERR [1] PANSAAR_..."), so the code may not lead.
        int start = message == null ? -1 : message.indexOf(PREFIX);
        if (start < 0 || (start > 0 && message.charAt(start - 1) != ' ')) {
            return Optional.empty();
        }
        int end = message.indexOf(' ', start);
        String code = message.substring(start + PREFIX.length(), end < 0 ? message.length() : end);
        for (FunctionError error : values()) {
            if (error.name().equals(code)) {
                return Optional.of(error);
            }
        }
        return Optional.empty();
    }

    /** The failure as a {@link FunctionCallException} when it carries one of our codes, else unchanged. */
    public static Throwable translate(Throwable failure) {
        return of(failure).<Throwable>map(error -> new FunctionCallException(error, failure.getMessage(), failure))
                .orElse(failure);
    }
}
