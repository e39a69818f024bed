package io.pansaar.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;

/** Entity tags of served images and the If-None-Match comparison of RFC 9110 (section 13.1.2). */
final class EntityTags {

    /** Bytes of SHA-256 kept in a derived tag: 128 bits, far beyond any chance collision. */
    private static final int DERIVED_TAG_BYTES = 16;
    private static final int SHA_256_HEX_CHARS = 64;
    /** The characters of {@link #DERIVED_TAG_BYTES} bytes in base64 without padding. */
    private static final int DERIVED_TAG_CHARS = (DERIVED_TAG_BYTES * 8 + 5) / 6;
    private static final String DERIVED_TAG_PREFIX = "\"sha256-";
    private static final String BASE64_URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

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

    /**
     * The tag of a stored hex SHA-256; empty when it is not one (written by hand, say), so the bytes are hashed. The
     * hex of the tag's bytes goes straight to the tag's base64url characters: this runs on every hit whose origin sent
     * no tag, and the general parsers and encoders allocated four arrays for it.
     */
    private static Optional<String> fromStoredDigest(String hex) {
        if (hex.length() != SHA_256_HEX_CHARS) {
            return Optional.empty();
        }
        byte[] bytes = new byte[DERIVED_TAG_BYTES + 2];
        for (int i = 0; i < SHA_256_HEX_CHARS; i += 2) {
            int high = hexValue(hex.charAt(i));
            int low = hexValue(hex.charAt(i + 1));
            if (high < 0 || low < 0) {
                return Optional.empty();
            }
            if (i / 2 < DERIVED_TAG_BYTES) {
                bytes[i / 2] = (byte) (high << 4 | low);
            }
        }
        // Base64 without padding: 4 characters for every 3 bytes, 2 for the one byte left of 16. The two bytes past
        // the tag's 16 are zero, so the last group is read as a whole and only its first 2 characters kept.
        char[] tag = new char[DERIVED_TAG_PREFIX.length() + DERIVED_TAG_CHARS + 1];
        DERIVED_TAG_PREFIX.getChars(0, DERIVED_TAG_PREFIX.length(), tag, 0);
        int out = DERIVED_TAG_PREFIX.length();
        for (int in = 0; in < DERIVED_TAG_BYTES; in += 3) {
            int group = (bytes[in] & 0xFF) << 16 | (bytes[in + 1] & 0xFF) << 8 | bytes[in + 2] & 0xFF;
            for (int shift = 18; shift >= 0 && out < tag.length - 1; shift -= 6) {
                tag[out++] = BASE64_URL.charAt(group >> shift & 0x3F);
            }
        }
        tag[out] = '"';
        return Optional.of(new String(tag));
    }

    /** The value of an ASCII hex digit, either case; -1 for anything else. */
    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static String tag(byte[] sha256) {
        return DERIVED_TAG_PREFIX + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Arrays.copyOf(sha256, DERIVED_TAG_BYTES)) + "\"";
    }
}
