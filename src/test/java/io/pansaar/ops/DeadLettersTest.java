package io.pansaar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.vertx.mutiny.core.buffer.Buffer;

class DeadLettersTest {

    @Test
    void aValueWithinTheLimitIsKeptWhole() {
        assertEquals("avatars/u1.png", DeadLetters.cut(Buffer.buffer("avatars/u1.png"), 14));
        assertEquals("", DeadLetters.cut(Buffer.buffer(""), 0));
    }

    @Test
    void aLongerValueIsCutAndSaysHowLongItWas() {
        String cut = DeadLetters.cut(Buffer.buffer("x".repeat(1_048_576)), 1024);
        assertEquals("x".repeat(1024) + "…[cut: 1048576 bytes in all]", cut);
        assertEquals("x".repeat(1024) + DeadLetters.cutMarker(1_048_576), cut);
    }

    @Test
    void aCutNeverSplitsACharacter() {
        // "é" is two bytes and "€" three in UTF-8: a cut inside one backs off to the character's start.
        String text = "é".repeat(10) + "€".repeat(10);
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        assertEquals("é".repeat(2) + DeadLetters.cutMarker(bytes), DeadLetters.cut(Buffer.buffer(text), 5));
        assertEquals("é".repeat(10) + "€" + DeadLetters.cutMarker(bytes), DeadLetters.cut(Buffer.buffer(text), 25));
        String cut = DeadLetters.cut(Buffer.buffer(text), 21);
        assertTrue(cut.startsWith("é".repeat(10) + "…"), cut);
        assertTrue(cut.getBytes(StandardCharsets.UTF_8).length <= 21 + DeadLetters.cutMarker(bytes).getBytes(
                StandardCharsets.UTF_8).length, cut);
    }
}
