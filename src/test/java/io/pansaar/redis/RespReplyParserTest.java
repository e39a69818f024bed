package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.IllegalReferenceCountException;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;

/**
 * Every reply shape the read connections may see, fed to the parser whole, split at every byte, a byte at a time,
 * and several in one socket read; every socket buffer must come back released.
 */
class RespReplyParserTest {

    /** A reply's bytes as Redis sends them (RESP2), and the parsed reply as {@link ReplyShapes#describe} gives it. */
    private record Shape(byte[] wire, String parsed) {

        Shape(String wire, String parsed) {
            this(wire.getBytes(StandardCharsets.ISO_8859_1), parsed);
        }
    }

    private static final byte[] IMAGE = image(3_000);

    private static final List<Shape> SHAPES = List.of(
            new Shape("+OK\r\n", "simple(OK)"),
            new Shape("+PONG\r\n", "simple(PONG)"),
            new Shape("-ERR Function not found\r\n", "error(ERR Function not found)"),
            new Shape("-OOM command not allowed when used memory > 'maxmemory'.\r\n",
                    "error(OOM command not allowed when used memory > 'maxmemory'.)"),
            new Shape("-PANSAAR_BAD_ARGUMENT fence must be an integer\r\n",
                    "error(PANSAAR_BAD_ARGUMENT fence must be an integer)"),
            new Shape(":0\r\n", "number(0)"),
            new Shape(":-42\r\n", "number(-42)"),
            new Shape(":9223372036854775807\r\n", "number(9223372036854775807)"),
            new Shape(":-9223372036854775808\r\n", "number(-9223372036854775808)"),
            new Shape("$-1\r\n", "nil"),
            new Shape("$0\r\n\r\n", "bulk()"),
            new Shape("$5\r\nhello\r\n", "bulk(hello)"),
            new Shape("$7\r\n\r\n$-1\r\n\r\n", "bulk(\r\n$-1\r\n)"),
            new Shape(bulk(IMAGE), "bulk(" + new String(IMAGE, StandardCharsets.ISO_8859_1) + ")"),
            new Shape("*-1\r\n", "nil"),
            new Shape("*0\r\n", "[]"),
            new Shape("*2\r\n$4\r\nbody\r\n$-1\r\n", "[bulk(body), nil]"),
            new Shape("*2\r\n$-1\r\n$-1\r\n", "[nil, nil]"),
            new Shape("*5\r\n$3\r\nHIT\r\n:86400000\r\n:0\r\n$0\r\n\r\n$0\r\n\r\n",
                    "[bulk(HIT), number(86400000), number(0), bulk(), bulk()]"),
            new Shape("*4\r\n*2\r\n:1\r\n$1\r\nx\r\n*0\r\n-ERR inside\r\n*-1\r\n",
                    "[[number(1), bulk(x)], [], error(ERR inside), nil]"),
            new Shape("*1\r\n*1\r\n*2\r\n:7\r\n+deep\r\n", "[[[number(7), simple(deep)]]]"));

    @Test
    void everyShapeWholeAndSplitAtEveryByte() {
        for (Shape shape : SHAPES) {
            assertEquals(List.of(shape.parsed()), parse(List.of(shape.wire())), "whole");
            for (int split = 1; split < shape.wire().length; split++) {
                List<byte[]> reads = List.of(Arrays.copyOfRange(shape.wire(), 0, split),
                        Arrays.copyOfRange(shape.wire(), split, shape.wire().length));
                assertEquals(List.of(shape.parsed()), parse(reads), "split after byte " + split);
            }
        }
    }

    @Test
    void everyShapeOneByteAtATime() {
        for (Shape shape : SHAPES) {
            List<byte[]> reads = new ArrayList<>();
            for (byte single : shape.wire()) {
                reads.add(new byte[] { single });
            }
            assertEquals(List.of(shape.parsed()), parse(reads));
        }
    }

    @Test
    void severalRepliesInOneReadAndSplitAnywhere() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        SHAPES.forEach(shape -> all.writeBytes(shape.wire()));
        byte[] wire = all.toByteArray();
        List<String> expected = SHAPES.stream().map(Shape::parsed).toList();
        assertEquals(expected, parse(List.of(wire)));
        for (int split = 1; split < wire.length; split += 7) {
            int second = Math.min(wire.length, split + 4_000);
            List<byte[]> reads = List.of(Arrays.copyOfRange(wire, 0, split), Arrays.copyOfRange(wire, split, second),
                    Arrays.copyOfRange(wire, second, wire.length));
            assertEquals(expected, parse(reads), "split after bytes " + split + " and " + second);
        }
    }

    @Test
    void aBulkStringIsOneArrayOfItsOwnSizeHoldingTheBytes() {
        List<Response> replies = new ArrayList<>();
        RespReplyParser parser = new RespReplyParser(replies::add);
        byte[] wire = bulk(IMAGE);
        // Across three socket reads, as a 20 KB reply arrives.
        for (int[] range : new int[][] { { 0, 700 }, { 700, 2_100 }, { 2_100, wire.length } }) {
            ByteBuf read = socketRead(Arrays.copyOfRange(wire, range[0], range[1]));
            assertParses(parser, read);
            assertEquals(0, read.refCnt());
        }
        ByteBuf body = replies.get(0).toBuffer().getByteBuf();
        assertTrue(body.hasArray());
        assertEquals(0, body.arrayOffset());
        assertEquals(IMAGE.length, body.array().length);
        assertArrayEquals(IMAGE, replies.get(0).toBytes());
    }

    @Test
    void aPooledReplysLongBulkStringsAreOffTheHeapUntilReleased() {
        List<Response> replies = new ArrayList<>();
        RespReplyParser parser = new RespReplyParser(replies::add, PooledByteBufAllocator.DEFAULT, () -> true);
        long heldBefore = PooledReplies.held();
        byte[] shortField = image(PooledReplies.MINIMUM_LENGTH - 1);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes("*2\r\n".getBytes(StandardCharsets.US_ASCII));
        wire.writeBytes(bulk(IMAGE));
        wire.writeBytes(bulk(shortField));
        byte[] bytes = wire.toByteArray();
        // Across three socket reads, the body split twice.
        for (int[] range : new int[][] { { 0, 700 }, { 700, 2_100 }, { 2_100, bytes.length } }) {
            assertParses(parser, socketRead(Arrays.copyOfRange(bytes, range[0], range[1])));
        }
        Response reply = replies.get(0);
        assertTrue(PooledReplies.isPooled(reply.get(0).toBuffer()), "the body is in a pooled buffer");
        assertFalse(PooledReplies.isPooled(reply.get(1).toBuffer()), "a short field stays on the heap");
        assertArrayEquals(IMAGE, reply.get(0).toBytes());
        assertArrayEquals(shortField, reply.get(1).toBytes());
        assertEquals(heldBefore + 1, PooledReplies.held());

        PooledReplies.release(reply);
        assertEquals(heldBefore, PooledReplies.held());
        assertThrows(IllegalReferenceCountException.class, () -> PooledReplies.release(reply),
                "a second release fails rather than freeing a buffer twice");
    }

    @Test
    void aReplyNotAskedToBePooledStaysOnTheHeap() {
        List<Response> replies = new ArrayList<>();
        RespReplyParser parser = new RespReplyParser(replies::add, PooledByteBufAllocator.DEFAULT, () -> false);
        assertParses(parser, socketRead(bulk(IMAGE)));
        assertFalse(PooledReplies.isPooled(replies.get(0).toBuffer()));
        assertArrayEquals(IMAGE, replies.get(0).toBytes());
    }

    @Test
    void discardingALostConnectionsParserReleasesTheReplyItWasReading() {
        long heldBefore = PooledReplies.held();
        byte[] body = bulk(IMAGE);
        // One pooled body whole inside an unfinished array, and a second one half read.
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes("*3\r\n".getBytes(StandardCharsets.US_ASCII));
        wire.writeBytes(body);
        wire.writeBytes(Arrays.copyOf(body, body.length / 2));
        List<Response> replies = new ArrayList<>();
        RespReplyParser parser = new RespReplyParser(replies::add, PooledByteBufAllocator.DEFAULT, () -> true);
        assertParses(parser, socketRead(wire.toByteArray()));
        assertEquals(List.of(), replies);
        assertEquals(heldBefore + 2, PooledReplies.held());

        parser.discard();
        assertEquals(heldBefore, PooledReplies.held());
        ByteBuf rest = socketRead(Arrays.copyOfRange(body, body.length / 2, body.length));
        assertParses(parser, rest);
        assertEquals(0, rest.refCnt(), "what arrives after is released unread");
        assertEquals(List.of(), replies);
    }

    @Test
    void anErrorReplyIsTheVertxErrorTypeThatFailuresAreRecognisedBy() {
        List<Response> replies = new ArrayList<>();
        RespReplyParser parser = new RespReplyParser(replies::add);
        assertParses(parser, socketRead("-ERR Function not found\r\n-OOM command not allowed\r\n".getBytes(StandardCharsets.US_ASCII)));
        ErrorType missing = assertInstanceOf(ErrorType.class, replies.get(0));
        assertTrue(FunctionLibrary.isFunctionMissing(missing));
        assertTrue(RedisFailures.isPassing(assertInstanceOf(ErrorType.class, replies.get(1))));
    }

    @Test
    void malformedBytesFailAndTheBufferIsStillReleased() {
        for (String malformed : List.of("?x\r\n", ":12a\r\n", ":\r\n", "$-2\r\n", ":1\rX", "$1\r\nab\r\n",
                ":9223372036854775808\r\n", "*-5\r\n")) {
            ByteBuf read = socketRead(malformed.getBytes(StandardCharsets.US_ASCII));
            RespReplyParser parser = new RespReplyParser(reply -> {
            });
            assertThrows(RespReplyParser.MalformedReplyException.class, () -> parser.parse(read), malformed);
            assertEquals(0, read.refCnt(), malformed);
        }
    }

    /** Parses the socket reads in turn and describes every reply; each read must be released. */
    private static List<String> parse(List<byte[]> reads) {
        List<String> replies = new ArrayList<>();
        RespReplyParser parser = new RespReplyParser(reply -> replies.add(ReplyShapes.describe(reply)));
        for (byte[] bytes : reads) {
            ByteBuf read = socketRead(bytes);
            assertParses(parser, read);
            assertEquals(0, read.refCnt(), "a socket read was not released");
        }
        return replies;
    }

    private static void assertParses(RespReplyParser parser, ByteBuf read) {
        try {
            parser.parse(read);
        } catch (RespReplyParser.MalformedReplyException e) {
            throw new AssertionError(e);
        }
    }

    /** A buffer like Netty's socket reads: pooled, off the heap. */
    private static ByteBuf socketRead(byte[] bytes) {
        ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
        return read.writeBytes(bytes);
    }

    private static byte[] bulk(byte[] content) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(("$" + content.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        wire.writeBytes(content);
        wire.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return wire.toByteArray();
    }

    /** Bytes of every value, carriage returns and line feeds among them, as an image's are. */
    private static byte[] image(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + i / 256);
        }
        return bytes;
    }
}
