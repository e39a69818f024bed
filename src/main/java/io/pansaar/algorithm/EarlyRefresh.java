package io.pansaar.algorithm;

/**
 * When a hot image is refreshed before it goes stale, so that readers of a popular image never see it expire.
 * XFetch (<a href="https://doi.org/10.14778/2757807.2757813">Vattani et al., VLDB 2015</a>) refreshes when
 * {@code now - delta·beta·ln(u) >= expiry} for a uniform u in (0, 1] and a recompute time delta: the refresh
 * comes earlier for slow fetches and is spread at random, so images written together do not all fall due
 * together. Pansaar draws u once per write and files the image under its due time
 * {@code fresh-until - lead - delta·beta·(-ln u)}, never earlier than halfway through its TTL; the scheduler
 * takes due images in order and refreshes only those worth it: expected to be requested at least
 * {@code minimumExpectedRequests} times during one more TTL. An image nobody reads is left to expire.
 *
 * @param beta XFetch's beta: above 1 refreshes earlier, below 1 later
 * @param leadMillis time the refresh needs besides the fetch itself: the scheduler's interval and the queue's wait
 * @param minimumExpectedRequests the requests over the next TTL that make a refresh worth one origin fetch
 */
public record EarlyRefresh(double beta, long leadMillis, double minimumExpectedRequests) {

    /** Checks that every parameter is non-negative and finite. */
    public EarlyRefresh {
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("beta must be a non-negative number, got " + beta);
        }
        if (leadMillis < 0) {
            throw new IllegalArgumentException("lead must not be negative, got " + leadMillis);
        }
        if (!(minimumExpectedRequests >= 0) || Double.isInfinite(minimumExpectedRequests)) {
            throw new IllegalArgumentException("minimum expected requests must be a non-negative number, got "
                    + minimumExpectedRequests);
        }
    }

    /**
     * Returns how long before fresh-until the image falls due for refresh, for a fetch that took
     * {@code fetchMillis}, a fresh TTL of {@code ttlMillis} and a uniform draw u in (0, 1].
     */
    public long earlyBy(long fetchMillis, long ttlMillis, double uniform) {
        if (!(uniform > 0 && uniform <= 1)) {
            throw new IllegalArgumentException("u must lie in (0, 1], got " + uniform);
        }
        double early = leadMillis + Math.max(0, fetchMillis) * beta * -Math.log(uniform);
        return (long) Math.min(early, ttlMillis / 2.0);
    }

    /** Returns whether an image expected to get this many requests during its next TTL is worth a refresh. */
    public boolean worthRefreshing(double expectedRequestsNextTtl) {
        return expectedRequestsNextTtl >= minimumExpectedRequests;
    }
}
