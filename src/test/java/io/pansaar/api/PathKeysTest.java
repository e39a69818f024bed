package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import io.pansaar.key.InvalidImageKeyException;

class PathKeysTest {

    @Test
    void percentEscapesAreDecodedAsUtf8AndPlusStaysPlus() {
        assertEquals("avatars/../x.png", PathKeys.percentDecode("avatars/%2E%2e/x.png"));
        assertEquals("a b+c/é", PathKeys.percentDecode("a%20b+c/%C3%A9"));
        assertEquals("plain/key.png", PathKeys.percentDecode("plain/key.png"));
    }

    @Test
    void aMalformedEscapeIsAnInvalidKey() {
        InvalidImageKeyException truncated = assertThrows(InvalidImageKeyException.class,
                () -> PathKeys.percentDecode("avatars/x%2"));
        assertEquals("key has a malformed percent escape at position 9", truncated.getMessage());
        assertThrows(InvalidImageKeyException.class, () -> PathKeys.percentDecode("avatars/%zz.png"));
    }
}
