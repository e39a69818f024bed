package io.pansaar.origin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

class ResponseBodyTest {

    /** Bytes 0, 1, 2... wrapping at 251 (a prime, so no chunk boundary lines up with the pattern). */
    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i % 251);
        }
        return bytes;
    }

    /** Appends {@code bytes} in chunks of {@code chunkSize}, as the HTTP client hands them over. */
    private static ResponseBody received(ResponseBody body, byte[] bytes, int chunkSize) {
        for (int start = 0; start < bytes.length; start += chunkSize) {
            body.append(Buffer.buffer(Arrays.copyOfRange(bytes, start, Math.min(bytes.length, start + chunkSize))));
        }
        return body;
    }

    @Test
    void aBodyOfItsDeclaredLengthIsReturnedAsTheArrayItWasCopiedInto() {
        byte[] sent = pattern(20_000);
        ResponseBody body = received(ResponseBody.expecting(sent.length, 10_000_000), sent, 8_192);

        byte[] first = body.bytes();

        assertArrayEquals(sent, first);
        assertEquals(sent.length, body.length());
        // Full at its declared length: no copy to trim it.
        assertSame(first, body.bytes());
    }

    @Test
    void aDeclaredLengthAboveTheInitialCapacityGrowsToExactlyThatLength() {
        byte[] sent = pattern(ResponseBody.INITIAL_CAPACITY * 3 + 17);
        ResponseBody body = received(ResponseBody.expecting(sent.length, 10_000_000), sent, 8_192);

        byte[] first = body.bytes();

        assertArrayEquals(sent, first);
        assertSame(first, body.bytes());
    }

    @Test
    void aBodyOfNoDeclaredLengthKeepsEveryByteAcrossGrowth() {
        byte[] sent = pattern(ResponseBody.INITIAL_CAPACITY * 2 + 5);

        assertArrayEquals(sent, received(ResponseBody.expecting(-1, 10_000_000), sent, 7_000).bytes());
    }

    @Test
    void aBodyShorterThanDeclaredIsReturnedAtTheLengthThatArrived() {
        byte[] sent = pattern(1_000);

        assertArrayEquals(sent, received(ResponseBody.expecting(5_000, 10_000_000), sent, 300).bytes());
    }

    @Test
    void anEmptyBodyIsEmpty() {
        assertEquals(0, ResponseBody.expecting(0, 10_000_000).bytes().length);
        assertEquals(0, ResponseBody.expecting(-1, 10_000_000).bytes().length);
    }
}
