package io.pansaar.key;

import java.nio.charset.StandardCharsets;

/**
 * A validated image key such as {@code avatars/u123.png}.
 *
 * <p>Rules: 1 to 512 bytes of {@code [A-Za-z0-9._/-]}, no leading {@code /}, no empty, {@code .} or
 * {@code ..} path element. The key is appended to an origin base URL, so these rules are what keep a
 * job from reaching outside the configured origin path.
 */
public record ImageKey(String value) {

    public static final int MAX_BYTES = 512;

    public ImageKey {
        String problem = problemWith(value);
        if (problem != null) {
            throw new InvalidImageKeyException(problem);
        }
    }

    /** Parses a key, throwing {@link InvalidImageKeyException} with the broken rule. */
    public static ImageKey of(String value) {
        return new ImageKey(value);
    }

    /** The first path element, which selects the segment's settings and origin. */
    public String segment() {
        int slash = value.indexOf('/');
        return slash < 0 ? value : value.substring(0, slash);
    }

    /** The key's UTF-8 bytes (the key is ASCII, so one byte per character). */
    public byte[] bytes() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return value;
    }

    /** Returns why {@code candidate} is not a valid key, or null when it is. */
    public static String problemWith(String candidate) {
        if (candidate == null || candidate.isEmpty()) {
            return "key is empty";
        }
        if (candidate.length() > MAX_BYTES) {
            return "key is " + candidate.length() + " bytes long; the limit is " + MAX_BYTES;
        }
        for (int i = 0; i < candidate.length(); i++) {
            char c = candidate.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '/' || c == '-';
            if (!allowed) {
                return "key has character " + describe(c) + " at position " + i
                        + "; only A-Z a-z 0-9 . _ / - are allowed";
            }
        }
        if (candidate.charAt(0) == '/') {
            return "key starts with '/'";
        }
        for (String element : candidate.split("/", -1)) {
            if (element.isEmpty()) {
                return "key has an empty path element (a '//' or a trailing '/')";
            }
            if (element.equals("..") || element.equals(".")) {
                return "key has a '" + element + "' path element";
            }
        }
        return null;
    }

    /**
     * Returns why {@code candidate} is no key prefix, or null when it is one: not empty (which every key starts with),
     * and a valid key or one with a character more (an incomplete last path element, or a trailing '/').
     */
    public static String problemWithPrefix(String candidate) {
        if (candidate == null || candidate.isEmpty()) {
            return "prefix is empty";
        }
        String asKey = problemWith(candidate);
        if (asKey == null || problemWith(candidate + "x") == null) {
            return null;
        }
        return asKey;
    }

    private static String describe(char c) {
        if (c >= 0x21 && c < 0x7f) {
            return "'" + c + "'";
        }
        return String.format("U+%04X", (int) c);
    }
}
