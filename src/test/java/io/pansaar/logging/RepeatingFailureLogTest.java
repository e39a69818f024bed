package io.pansaar.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import io.pansaar.testing.LogCapture;

class RepeatingFailureLogTest {

    private static final String LOGGER = "io.pansaar.logging.RepeatingFailureLogTest";
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final RepeatingFailureLog log = new RepeatingFailureLog(Logger.getLogger(LOGGER), "announcing this worker",
            Duration.ofMinutes(1), clock::get);

    @Test
    void warnsOfTheFirstFailureThenOnceAMinuteAndTellsWhenItWorksAgain() {
        try (LogCapture capture = LogCapture.start().withDebug(LOGGER)) {
            // A failure a second for 125 seconds, then a success.
            for (int second = 0; second < 125; second++) {
                log.failed("could not announce this worker: down");
                clock.addAndGet(SECOND);
            }
            log.succeeded();
            List<String> notDebug = linesAbove(capture, java.util.logging.Level.FINE);
            assertEquals(List.of(
                    "WARN could not announce this worker: down",
                    "WARN could not announce this worker: down (still failing: 61 times in 1m00s; the repeats in between"
                            + " are logged at DEBUG)",
                    "WARN could not announce this worker: down (still failing: 121 times in 2m00s; the repeats in between"
                            + " are logged at DEBUG)",
                    "INFO announcing this worker works again, after 125 failures in 2m05s"), notDebug);
            assertEquals(126, capture.recordsOf(LOGGER).size(), "every failure logged, the repeats at DEBUG");
            assertEquals("DEBUG could not announce this worker: down (2 times in a row)", line(capture.recordsOf(LOGGER).get(1)));
        }
    }

    @Test
    void aSuccessEndsTheRunSoThatTheNextFailureIsWarnedOfAtOnce() {
        try (LogCapture capture = LogCapture.start().withDebug(LOGGER)) {
            log.failed("first");
            log.failed("second");
            assertEquals(2, log.failuresInARow());
            log.succeeded();
            assertEquals(0, log.failuresInARow());
            log.succeeded();
            clock.addAndGet(SECOND);
            log.failed("third");
            assertEquals(List.of("WARN first", "INFO announcing this worker works again, after 2 failures in 0s",
                    "WARN third"), linesAbove(capture, java.util.logging.Level.FINE));
        }
    }

    @Test
    void refusesAPeriodThatIsNotPositive() {
        assertThrows(IllegalArgumentException.class,
                () -> new RepeatingFailureLog(Logger.getLogger(LOGGER), "x", Duration.ZERO, clock::get));
    }

    /** The records of this test's logger above {@code level}, each as "LEVEL message". */
    private static List<String> linesAbove(LogCapture capture, java.util.logging.Level level) {
        return capture.recordsOf(LOGGER).stream().filter(record -> record.getLevel().intValue() > level.intValue())
                .map(RepeatingFailureLogTest::line).toList();
    }

    private static String line(org.jboss.logmanager.ExtLogRecord record) {
        return record.getLevel().getName() + " " + record.getFormattedMessage();
    }
}
