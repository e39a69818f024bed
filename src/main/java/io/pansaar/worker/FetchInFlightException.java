package io.pansaar.worker;

/**
 * A manual job found another worker fetching its key. It is redelivered after the backoff, when the
 * claim can tell whether the fetch that was in flight answers the request.
 */
public class FetchInFlightException extends RuntimeException {

    public FetchInFlightException(RegenerationJob job) {
        super(job.key() + " was being fetched by another worker when " + job.describe()
                + " arrived; it is asked again once that fetch is written");
    }
}
