package io.pansaar.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects, while open, the application's log records that an operator would have to look into: those
 * at ERROR (SEVERE) or above, and any record that carries a stack trace. It listens on the root logger of
 * the JVM's log manager, which the application under test logs through.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final List<String> found = new CopyOnWriteArrayList<>();

    private LogCapture() {
    }

    /** Starts collecting. */
    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    /** Each collected record as "LEVEL logger: message (exception)". */
    public List<String> errorsAndStackTraces() {
        return List.copyOf(found);
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.SEVERE.intValue() || record.getThrown() != null) {
            found.add(record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage()
                    + (record.getThrown() == null ? "" : " (" + record.getThrown() + ")"));
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
