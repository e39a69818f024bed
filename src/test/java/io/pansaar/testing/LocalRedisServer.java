package io.pansaar.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code redis-server} process on a free loopback port, with persistence off, in its own
 * temporary directory. Closing it stops the process.
 */
public final class LocalRedisServer implements AutoCloseable {

    private final int port;
    private final Path directory;
    private final List<String> command;
    private volatile Process process;

    private LocalRedisServer(int port, Path directory, List<String> command, Process process) {
        this.port = port;
        this.directory = directory;
        this.command = command;
        this.process = process;
    }

    /** Starts a stand-alone server. */
    public static LocalRedisServer start() {
        return start(List.of());
    }

    /** Starts a server with extra {@code redis-server} arguments, such as {@code --cluster-enabled yes}. */
    public static LocalRedisServer start(List<String> extraArguments) {
        int port = freePort();
        Path directory;
        try {
            directory = Files.createTempDirectory("pansaar-redis-" + port + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(executable(), "--port", String.valueOf(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                "--logfile", directory.resolve("redis.log").toString()));
        command.addAll(extraArguments);
        LocalRedisServer server = new LocalRedisServer(port, directory, List.copyOf(command), launch(command, directory));
        server.awaitListening(Duration.ofSeconds(10));
        return server;
    }

    /**
     * Starts a server that writes every change to its append-only file before answering ({@code appendfsync
     * always}), so {@link #restart()} after a kill brings back everything it acknowledged.
     */
    public static LocalRedisServer startPersistent() {
        return start(List.of("--appendonly", "yes", "--appendfsync", "always"));
    }

    /** Kills the process (SIGKILL, as a crash) and starts it again on the same port, directory and arguments. */
    public void restart() {
        kill();
        process = launch(command, directory);
        awaitListening(Duration.ofSeconds(30));
    }

    /** Stops the process (SIGSTOP): it keeps its connections but answers nothing until {@link #resume()}. */
    public void pause() {
        signal("STOP");
    }

    /** Lets a paused process run again (SIGCONT). */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Process launch(List<String> command, Path directory) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("stdout.log").toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start redis-server; install it (Debian: apt-get install redis-server)", e);
        }
    }

    public int port() {
        return port;
    }

    /** The URI the Quarkus Redis client takes, {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills the process at once (SIGKILL), as a crash would. */
    public void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            // A stopped process would not act on SIGTERM until continued.
            resume();
        }
        process.destroy();
        waitForExit();
        deleteRecursively(directory.toFile());
    }

    private void waitForExit() {
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited at start-up with code " + process.exitValue()
                        + "; see " + directory.resolve("redis.log"));
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                sleep(20);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server did not listen on port " + port + " within " + timeout);
    }

    static String executable() {
        String override = System.getenv("PANSAAR_TEST_REDIS_SERVER");
        if (override != null && !override.isBlank()) {
            return override;
        }
        for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        return "redis-server";
    }

    /** A loopback port free at the time of the call, for a server a test starts. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteRecursively(File file) {
        File[] children = file.listFiles();
        if (children != null) {
            for (File child : children) {
                deleteRecursively(child);
            }
        }
        if (!file.delete() && file.exists()) {
            file.deleteOnExit();
        }
    }
}
