package io.pansaar.algorithm;

/**
 * The origin refresh budget of early refreshes: tokens accrue at a steady rate up to a burst, and each refresh
 * spends one. Time is in whatever unit the rate is per (milliseconds in production, the trace's clock in the
 * simulator).
 */
public final class TokenBucket {
    private final double tokensPerUnit;
    private final double burst;
    private double tokens;
    private long updatedAt;

    /**
     * Creates a bucket holding {@code initialTokens} at time {@code now}, filling at {@code tokensPerUnit} up to
     * {@code burst}.
     */
    public TokenBucket(double tokensPerUnit, double burst, double initialTokens, long now) {
        if (!(tokensPerUnit >= 0) || !(burst >= 0) || !(initialTokens >= 0)) {
            throw new IllegalArgumentException("rate, burst and initial tokens must not be negative, were "
                    + tokensPerUnit + ", " + burst + ", " + initialTokens);
        }
        this.tokensPerUnit = tokensPerUnit;
        this.burst = burst;
        this.tokens = Math.min(burst, initialTokens);
        this.updatedAt = now;
    }

    /** Returns how many whole tokens are available at {@code now}. */
    public int available(long now) {
        if (now > updatedAt) {
            tokens = Math.min(burst, tokens + (now - updatedAt) * tokensPerUnit);
            updatedAt = now;
        }
        return (int) Math.floor(tokens);
    }

    /** Spends {@code count} tokens, which must be available. */
    public void spend(int count) {
        if (count > Math.floor(tokens)) {
            throw new IllegalStateException("spending " + count + " tokens with " + tokens + " available");
        }
        tokens -= count;
    }

    /** Spends one token if one is available at {@code now}; returns whether it did. */
    public boolean tryTake(long now) {
        if (available(now) < 1) {
            return false;
        }
        spend(1);
        return true;
    }
}
