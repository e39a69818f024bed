package io.pansaar.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void lineBreaksAndOtherControlCharactersAreEscaped() {
        assertEquals("'miss\\r\\nFORGED\\tline\\u0000\\u2028'", LogText.quote("miss\r\nFORGED\tline\u0000\u2028"));
    }

    @Test
    void textEscapedOnceReadsTheSameWhenEscapedAgain() {
        String once = LogText.escape("a\nb", 100);
        assertEquals(once, LogText.escape(once, 100));
    }

    @Test
    void aFailureIsItsOwnMessageOnOneLineWithoutTheWaitsWrapper() {
        IOException refused = new IOException("Cannot connect to any of the provided endpoints\n- node 1\n- node 2");
        String expected = "Cannot connect to any of the provided endpoints\\n- node 1\\n- node 2";
        assertEquals(expected, LogText.failure(new CompletionException(refused)));
        assertEquals(expected, LogText.failure(refused));
        assertEquals("null", LogText.failure(new IllegalStateException()));
    }

    @Test
    void longTextIsCutWithItsLength() {
        String quoted = LogText.quote("x".repeat(1_000_000));
        assertTrue(quoted.length() < LogText.MAX_CHARS + 40, quoted.length() + " characters");
        assertTrue(quoted.endsWith("...(1000000 chars)'"), quoted.substring(quoted.length() - 30));
    }

    @Test
    void nullIsShownAsNull() {
        assertEquals("null", LogText.quote(null));
    }

    @Test
    void printableTextIsUnchanged() {
        String text = "avatars/u123.png ünïcödé \\n";
        assertEquals(text, LogText.escape(text, 100));
        assertFalse(LogText.escape("a\u0085b", 100).contains("\u0085"), "NEL is a line break too");
    }
}
