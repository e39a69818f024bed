package io.pansaar.simulator.trace;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.stream.Stream;

/**
 * Reads the Tencent QQPhoto CDN trace (SNIA IOTTA 27476): {@code YYYYMMDDHHMMSS photo_id format
 * size_class returned_size hit terminal response_ms}; the object is photo_id + format + size_class.
 */
public final class TencentPhotoReader implements TraceReader {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");
    private final Path file;

    /** Reads the given (optionally gzip-compressed) file. */
    public TencentPhotoReader(Path file) {
        this.file = file;
    }

    @Override
    public Stream<Request> requests() throws IOException {
        return TraceReader.textLines(file, TencentPhotoReader::parse);
    }

    static Request parse(String line) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length < 5) {
            throw new IllegalArgumentException("tencent-photo line needs at least 5 columns: " + line);
        }
        long seconds = LocalDateTime.parse(fields[0], TIMESTAMP).toEpochSecond(ZoneOffset.UTC);
        // A 64-bit hash of the composite key; collisions among ~10^4..10^8 objects are negligible.
        long id = fnv1a64(fields[1] + ':' + fields[2] + ':' + fields[3]);
        // The trace records some zero-byte responses; they still occupy a cache slot.
        long size = Math.max(1, Long.parseLong(fields[4]));
        return new Request(seconds, id, size);
    }

    private static long fnv1a64(String text) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            hash ^= text.charAt(i);
            hash *= 0x100000001b3L;
        }
        return hash;
    }
}
