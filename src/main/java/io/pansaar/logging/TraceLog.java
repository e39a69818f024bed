package io.pansaar.logging;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Logs a line of one job with the job's trace id in the record's MDC under {@value #TRACE_ID}, the key OpenTelemetry's
 * log integration uses too: the default console format shows it after the thread, and the JSON format carries it in
 * its {@code mdc} object, so every line of a job can be found by its trace id.
 *
 * <p>The id is put on the record itself, not into the thread's MDC: a job is a chain of callbacks on the event loops,
 * interleaved with other jobs, and Quarkus keeps the MDC of an event loop in a Vert.x duplicated context, which the
 * worker's callbacks (run on the event loops' root contexts) do not have, so a value put there would be lost at once.
 */
public final class TraceLog {

    /** The MDC key of the trace id (32 lower-case hex digits). */
    public static final String TRACE_ID = "traceId";

    private static final String LOGGER_CLASS = TraceLog.class.getName();

    /** version-traceid-parentid-flags, in lower-case hex; later versions may append fields after a dash. */
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[0-9a-f-]{1,200})?");

    /** An all-zero trace or parent id is invalid in W3C Trace Context: such a traceparent names no trace. */
    private static final String ZERO_TRACE_ID = "0".repeat(32);
    private static final String ZERO_PARENT_ID = "0".repeat(16);

    private TraceLog() {
    }

    /**
     * Whether {@code value} is a W3C traceparent Pansaar accepts: the shape of version 00 (later versions may append
     * fields), not version ff, and neither id all zeros. A value of another shape must never reach a log line, where a
     * CR or LF in it could forge a line of its own.
     */
    public static boolean isTraceparent(String value) {
        return value != null && TRACEPARENT.matcher(value).matches() && !value.startsWith("ff")
                && !value.startsWith(ZERO_TRACE_ID, 3) && !value.startsWith(ZERO_PARENT_ID, 36);
    }

    /**
     * The trace id of a job stream entry's lines: its traceparent's when it carries a valid one, otherwise one derived
     * from the stream and entry id, so every line of the job (the worker's and the stream consumer's, on every
     * delivery) has the same id without any of them passing it along.
     */
    public static String traceIdOf(String traceparent, String stream, String entryId) {
        if (isTraceparent(traceparent)) {
            return traceparent.substring(3, 35);
        }
        UUID derived = UUID.nameUUIDFromBytes((stream + " " + entryId).getBytes(StandardCharsets.UTF_8));
        return String.format("%016x%016x", derived.getMostSignificantBits(), derived.getLeastSignificantBits());
    }

    /** Logs {@code format} filled with {@code params} (printf style) at {@code level}, with {@code traceId}. */
    public static void logf(Logger logger, Logger.Level level, String traceId, Throwable failure, String format,
            Object... params) {
        if (!logger.isEnabled(level)) {
            return;
        }
        ExtLogRecord record = new ExtLogRecord(levelOf(level), format, ExtLogRecord.FormatStyle.PRINTF, LOGGER_CLASS);
        record.setParameters(params);
        record.setThrown(failure);
        publish(logger, record, traceId);
    }

    /** Logs {@code message} as it is at {@code level}, with {@code traceId}. */
    public static void log(Logger logger, Logger.Level level, String traceId, String message) {
        if (!logger.isEnabled(level)) {
            return;
        }
        publish(logger, new ExtLogRecord(levelOf(level), message, ExtLogRecord.FormatStyle.NO_FORMAT, LOGGER_CLASS),
                traceId);
    }

    private static void publish(Logger logger, ExtLogRecord record, String traceId) {
        record.setLoggerName(logger.getName());
        // putMdc copies the thread's MDC first, so what else it holds stays on the line.
        record.putMdc(TRACE_ID, traceId);
        org.jboss.logmanager.Logger.getLogger(logger.getName()).logRaw(record);
    }

    private static java.util.logging.Level levelOf(Logger.Level level) {
        return switch (level) {
            case FATAL -> org.jboss.logmanager.Level.FATAL;
            case ERROR -> org.jboss.logmanager.Level.ERROR;
            case WARN -> org.jboss.logmanager.Level.WARN;
            case INFO -> org.jboss.logmanager.Level.INFO;
            case DEBUG -> org.jboss.logmanager.Level.DEBUG;
            case TRACE -> org.jboss.logmanager.Level.TRACE;
        };
    }
}
