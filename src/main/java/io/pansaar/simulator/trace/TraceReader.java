package io.pansaar.simulator.trace;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** A source of cache requests in trace order. */
public interface TraceReader {

    /** Returns the requests in trace order; the caller closes the stream. */
    Stream<Request> requests() throws IOException;

    /** Opens a file for reading, transparently decompressing it when it starts with the gzip magic bytes. */
    static InputStream open(Path file) throws IOException {
        InputStream input = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        input.mark(2);
        int first = input.read();
        int second = input.read();
        input.reset();
        if (first == 0x1f && second == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(input, 1 << 16), 1 << 16);
        }
        return input;
    }

    /** The requests of a text trace, one per non-blank line, each parsed by {@code parse}. */
    static Stream<Request> textLines(Path file, Function<String, Request> parse) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(open(file), StandardCharsets.US_ASCII));
        return reader.lines()
                .filter(line -> !line.isBlank())
                .map(parse)
                .onClose(() -> closeUnchecked(reader));
    }

    /** Closes a reader or stream from a stream's close handler, where checked exceptions cannot pass. */
    static void closeUnchecked(java.io.Closeable input) {
        try {
            input.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing the trace failed", e);
        }
    }
}
