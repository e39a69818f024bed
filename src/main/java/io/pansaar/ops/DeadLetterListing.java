package io.pansaar.ops;

import java.util.List;

/**
 * The body of {@code GET /api/dead-letters}.
 *
 * @param entries   the newest dead letters, newest first
 * @param truncated true when more entries were asked for and exist, but the listing's byte budget
 *                  ({@code pansaar.dead-letters.listing-bytes}) stopped it
 */
public record DeadLetterListing(List<DeadLetter> entries, boolean truncated) {
}
