package io.pansaar.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop Redis load generator for benchmarks: each of its connections sends one read (one command, or
 * several pipelined in one write) and waits for every reply before the next, as an app server's request does.
 * Requests are encoded once, up front, and replies are skipped without being decoded, so the generator costs the
 * same per round trip whatever is read, and the ratio between two reads measured alike is Redis' own. An error
 * reply fails the run: a benchmark of errors measures nothing.
 */
public final class RespLoad {

    /** One read: the commands sent together, each as its arguments. */
    public record Read(List<List<String>> commands) {

        /** A read of a single command. */
        public static Read of(String... command) {
            return new Read(List.of(List.of(command)));
        }

        /** A read of several commands pipelined in one round trip. */
        public static Read pipelined(List<List<String>> commands) {
            return new Read(commands);
        }

        byte[] encoded() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (List<String> command : commands) {
                write(out, "*" + command.size() + "\r\n");
                for (String argument : command) {
                    byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
                    write(out, "$" + bytes.length + "\r\n");
                    out.writeBytes(bytes);
                    write(out, "\r\n");
                }
            }
            return out.toByteArray();
        }

        private static void write(ByteArrayOutputStream out, String text) {
            out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private RespLoad() {
    }

    /**
     * Runs {@code connections} connections for {@code millis}, each sending the reads in turn, and returns the round
     * trips completed per second.
     */
    public static double readsPerSecond(String host, int port, int connections, long millis, List<Read> reads)
            throws InterruptedException {
        List<byte[]> encoded = reads.stream().map(Read::encoded).toList();
        int[] replies = reads.stream().mapToInt(read -> read.commands().size()).toArray();
        LongAdder completed = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < connections; c++) {
            int first = c;
            Thread thread = new Thread(() -> {
                try (Socket socket = new Socket(host, port)) {
                    socket.setTcpNoDelay(true);
                    OutputStream out = socket.getOutputStream();
                    InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
                    for (int i = first; running.get(); i++) {
                        int which = i % encoded.size();
                        out.write(encoded.get(which));
                        for (int r = 0; r < replies[which]; r++) {
                            skipReply(in);
                        }
                        completed.increment();
                    }
                } catch (IOException | RuntimeException e) {
                    failures.add(e);
                }
            }, "resp-load-" + c);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        // Counted from a common start, after every connection is open and sending.
        Thread.sleep(200);
        long start = System.nanoTime();
        long before = completed.sum();
        Thread.sleep(millis);
        long after = completed.sum();
        double seconds = (System.nanoTime() - start) / 1e9;
        running.set(false);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("the load failed: " + failures.get(0), failures.get(0));
        }
        return (after - before) / seconds;
    }

    /** Reads one RESP2 reply and throws it away; an error reply fails. */
    private static void skipReply(InputStream in) throws IOException {
        int type = in.read();
        switch (type) {
            case '+', ':' -> line(in);
            case '-' -> throw new IllegalStateException("Redis answered an error: " + line(in));
            case '$' -> {
                long length = Long.parseLong(line(in));
                if (length >= 0) {
                    skip(in, length + 2);
                }
            }
            case '*' -> {
                long count = Long.parseLong(line(in));
                for (long i = 0; i < count; i++) {
                    skipReply(in);
                }
            }
            case -1 -> throw new UncheckedIOException(new IOException("Redis closed the connection"));
            default -> throw new IllegalStateException("not a RESP2 reply: type byte " + type);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        int b;
        while ((b = in.read()) != '\r') {
            if (b == -1) {
                throw new IOException("Redis closed the connection mid-reply");
            }
            text.append((char) b);
        }
        in.read(); // the \n
        return text.toString();
    }

    private static void skip(InputStream in, long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() == -1) {
                    throw new IOException("Redis closed the connection mid-reply");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }
}
