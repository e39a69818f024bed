package io.pansaar.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.jboss.logmanager.ExtLogRecord;

/**
 * Collects, while open, the application's log records: those an operator would have to look into (at
 * ERROR (SEVERE) or above, or carrying a stack trace), and the formatted message of every record of a
 * logger under a given name. It listens on the root logger of the JVM's log manager, which the
 * application under test logs through.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final List<String> found = new CopyOnWriteArrayList<>();
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final List<Runnable> restoreLevels = new CopyOnWriteArrayList<>();

    private LogCapture() {
    }

    /**
     * Lets the logger {@code name} and those under it log at DEBUG while this capture is open (jobs log their lines
     * at DEBUG); its level is put back on close.
     */
    public LogCapture withDebug(String name) {
        Logger logger = Logger.getLogger(name);
        Level previous = logger.getLevel();
        logger.setLevel(Level.FINE);
        restoreLevels.add(() -> logger.setLevel(previous));
        return this;
    }

    /** Every collected record of loggers under {@code prefix}, each with the MDC it was logged with. */
    public List<ExtLogRecord> recordsOf(String prefix) {
        return records.stream().filter(record -> record.getLoggerName() != null && record.getLoggerName().startsWith(prefix))
                .map(ExtLogRecord.class::cast).toList();
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

    /** The formatted message (parameters filled in, no level or time) of every record of loggers under {@code prefix}. */
    public List<String> messagesOf(String prefix) {
        return records.stream().filter(record -> record.getLoggerName() != null && record.getLoggerName().startsWith(prefix))
                .map(record -> record instanceof ExtLogRecord extended ? extended.getFormattedMessage()
                        : formatter.formatMessage(record))
                .toList();
    }

    @Override
    public void publish(LogRecord record) {
        if (record instanceof ExtLogRecord extended) {
            // The MDC is the logging thread's, and only while it logs: keep a copy with the record.
            extended.copyMdc();
        }
        records.add(record);
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
        restoreLevels.forEach(Runnable::run);
    }
}
