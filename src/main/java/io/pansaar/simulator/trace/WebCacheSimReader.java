package io.pansaar.simulator.trace;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Reads the webcachesim format: one request a line, {@code time id size}. */
public final class WebCacheSimReader implements TraceReader {
    private final Path file;

    /** Reads the given (optionally gzip-compressed) file. */
    public WebCacheSimReader(Path file) {
        this.file = file;
    }

    @Override
    public Stream<Request> requests() throws IOException {
        return TraceReader.textLines(file, WebCacheSimReader::parse);
    }

    static Request parse(String line) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length < 3) {
            throw new IllegalArgumentException("webcachesim line needs 'time id size': " + line);
        }
        return new Request(Long.parseLong(fields[0]), Long.parseLong(fields[1]), Math.max(1, Long.parseLong(fields[2])));
    }
}
