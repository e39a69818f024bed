package io.pansaar.logging;

import java.time.Duration;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

/**
 * The log of one failure that a worker retries until it passes, such as a Redis call during an outage: the first
 * failure of a run at WARN, then at most one WARN a period saying how long the run has lasted, every other failure at
 * DEBUG, and the first success after a run at INFO. A worker that retries every second through a ten-minute outage
 * thus warns eleven times, not six hundred, and the log says when the fault ended.
 */
public final class RepeatingFailureLog {

    /** How often a run of failures is warned of again, by default. */
    public static final Duration DEFAULT_PERIOD = Duration.ofMinutes(1);

    private final Logger log;
    private final String action;
    private final long periodNanos;
    private final LongSupplier nanoClock;
    /** Failures since the last success; 0 while none. */
    private long failures;
    private long runStartedNanos;
    private long lastWarnedNanos;

    /**
     * Creates the log of {@code action} (for example "announcing this worker"), warned of again every {@link #DEFAULT_PERIOD}.
     */
    public RepeatingFailureLog(Logger log, String action) {
        this(log, action, DEFAULT_PERIOD, System::nanoTime);
    }

    /** Creates the log of {@code action}, warned of again every {@code period}, on the given clock in nanoseconds. */
    public RepeatingFailureLog(Logger log, String action, Duration period, LongSupplier nanoClock) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("the period must be positive, got " + period);
        }
        this.log = log;
        this.action = action;
        this.periodNanos = period.toNanos();
        this.nanoClock = nanoClock;
    }

    /**
     * Logs a failure of the action, {@code message} saying what failed and why: at WARN if it is the first of a run or
     * the first for a period, with the run so far, otherwise at DEBUG.
     */
    public synchronized void failed(String message) {
        long now = nanoClock.getAsLong();
        failures++;
        if (failures == 1) {
            runStartedNanos = now;
            lastWarnedNanos = now;
            log.warn(message);
        } else if (now - lastWarnedNanos >= periodNanos) {
            lastWarnedNanos = now;
            log.warnf("%s (still failing: %d times in %s; the repeats in between are logged at DEBUG)", message,
                    failures, took(now));
        } else {
            log.debugf("%s (%d times in a row)", message, failures);
        }
    }

    /** Notes that the action worked: after a run of failures, logs at INFO how long the run lasted. */
    public synchronized void succeeded() {
        if (failures > 0) {
            log.infof("%s works again, after %d failures in %s", action, failures, took(nanoClock.getAsLong()));
            failures = 0;
        }
    }

    /** How many times the action failed since it last worked. */
    public synchronized long failuresInARow() {
        return failures;
    }

    /** The run's length so far, to the second, as "1m02s" or "7s". */
    private String took(long now) {
        long seconds = Duration.ofNanos(now - runStartedNanos).toSeconds();
        return seconds >= 60 ? String.format("%dm%02ds", seconds / 60, seconds % 60) : seconds + "s";
    }
}
