package io.pansaar.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {"avatars/u123.png", "a", "thumbnails/p/42.webp", "A-Z_0.9/x-y_z.jpeg", "banners/.hidden.png"})
    void acceptsKeysThatFollowTheRules(String key) {
        assertNull(ImageKey.problemWith(key));
        assertEquals(key, ImageKey.of(key).value());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "/avatars/u1.png      | starts with '/'",
            "avatars/../etc/pass  | '..' path element",
            "avatars/./u1.png     | '.' path element",
            "avatars//u1.png      | empty path element",
            "avatars/             | empty path element",
            "avatars/u 1.png      | character U+0020",
            "avatars/u1.png?x=1   | character '?'",
            "avatars/ü.png        | character U+00FC",
            "avatars\\u1.png      | character '\\'",
    })
    void rejectsKeysWithAReasonNamingTheRule(String key, String reason) {
        InvalidImageKeyException error = assertThrows(InvalidImageKeyException.class, () -> ImageKey.of(key));
        assertTrue(error.getMessage().contains(reason), () -> "'" + error.getMessage() + "' should mention " + reason);
    }

    @Test
    void rejectsEmptyAndMissingKeys() {
        assertEquals("key is empty", ImageKey.problemWith(""));
        assertEquals("key is empty", ImageKey.problemWith(null));
    }

    @Test
    void limitsKeysTo512Bytes() {
        String longest = "a/" + "x".repeat(510);
        assertNull(ImageKey.problemWith(longest));
        assertTrue(ImageKey.problemWith(longest + "x").contains("513 bytes"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"avatars/", "avatars/u12", "avatars/.", "avatars/..", "a", "banners/.hid"})
    void acceptsAsPrefixesTheStartsOfValidKeys(String prefix) {
        assertNull(ImageKey.problemWithPrefix(prefix));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "avatars//          | empty path element",
            "/avatars           | starts with '/'",
            "avatars/../x       | '..' path element",
            "avatars/./         | '.' path element",
            "avatars/u?         | character '?'",
    })
    void rejectsPrefixesNoValidKeyStartsWith(String prefix, String reason) {
        String problem = ImageKey.problemWithPrefix(prefix);
        assertTrue(problem != null && problem.contains(reason), () -> "'" + problem + "' should mention " + reason);
    }

    @Test
    void rejectsTheEmptyPrefixWhichEveryKeyStartsWithAndPrefixesLongerThanAnyKey() {
        assertEquals("prefix is empty", ImageKey.problemWithPrefix(""));
        assertNull(ImageKey.problemWithPrefix("a/" + "x".repeat(510)), "a longest key is its own prefix");
        assertTrue(ImageKey.problemWithPrefix("a/" + "x".repeat(511)).contains("513 bytes"));
    }

    @Test
    void segmentIsTheFirstPathElement() {
        assertEquals("avatars", ImageKey.of("avatars/u123.png").segment());
        assertEquals("thumbnails", ImageKey.of("thumbnails/p/42.webp").segment());
        assertEquals("logo.png", ImageKey.of("logo.png").segment());
    }
}
