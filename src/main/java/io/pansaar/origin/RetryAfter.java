package io.pansaar.origin;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads an HTTP {@code Retry-After} header (RFC 9110 section 10.2.3): a number of seconds, or an HTTP date.
 *
 * <p>A header that is neither, or names no time ahead, asks for no pause. The caller caps what is asked
 * ({@code pansaar.origin.max-retry-after}), so an origin cannot stop its own fetches for a year.
 */
public final class RetryAfter {

    /** Longer than any cap a deployment may set, so a huge number of seconds cannot overflow. */
    private static final long MAX_SECONDS = 365L * 24 * 3600;

    private RetryAfter() {
    }

    /** The pause {@code header} asks for, as of {@code now}; empty when it asks for none or cannot be read. */
    public static Optional<Duration> parse(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String value = header.trim();
        if (value.chars().allMatch(Character::isDigit)) {
            // Digits only, so no sign; more than 12 of them is beyond any cap anyway.
            long seconds = value.length() > 12 ? MAX_SECONDS : Math.min(Long.parseLong(value), MAX_SECONDS);
            return seconds > 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        }
        try {
            Instant until = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration pause = Duration.between(now, until);
            return pause.isNegative() || pause.isZero() ? Optional.empty()
                    : Optional.of(pause.compareTo(Duration.ofSeconds(MAX_SECONDS)) > 0 ? Duration.ofSeconds(MAX_SECONDS)
                            : pause);
        } catch (DateTimeParseException notADate) {
            return Optional.empty();
        }
    }
}
