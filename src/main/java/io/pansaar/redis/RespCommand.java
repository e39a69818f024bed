package io.pansaar.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * A Redis command as {@link FunctionCalls#sendEach} takes it: its name and arguments, kept as the bytes Redis
 * receives. The read connections ({@link ReadConnections}) write it as a RESP array of bulk strings themselves; the
 * pooled and cluster connections take it as a Vert.x {@link Request} ({@link #toRequest()}).
 */
public final class RespCommand {

    private final String name;
    private final byte[] nameBytes;
    private final List<byte[]> arguments = new ArrayList<>(8);
    /** Whether the read connections keep this command's long bulk strings in pooled buffers. */
    boolean pooledReply;

    private RespCommand(String name) {
        this.name = name;
        this.nameBytes = name.getBytes(StandardCharsets.US_ASCII);
    }

    /** A command named as Redis spells it ({@code "HMGET"}), without arguments yet. */
    public static RespCommand cmd(String name) {
        return new RespCommand(name);
    }

    /** Adds an argument, sent as it is. */
    public RespCommand arg(byte[] argument) {
        arguments.add(argument);
        return this;
    }

    /** Adds an argument, sent as UTF-8. */
    public RespCommand arg(String argument) {
        return arg(argument.getBytes(StandardCharsets.UTF_8));
    }

    /** Adds a number argument, sent in decimal. */
    public RespCommand arg(long argument) {
        return arg(Long.toString(argument).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Asks the read connections to keep the long bulk strings of this command's reply (an image's body) in pooled
     * buffers off the heap, which whoever receives the reply releases once ({@link PooledReplies}). The pooled and
     * cluster connections give replies on the heap, which need no release.
     */
    public RespCommand pooledReply() {
        pooledReply = true;
        return this;
    }

    /** The same command for the Vert.x client, which knows from its name where its keys are (Redis Cluster). */
    public Request toRequest() {
        Request request = Request.cmd(Command.create(name));
        arguments.forEach(request::arg);
        return request;
    }

    /** How many bytes {@link #encodeInto} writes. */
    int encodedLength() {
        int length = 1 + decimalLength(arguments.size() + 1) + 2 + bulkLength(nameBytes);
        for (byte[] argument : arguments) {
            length += bulkLength(argument);
        }
        return length;
    }

    /** Writes the command as Redis reads it: an array of bulk strings, the name first. */
    void encodeInto(ByteBuf out) {
        out.writeByte('*');
        writeDecimal(out, arguments.size() + 1);
        writeLineEnd(out);
        writeBulk(out, nameBytes);
        for (byte[] argument : arguments) {
            writeBulk(out, argument);
        }
    }

    private static int bulkLength(byte[] bytes) {
        return 1 + decimalLength(bytes.length) + 2 + bytes.length + 2;
    }

    private static void writeBulk(ByteBuf out, byte[] bytes) {
        out.writeByte('$');
        writeDecimal(out, bytes.length);
        writeLineEnd(out);
        out.writeBytes(bytes);
        writeLineEnd(out);
    }

    private static void writeLineEnd(ByteBuf out) {
        out.writeByte('\r');
        out.writeByte('\n');
    }

    private static int decimalLength(int value) {
        int digits = 1;
        for (int rest = value / 10; rest > 0; rest /= 10) {
            digits++;
        }
        return digits;
    }

    /** Writes a length (never negative) in ASCII decimal. */
    private static void writeDecimal(ByteBuf out, int value) {
        int divisor = 1;
        for (int rest = value / 10; rest > 0; rest /= 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            out.writeByte('0' + value / divisor % 10);
        }
    }

    @Override
    public String toString() {
        return name + " (" + arguments.size() + " arguments)";
    }
}
