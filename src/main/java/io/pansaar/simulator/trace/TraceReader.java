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
import java.time.DateTimeException;
import java.util.concurrent.atomic.AtomicLong;
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

    /**
     * The requests of a text trace, one per non-blank line, each parsed by {@code parse}; a line that does not parse
     * fails the stream with an IllegalArgumentException naming the file, the line number and the line.
     */
    static Stream<Request> textLines(Path file, Function<String, Request> parse) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(open(file), StandardCharsets.US_ASCII));
        // The stream is sequential and each line passes every stage before the next is read, so the count taken
        // as a line enters is its number when it is parsed.
        AtomicLong lineNumber = new AtomicLong();
        return reader.lines()
                .peek(line -> lineNumber.incrementAndGet())
                .filter(line -> !line.isBlank())
                .map(line -> parseLine(file, lineNumber.get(), line, parse))
                .onClose(() -> closeUnchecked(reader));
    }

    private static Request parseLine(Path file, long lineNumber, String line, Function<String, Request> parse) {
        try {
            return parse.apply(line);
        } catch (IllegalArgumentException | DateTimeException e) {
            // A bare "For input string" says neither where nor what: name the file, the line and the cause.
            throw new IllegalArgumentException(file.getFileName() + " line " + lineNumber + " does not parse ("
                    + e.getMessage() + "): " + abbreviated(line), e);
        }
    }

    /** The line as shown in an error: a binary file read as text must not flood the terminal. */
    private static String abbreviated(String line) {
        return line.length() <= 120 ? line : line.substring(0, 120) + "...";
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
