package io.pansaar.scheduler;

/**
 * A token bucket: tokens accrue at a steady rate up to a burst, and each early refresh spends one. It starts
 * empty, so a worker that has just taken a partition over cannot add a burst to what the previous holder spent.
 */
final class TokenBucket {
    private final double tokensPerMilli;
    private final double burst;
    private double tokens;
    private long updatedAtMillis;

    /** Creates an empty bucket that fills at {@code perSecond} up to {@code burst} tokens, from {@code nowMillis}. */
    TokenBucket(double perSecond, double burst, long nowMillis) {
        if (!(perSecond >= 0) || !(burst >= 0)) {
            throw new IllegalArgumentException("rate and burst must not be negative, were " + perSecond + ", " + burst);
        }
        this.tokensPerMilli = perSecond / 1000;
        this.burst = burst;
        this.updatedAtMillis = nowMillis;
    }

    /** Returns how many whole tokens are available at {@code nowMillis}. */
    int available(long nowMillis) {
        if (nowMillis > updatedAtMillis) {
            tokens = Math.min(burst, tokens + (nowMillis - updatedAtMillis) * tokensPerMilli);
            updatedAtMillis = nowMillis;
        }
        return (int) Math.floor(tokens);
    }

    /** Spends {@code count} tokens, which must be available. */
    void spend(int count) {
        if (count > Math.floor(tokens)) {
            throw new IllegalStateException("spending " + count + " tokens with " + tokens + " available");
        }
        tokens -= count;
    }
}
