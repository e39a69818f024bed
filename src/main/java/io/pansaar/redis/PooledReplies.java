package io.pansaar.redis;

import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;

/**
 * The replies of commands sent with {@link RespCommand#pooledReply()}: on the read connections, their bulk strings of
 * {@link #MINIMUM_LENGTH} bytes or more are copied from the socket into pooled buffers off the heap, which an HTTP
 * response writes to its socket as they are. The JVM neither allocates and zeroes an array for each body nor copies
 * it off the heap again on the way out; in exchange whoever receives such a reply releases it exactly once,
 * {@link #release(Response)} for the whole reply or {@link #release(Buffer)} for a body taken out of it. Replies from
 * pooled and cluster connections are on the heap, and releasing them does nothing.
 */
public final class PooledReplies {

    /** Bulk strings shorter than this stay on the heap: an image's fields (meta, its ETag) rather than its body. */
    static final int MINIMUM_LENGTH = 512;

    /** The pooled buffers handed out and not yet released, in this process. */
    private static final LongAdder HELD = new LongAdder();

    private PooledReplies() {
    }

    /** A pooled buffer, off the heap, for a bulk string of {@code length} bytes; counted until released. */
    static ByteBuf allocate(ByteBufAllocator allocator, int length) {
        ByteBuf buffer = allocator.directBuffer(length, length);
        HELD.increment();
        return buffer;
    }

    /** Whether {@code buffer} holds a pooled buffer, which must be released once. */
    public static boolean isPooled(Buffer buffer) {
        // The read connections' replies wrap the heap arrays of their other bulk strings, and the Vert.x client
        // copies every reply onto the heap: only a pooled reply's bulk strings are off it.
        return buffer instanceof BufferImpl wrapper && wrapper.byteBuf().isDirect();
    }

    /** Releases {@code buffer} when it is pooled; does nothing for a buffer on the heap. */
    public static void release(Buffer buffer) {
        if (isPooled(buffer)) {
            // Throws should it be released twice: a body written after its release would send other bytes.
            ((BufferImpl) buffer).byteBuf().release();
            HELD.decrement();
        }
    }

    /** Releases every pooled buffer of {@code reply}, which may be null or an array of replies. */
    public static void release(Response reply) {
        if (reply == null) {
            return;
        }
        if (reply.type() == ResponseType.MULTI) {
            for (int i = 0; i < reply.size(); i++) {
                release(reply.get(i));
            }
        } else if (reply.type() == ResponseType.BULK) {
            release(reply.toBuffer());
        }
    }

    /** Releases every pooled buffer of {@code reply}. */
    public static void release(io.vertx.mutiny.redis.client.Response reply) {
        if (reply != null) {
            release(reply.getDelegate());
        }
    }

    /** {@code buffer} itself when it is on the heap, or else a copy on the heap, the pooled buffer being released. */
    public static Buffer onHeap(Buffer buffer) {
        if (!isPooled(buffer)) {
            return buffer;
        }
        Buffer copy = Buffer.buffer(buffer.getBytes());
        release(buffer);
        return copy;
    }

    /** How many pooled buffers this process holds now: zero once every reply and response is done with. */
    public static long held() {
        return HELD.sum();
    }
}
