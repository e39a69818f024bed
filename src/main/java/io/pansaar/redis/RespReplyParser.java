package io.pansaar.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.BulkType;
import io.vertx.redis.client.impl.types.ErrorType;
import io.vertx.redis.client.impl.types.MultiType;
import io.vertx.redis.client.impl.types.NumberType;
import io.vertx.redis.client.impl.types.SimpleStringType;

/**
 * Reads RESP2 replies from a connection's socket reads as they come, and hands on each whole reply as the Vert.x
 * client's {@link Response} types, so callers read it as they read the pooled connections' replies.
 *
 * <p>A bulk string is copied once: from the socket's buffers straight into a byte array of its final size, which
 * the reply then wraps, or, in the reply to a command sent with {@link RespCommand#pooledReply()}, into a pooled
 * buffer off the heap when it is long ({@link PooledReplies}). A reply that spans several socket reads is filled in
 * as they arrive; nothing is buffered and grown. Each socket buffer is released once read.
 */
final class RespReplyParser {

    /** Receives each whole reply, in order: null for a nil bulk string or array, an {@link ErrorType} for an error. */
    interface Replies {
        void reply(Response reply);
    }

    /** The bytes are not a RESP2 reply: whatever follows on the connection cannot be trusted. */
    static final class MalformedReplyException extends IOException {

        MalformedReplyException(String message) {
            super(message);
        }
    }

    /** Redis refuses bulk strings over 512 MB. */
    private static final long MAX_BULK_LENGTH = 512L * 1024 * 1024;
    private static final byte[] NO_BYTES = new byte[0];

    private enum State {
        /** The first byte of a reply: its type. */
        TYPE,
        /** The digits of an integer reply or of a length, up to the carriage return. */
        NUMBER,
        /** The text of a simple string or an error, up to the carriage return. */
        TEXT,
        /** The line feed that ends a line. */
        LINE_FEED,
        /** A bulk string's bytes. */
        BULK,
        /** The carriage return after a bulk string's bytes. */
        BULK_CARRIAGE_RETURN,
        /** The line feed after them. */
        BULK_LINE_FEED
    }

    private final Replies replies;
    /** Where pooled bulk strings come from; null when no reply is pooled. */
    private final ByteBufAllocator allocator;
    /** Whether the reply being read is to a command that asked for pooled buffers. */
    private final BooleanSupplier replyPooled;
    /** The arrays being filled, the innermost first. */
    private final ArrayDeque<MultiType> openArrays = new ArrayDeque<>();
    private State state = State.TYPE;
    /** The type byte of the line being read. */
    private byte lineType;
    private boolean negative;
    private int digits;
    /** The number read so far, negated: a negative long reaches one further than a positive one. */
    private long negatedNumber;
    private byte[] text = new byte[64];
    private int textLength;
    private byte[] bulk;
    private int bulkFilled;
    /** The pooled buffer a long bulk string of a pooled reply is read into, instead of {@link #bulk}. */
    private ByteBuf pooledBulk;
    /** Set by {@link #discard()}: nothing more is read. */
    private boolean discarded;

    /** A parser whose replies are all on the heap. */
    RespReplyParser(Replies replies) {
        this(replies, null, () -> false);
    }

    /**
     * A parser that reads the long bulk strings of the replies {@code replyPooled} names, when asked at the start of
     * each, into buffers of {@code allocator}, which the replies' receivers release.
     */
    RespReplyParser(Replies replies, ByteBufAllocator allocator, BooleanSupplier replyPooled) {
        this.replies = replies;
        this.allocator = allocator;
        this.replyPooled = replyPooled;
    }

    /**
     * Reads every byte of {@code in}, handing on each reply it completes, and releases it. After a
     * {@link MalformedReplyException} the parser must not be used again.
     */
    void parse(ByteBuf in) throws MalformedReplyException {
        try {
            while (in.isReadable() && !discarded) {
                switch (state) {
                    case TYPE -> startLine(in.readByte());
                    case NUMBER -> readNumber(in);
                    case TEXT -> readText(in);
                    case LINE_FEED -> {
                        expect(in.readByte(), '\n');
                        state = State.TYPE;
                        endLine();
                    }
                    case BULK -> readBulk(in);
                    case BULK_CARRIAGE_RETURN -> {
                        expect(in.readByte(), '\r');
                        state = State.BULK_LINE_FEED;
                    }
                    case BULK_LINE_FEED -> {
                        expect(in.readByte(), '\n');
                        state = State.TYPE;
                        endBulk();
                    }
                }
            }
        } finally {
            in.release();
        }
    }

    private void startLine(byte type) throws MalformedReplyException {
        switch (type) {
            case ':', '$', '*' -> {
                negative = false;
                digits = 0;
                negatedNumber = 0;
                state = State.NUMBER;
            }
            case '+', '-' -> {
                textLength = 0;
                state = State.TEXT;
            }
            default -> throw new MalformedReplyException("not a RESP2 reply type: byte " + (type & 0xff));
        }
        lineType = type;
    }

    private void readNumber(ByteBuf in) throws MalformedReplyException {
        while (in.isReadable()) {
            byte next = in.readByte();
            if (next == '\r') {
                if (digits == 0) {
                    throw new MalformedReplyException("a number without digits");
                }
                state = State.LINE_FEED;
                return;
            }
            if (next == '-' && digits == 0 && !negative) {
                negative = true;
                continue;
            }
            if (next < '0' || next > '9') {
                throw new MalformedReplyException("not a digit in a number: byte " + (next & 0xff));
            }
            int digit = next - '0';
            if (negatedNumber < (Long.MIN_VALUE + digit) / 10) {
                throw new MalformedReplyException("a number beyond 64 bits");
            }
            negatedNumber = negatedNumber * 10 - digit;
            digits++;
        }
    }

    private long number() throws MalformedReplyException {
        if (negative) {
            return negatedNumber;
        }
        if (negatedNumber == Long.MIN_VALUE) {
            throw new MalformedReplyException("a number beyond 64 bits");
        }
        return -negatedNumber;
    }

    private void readText(ByteBuf in) {
        int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\r');
        int count = (end < 0 ? in.writerIndex() : end) - in.readerIndex();
        if (textLength + count > text.length) {
            text = Arrays.copyOf(text, Math.max(2 * text.length, textLength + count));
        }
        in.readBytes(text, textLength, count);
        textLength += count;
        if (end >= 0) {
            in.skipBytes(1);
            state = State.LINE_FEED;
        }
    }

    private void endLine() throws MalformedReplyException {
        switch (lineType) {
            case ':' -> emit(NumberType.create(number()));
            case '$' -> startBulk(number());
            case '*' -> startArray(number());
            case '+' -> emit(textLength == 2 && text[0] == 'O' && text[1] == 'K' ? SimpleStringType.OK
                    : SimpleStringType.create(lineText()));
            default -> emit(ErrorType.create(lineText()));
        }
    }

    /** The line's text, read as the Vert.x client reads it: one character a byte. */
    private String lineText() {
        return new String(text, 0, textLength, StandardCharsets.ISO_8859_1);
    }

    private void startBulk(long length) throws MalformedReplyException {
        if (length == -1) {
            emit(null);
            return;
        }
        if (length < 0 || length > MAX_BULK_LENGTH) {
            throw new MalformedReplyException("a bulk string of length " + length);
        }
        if (length >= PooledReplies.MINIMUM_LENGTH && allocator != null && replyPooled.getAsBoolean()) {
            pooledBulk = PooledReplies.allocate(allocator, (int) length);
            state = State.BULK;
            return;
        }
        bulk = length == 0 ? NO_BYTES : new byte[(int) length];
        bulkFilled = 0;
        state = length == 0 ? State.BULK_CARRIAGE_RETURN : State.BULK;
    }

    private void readBulk(ByteBuf in) {
        if (pooledBulk != null) {
            int count = Math.min(in.readableBytes(), pooledBulk.writableBytes());
            pooledBulk.writeBytes(in, count);
            if (!pooledBulk.isWritable()) {
                state = State.BULK_CARRIAGE_RETURN;
            }
            return;
        }
        int count = Math.min(in.readableBytes(), bulk.length - bulkFilled);
        in.readBytes(bulk, bulkFilled, count);
        bulkFilled += count;
        if (bulkFilled == bulk.length) {
            state = State.BULK_CARRIAGE_RETURN;
        }
    }

    private void endBulk() {
        Response reply;
        if (pooledBulk != null) {
            reply = BulkType.create(Buffer.buffer(pooledBulk), false);
            pooledBulk = null;
        } else {
            // Wrapped, not copied: the reply keeps the array the socket's bytes were copied into.
            reply = bulk.length == 0 ? BulkType.EMPTY : BulkType.create(Buffer.buffer(Unpooled.wrappedBuffer(bulk)), false);
            bulk = null;
        }
        emit(reply);
    }

    /**
     * Releases the pooled buffers of the reply being read, which will never be whole: the connection is lost. The
     * parser must not be used again.
     */
    void discard() {
        discarded = true;
        if (pooledBulk != null) {
            PooledReplies.release(Buffer.buffer(pooledBulk));
            pooledBulk = null;
        }
        openArrays.forEach(PooledReplies::release);
        openArrays.clear();
    }

    private void startArray(long count) throws MalformedReplyException {
        if (count == -1) {
            emit(null);
            return;
        }
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw new MalformedReplyException("an array of length " + count);
        }
        if (count == 0) {
            emit(MultiType.EMPTY_MULTI);
            return;
        }
        openArrays.push(MultiType.create(count, false));
    }

    /** Adds a whole value to the innermost open array, closing every array it completes, or hands it on. */
    private void emit(Response value) {
        Response complete = value;
        while (!openArrays.isEmpty()) {
            MultiType innermost = openArrays.peek();
            innermost.add(complete);
            if (!innermost.complete()) {
                return;
            }
            openArrays.pop();
            complete = innermost;
        }
        replies.reply(complete);
    }

    private static void expect(byte actual, char expected) throws MalformedReplyException {
        if (actual != expected) {
            throw new MalformedReplyException("expected byte " + (int) expected + ", read " + (actual & 0xff));
        }
    }
}
