package io.pansaar.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

/** Entity tags of served images and the If-None-Match comparison of RFC 9110 (section 13.1.2). */
final class EntityTags {

    /** Bytes of SHA-256 kept in a derived tag: 128 bits, far beyond any chance collision. */
    private static final int DERIVED_TAG_BYTES = 16;
    private static final int SHA_256_HEX_CHARS = 64;

    private EntityTags() {
    }

    /**
     * The tag served with {@code body}: the origin's own tag when it sent one (the bytes are the
     * origin's, unchanged), otherwise a strong tag derived from the bytes' SHA-256: from {@code digest}, the hex
     * SHA-256 stored when the body was written, so a hit hashes nothing; from the bytes when none was stored.
     */
    static String of(Optional<String> originTag, Optional<String> digest, Supplier<byte[]> body) {
        return originTag.filter(tag -> !tag.isBlank())
                .orElseGet(() -> digest.flatMap(EntityTags::fromStoredDigest).orElseGet(() -> derived(body.get())));
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
            return tag(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The tag of a stored hex SHA-256; empty when it is not one (written by hand, say), so the bytes are hashed. */
    private static Optional<String> fromStoredDigest(String hex) {
        if (hex.length() != SHA_256_HEX_CHARS) {
            return Optional.empty();
        }
        try {
            return Optional.of(tag(HexFormat.of().parseHex(hex)));
        } catch (IllegalArgumentException notHex) {
            return Optional.empty();
        }
    }

    private static String tag(byte[] sha256) {
        return "\"sha256-" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Arrays.copyOf(sha256, DERIVED_TAG_BYTES)) + "\"";
    }
}
