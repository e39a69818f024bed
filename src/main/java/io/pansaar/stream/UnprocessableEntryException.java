package io.pansaar.stream;

/**
 * Thrown by a consumer of job entries when an entry can never succeed (no key, an invalid key, an
 * unknown reason): the connector moves it to the dead-letter stream at once instead of retrying it.
 */
public class UnprocessableEntryException extends RuntimeException {

    public UnprocessableEntryException(String message) {
        super(message);
    }

    public UnprocessableEntryException(String message, Throwable cause) {
        super(message, cause);
    }
}
