package io.pansaar.stream;

/**
 * Thrown by a consumer of job entries when the job could not run because a service it needs (Redis) is away for
 * now, not because of the job: the connector tries the entry again with backoff, for as long as it takes, without
 * counting a delivery, so an outage never sends a job to the dead-letter stream.
 */
public class ServiceUnavailableException extends RuntimeException {

    public ServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
