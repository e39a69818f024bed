package io.pansaar.redis;

/** A Pansaar Redis Function refused a call with one of the codes of {@link FunctionError}. */
public class FunctionCallException extends RuntimeException {

    private final FunctionError error;

    public FunctionCallException(FunctionError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    /** Which error the function raised. */
    public FunctionError error() {
        return error;
    }
}
