package io.pansaar.logging;

import java.util.concurrent.CompletionException;

/**
 * Makes text that came from outside (a stream entry's fields, a request) safe to put in a log line: control
 * characters are escaped, so a CR or LF cannot forge a line of its own, and the text is cut to a bounded length,
 * so a megabyte-long field cannot write a megabyte-long line.
 */
public final class LogText {

    /** How many characters of one outside value a log line shows at most. */
    public static final int MAX_CHARS = 200;

    private LogText() {
    }

    /** The value quoted, with control characters escaped and cut to {@link #MAX_CHARS}; {@code null} stays null. */
    public static String quote(String value) {
        return value == null ? "null" : "'" + escape(value, MAX_CHARS) + "'";
    }

    /**
     * What went wrong, for a log line: the failure's own message, without the wrapper a blocking wait puts around a
     * checked failure ("Connection refused", not "io.netty...AnnotatedConnectException: Connection refused"), escaped
     * onto one line (a cluster client's message lists a failure per node, a line each) and cut to {@link #MAX_CHARS}.
     */
    public static String failure(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return escape(String.valueOf(cause.getMessage()), MAX_CHARS);
    }

    /**
     * The value with control characters (and the line and paragraph separators) escaped as {@code \n},
     * {@code \r}, {@code \t} or a Unicode escape such as {@code \\u0000}; when longer than {@code maxChars},
     * its first {@code maxChars} characters and a note of the full length. Backslashes stay as they are, so text
     * escaped once reads the same when escaped again.
     */
    public static String escape(String value, int maxChars) {
        int shown = Math.min(value.length(), maxChars);
        StringBuilder text = new StringBuilder(shown + 16);
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        text.append(String.format("\\u%04x", (int) c));
                    } else {
                        text.append(c);
                    }
                }
            }
        }
        if (value.length() > shown) {
            text.append("...(").append(value.length()).append(" chars)");
        }
        return text.toString();
    }
}
