package io.pansaar.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hostile HTTP origin for tests: a raw {@link ServerSocket} on a free loopback port that answers the
 * first request of every connection with exactly the bytes it was given, then ends the connection as
 * told. It sends what no well-behaved server would: broken status lines, conflicting lengths, bodies
 * shorter than declared.
 *
 * <pre>{@code
 * try (RawHttpOrigin origin = RawHttpOrigin.start(
 *         "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", RawHttpOrigin.Ending.HOLD)) {
 *     // fetch origin.url("a.png") ...
 *     assertEquals(1, origin.requests());
 * }
 * }</pre>
 */
public final class RawHttpOrigin implements AutoCloseable {

    /** What the origin does with a connection once its answer is written. */
    public enum Ending {
        /** Closes it in good order (FIN), as a server that considers its answer complete does. */
        CLOSE,
        /** Resets it (RST), as a crashed host or a broken network path does. */
        RESET,
        /** Keeps it open until the client closes it, so only what was sent can end the exchange. */
        HOLD
    }

    private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};

    private final ServerSocket server;
    private final byte[] answer;
    private final Ending ending;
    private final AtomicInteger requests = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private RawHttpOrigin(ServerSocket server, byte[] answer, Ending ending) {
        this.server = server;
        this.answer = answer.clone();
        this.ending = ending;
    }

    /** Starts an origin on a free port of 127.0.0.1 that answers every request with {@code answer}. */
    public static RawHttpOrigin start(byte[] answer, Ending ending) {
        ServerSocket server;
        try {
            server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the raw origin's port", e);
        }
        RawHttpOrigin origin = new RawHttpOrigin(server, answer, ending);
        Thread acceptor = new Thread(origin::accept, "raw-origin-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        return origin;
    }

    /** Starts an origin answering with {@code answer}'s characters as bytes (ISO-8859-1, so "\r\n" stays two bytes). */
    public static RawHttpOrigin start(String answer, Ending ending) {
        return start(answer.getBytes(StandardCharsets.ISO_8859_1), ending);
    }

    /** The origin's base URL, {@code http://127.0.0.1:<port>/}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/";
    }

    /** How many requests arrived (one per connection, since no connection is answered twice). */
    public int requests() {
        return requests.get();
    }

    /** Stops accepting and closes every connection still open. */
    @Override
    public void close() {
        try {
            server.close();
            for (Socket socket : open) {
                socket.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException stopped) {
                // close() closed the server socket; there is nothing more to accept.
                return;
            }
            open.add(socket);
            Thread answering = new Thread(() -> answer(socket), "raw-origin-answer-" + socket.getPort());
            answering.setDaemon(true);
            answering.start();
        }
    }

    private void answer(Socket socket) {
        try (socket) {
            if (!readRequestHead(socket.getInputStream())) {
                return;
            }
            requests.incrementAndGet();
            socket.getOutputStream().write(answer);
            socket.getOutputStream().flush();
            switch (ending) {
                case CLOSE -> socket.close();
                case RESET -> {
                    // A zero linger time makes close() send RST instead of FIN.
                    socket.setSoLinger(true, 0);
                    socket.close();
                }
                case HOLD -> waitForTheClientToClose(socket.getInputStream());
            }
        } catch (SocketException clientGone) {
            // The client closed or reset the connection while the answer was written or held, as the tests provoke;
            // there is nobody left to answer.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            open.remove(socket);
        }
    }

    /** Reads up to the blank line that ends a request head; false when the client closed the connection first. */
    private static boolean readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        while (matched < END_OF_HEAD.length) {
            int next = in.read();
            if (next < 0) {
                return false;
            }
            matched = next == END_OF_HEAD[matched] ? matched + 1 : (next == '\r' ? 1 : 0);
        }
        return true;
    }

    private static void waitForTheClientToClose(InputStream in) throws IOException {
        byte[] discard = new byte[1024];
        while (in.read(discard) >= 0) {
            // A client may send another request on a kept-alive connection; it gets no answer.
        }
    }
}
