package io.pansaar.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/** Entity tags of served images and the If-None-Match comparison of RFC 9110 (section 13.1.2). */
final class EntityTags {

    /** Bytes of SHA-256 kept in a derived tag: 128 bits, far beyond any chance collision. */
    private static final int DERIVED_TAG_BYTES = 16;

    private EntityTags() {
    }

    /**
     * The tag served with {@code body}: the origin's own tag when it sent one (the bytes are the
     * origin's, unchanged), otherwise a strong tag derived from the bytes.
     */
    static String of(Optional<String> originTag, byte[] body) {
        return originTag.filter(tag -> !tag.isBlank()).orElseGet(() -> derived(body));
    }

    /**
     * Whether an If-None-Match field value matches {@code currentTag}: {@code *}, or any listed tag
     * that equals it by weak comparison (opaque tags equal, W/ prefixes ignored).
     */
    static boolean noneMatchHits(String ifNoneMatch, String currentTag) {
        String current = opaque(currentTag);
        int position = 0;
        int length = ifNoneMatch.length();
        while (position < length) {
            char c = ifNoneMatch.charAt(position);
            if (c == ' ' || c == '\t' || c == ',') {
                position++;
                continue;
            }
            if (c == '*') {
                return true;
            }
            if (ifNoneMatch.startsWith("W/", position)) {
                position += 2;
            }
            if (position >= length || ifNoneMatch.charAt(position) != '"') {
                // Not an entity tag: the rest of the field cannot be parsed, so nothing more can match.
                return false;
            }
            int end = ifNoneMatch.indexOf('"', position + 1);
            if (end < 0) {
                return false;
            }
            if (ifNoneMatch.substring(position + 1, end).equals(current)) {
                return true;
            }
            position = end + 1;
        }
        return false;
    }

    /** The opaque part of a tag: without W/ and without its quotes (an origin may have sent it unquoted). */
    private static String opaque(String tag) {
        String strong = tag.startsWith("W/") ? tag.substring(2) : tag;
        if (strong.length() >= 2 && strong.startsWith("\"") && strong.endsWith("\"")) {
            return strong.substring(1, strong.length() - 1);
        }
        return strong;
    }

    private static String derived(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"sha256-" + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(Arrays.copyOf(digest, DERIVED_TAG_BYTES)) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
