package io.pansaar.simulator.trace;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads libCacheSim's oracleGeneral binary format: 24-byte little-endian records of uint32
 * timestamp, uint64 object id, uint32 size and int64 next access vtime (ignored; the simulator
 * computes next uses itself).
 */
public final class OracleGeneralReader implements TraceReader {
    static final int RECORD_BYTES = 24;
    private final Path file;

    /** Reads the given (optionally gzip-compressed) file. */
    public OracleGeneralReader(Path file) {
        this.file = file;
    }

    @Override
    public Stream<Request> requests() throws IOException {
        DataInputStream input = new DataInputStream(TraceReader.open(file));
        byte[] record = new byte[RECORD_BYTES];
        ByteBuffer buffer = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        Spliterator<Request> records = new Spliterators.AbstractSpliterator<>(Long.MAX_VALUE, Spliterator.ORDERED) {
            @Override
            public boolean tryAdvance(Consumer<? super Request> action) {
                if (!readRecord(input, record)) {
                    return false;
                }
                long time = Integer.toUnsignedLong(buffer.getInt(0));
                long id = buffer.getLong(4);
                long size = Math.max(1, Integer.toUnsignedLong(buffer.getInt(12)));
                action.accept(new Request(time, id, size));
                return true;
            }
        };
        return StreamSupport.stream(records, false).onClose(() -> TraceReader.closeUnchecked(input));
    }

    private static boolean readRecord(DataInputStream input, byte[] record) {
        try {
            int first = input.read();
            if (first < 0) {
                return false;
            }
            record[0] = (byte) first;
            input.readFully(record, 1, RECORD_BYTES - 1);
            return true;
        } catch (EOFException e) {
            throw new IllegalArgumentException("oracle-general trace ends inside a 24-byte record", e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the oracle-general trace failed", e);
        }
    }
}
