package io.pansaar.origin;

import java.util.Arrays;

import io.vertx.core.buffer.Buffer;

/**
 * The bytes of an image body as they arrive, copied once from each chunk the HTTP client hands over into one array.
 * The array starts at the declared Content-Length (refused before when over {@code pansaar.origin.max-bytes}) or
 * {@link #INITIAL_CAPACITY}, whichever is smaller, and doubles up to that length as bytes really arrive: an origin that
 * declares max-bytes and sends a hundred costs {@link #INITIAL_CAPACITY}, not max-bytes, however many such fetches run
 * at once. A body that arrives as declared ends in an array of exactly its size, which {@link #bytes()} returns without
 * another copy.
 */
final class ResponseBody {

    /** The array's largest first size. */
    static final int INITIAL_CAPACITY = 64 * 1024;

    /** The most the body can hold: its declared length, or max-bytes when it declared none. */
    private final int bound;
    private byte[] bytes;
    private int length;

    private ResponseBody(int bound) {
        this.bound = bound;
        this.bytes = new byte[Math.min(bound, INITIAL_CAPACITY)];
    }

    /**
     * A body for a response that declared {@code declaredLength} bytes ({@code -1} when it declared none); the
     * caller has refused a declared length over {@code maxBytes} already.
     */
    static ResponseBody expecting(long declaredLength, long maxBytes) {
        long bound = declaredLength >= 0 ? Math.min(declaredLength, maxBytes) : maxBytes;
        return new ResponseBody((int) Math.min(bound, Integer.MAX_VALUE - 8));
    }

    /** Bytes received so far. */
    int length() {
        return length;
    }

    /**
     * Copies {@code chunk} after the bytes received so far. The caller keeps the total within max-bytes; Netty passes
     * on no more than a declared Content-Length, but a chunk past it would still be kept, not lost.
     */
    void append(Buffer chunk) {
        int size = chunk.length();
        int needed = length + size;
        if (needed > bytes.length) {
            long doubled = Math.min((long) bytes.length * 2, bound);
            bytes = Arrays.copyOf(bytes, (int) Math.max(needed, doubled));
        }
        chunk.getBytes(0, size, bytes, length);
        length = needed;
    }

    /** The body: the array itself when it is full, as it is when the declared length arrived. */
    byte[] bytes() {
        return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
    }
}
