package io.pansaar.key;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Image tags: the names an origin files an image under in its {@code Surrogate-Key} and {@code Cache-Tag} response
 * headers, so that one purge reaches every image with a tag. A tag is 1 to {@value #MAX_LENGTH} characters of
 * {@code A-Z a-z 0-9 . _ : / -}, the characters such tags use (a product id, a path, a namespace:value), which keeps
 * it a safe part of a Redis key name and of a space-separated list; an image keeps at most {@value #MAX_TAGS}. The Lua
 * twin is requireTag in shared.lua.
 */
public final class ImageTags {

    /** The most tags an image keeps. */
    public static final int MAX_TAGS = 32;

    /** The most characters of one tag. */
    public static final int MAX_LENGTH = 128;

    /** The origin's response headers the tags come from, merged. */
    public static final List<String> HEADERS = List.of("Surrogate-Key", "Cache-Tag");

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._:/-]{1," + MAX_LENGTH + "}");
    /** Surrogate-Key separates tags with spaces, Cache-Tag with commas; either may carry both. */
    private static final Pattern SEPARATORS = Pattern.compile("[\\s,]+");

    private ImageTags() {
    }

    /**
     * The tags read from an origin's header values.
     *
     * @param tags the valid tags in the order first seen, each once, at most {@link #MAX_TAGS}
     * @param dropped how many were dropped: invalid ones, and valid ones beyond {@link #MAX_TAGS}
     * @param firstDropped the first tag dropped, for a log line; empty when none was
     */
    public record Parsed(List<String> tags, int dropped, Optional<String> firstDropped) {
    }

    /**
     * The tags of the header values given (those of every {@link #HEADERS} header, in any order): split at spaces and
     * commas, duplicates removed, a tag that breaks the rules dropped and counted, never failing: an image is stored
     * whatever its tags.
     */
    public static Parsed parse(List<String> headerValues) {
        Set<String> kept = new LinkedHashSet<>();
        // A set too: a tag both headers carry, or one header twice, is one tag dropped.
        Set<String> dropped = new LinkedHashSet<>();
        for (String value : headerValues) {
            for (String tag : SEPARATORS.split(value.strip())) {
                if (tag.isEmpty() || kept.contains(tag) || dropped.contains(tag)) {
                    continue;
                }
                if (problemWith(tag) != null || kept.size() == MAX_TAGS) {
                    dropped.add(tag);
                } else {
                    kept.add(tag);
                }
            }
        }
        return new Parsed(List.copyOf(kept), dropped.size(), dropped.stream().findFirst());
    }

    /** What is wrong with a tag, for an error message, as {@link ImageKey#problemWith} words it; null when valid. */
    public static String problemWith(String tag) {
        if (tag == null || tag.isEmpty()) {
            return "tag is empty";
        }
        if (tag.length() > MAX_LENGTH) {
            return "tag is " + tag.length() + " characters long, the most is " + MAX_LENGTH;
        }
        if (!TAG.matcher(tag).matches()) {
            return "tag holds a character other than A-Z a-z 0-9 . _ : / -";
        }
        return null;
    }
}
