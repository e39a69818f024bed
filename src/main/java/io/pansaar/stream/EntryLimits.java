package io.pansaar.stream;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The size a job stream entry may have: checked before the entry reaches the worker or any Redis function, so an
 * entry written by mistake or by an attacker (thousands of fields, megabyte values) is dead-lettered at once
 * instead of being parsed, logged or passed to Lua. A job needs a handful of short fields (key, reason,
 * requested-at, token, traceparent, tracestate); the limits leave room for a publisher's own fields.
 */
public final class EntryLimits {

    /** Field/value pairs one entry may have. */
    public static final int MAX_FIELDS = 32;

    /** UTF-8 bytes of one field name. */
    public static final int MAX_NAME_BYTES = 64;

    /** UTF-8 bytes of one field value: room for a 512-byte key and a full W3C tracestate. */
    public static final int MAX_VALUE_BYTES = 2048;

    private EntryLimits() {
    }

    /** Why the entry's fields exceed the limits, or empty when they keep within them. */
    public static Optional<String> violation(Map<String, String> fields) {
        if (fields.size() > MAX_FIELDS) {
            return Optional.of("oversize entry: " + fields.size() + " fields, the limit is " + MAX_FIELDS);
        }
        for (Map.Entry<String, String> field : fields.entrySet()) {
            long nameBytes = utf8Length(field.getKey());
            if (nameBytes > MAX_NAME_BYTES) {
                return Optional.of("oversize entry: a field name of " + nameBytes + " bytes, the limit is " + MAX_NAME_BYTES);
            }
            long valueBytes = utf8Length(field.getValue());
            if (valueBytes > MAX_VALUE_BYTES) {
                return Optional.of("oversize entry: field '" + (isPrintable(field.getKey()) ? field.getKey() : "?")
                        + "' has " + valueBytes + " bytes, the limit is " + MAX_VALUE_BYTES);
            }
        }
        return Optional.empty();
    }

    private static long utf8Length(String text) {
        return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static boolean isPrintable(String name) {
        return name.chars().allMatch(c -> c >= 0x21 && c < 0x7F);
    }
}
