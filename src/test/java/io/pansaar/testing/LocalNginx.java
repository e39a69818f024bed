package io.pansaar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code /usr/sbin/nginx} serving the files of a directory on a free loopback port, as a static file server
 * is deployed: keep-alive connections, sendfile, no access log. It runs in the foreground ({@code daemon off}) with
 * its configuration, pid file, error log and temporary directories in a directory of its own; closing it stops it.
 */
public final class LocalNginx implements AutoCloseable {

    private static final Path EXECUTABLE = Path.of("/usr/sbin/nginx");
    private static final Path MIME_TYPES = Path.of("/etc/nginx/mime.types");
    private static final Duration START = Duration.ofSeconds(10);

    private final Process process;
    private final int port;
    private final Path errorLog;

    private LocalNginx(Process process, int port, Path errorLog) {
        this.process = process;
        this.port = port;
        this.errorLog = errorLog;
    }

    /**
     * Starts nginx serving {@code root} with {@code workerProcesses} worker processes ("auto": one per core) and waits
     * until it accepts connections; fails with its error log when it exits first.
     */
    public static LocalNginx serve(Path root, String workerProcesses) {
        if (!Files.isExecutable(EXECUTABLE)) {
            throw new AssertionError(EXECUTABLE + " is missing: install Debian's nginx package");
        }
        int port = LocalRedisServer.freePort();
        try {
            Path directory = Files.createTempDirectory("pansaar-nginx-" + port + "-");
            // The workers run as the user named in the configuration; they must be able to enter the directories.
            readableByAll(directory);
            readableByAll(root);
            Path errorLog = directory.resolve("error.log");
            Path config = directory.resolve("nginx.conf");
            Files.writeString(config, configuration(directory, root, port, workerProcesses));
            Process process = new ProcessBuilder(EXECUTABLE.toString(), "-p", directory.toString(), "-c", config.toString(),
                    "-e", errorLog.toString(), "-g", "daemon off;")
                    .redirectErrorStream(true).redirectOutput(directory.resolve("nginx.out").toFile()).start();
            LocalNginx nginx = new LocalNginx(process, port, errorLog);
            nginx.awaitListening();
            return nginx;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL, {@code http://127.0.0.1:<port>}, without a trailing '/'. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** CPU time of the master and its workers so far. */
    public Duration cpuTime() {
        return Stream.concat(Stream.of(process.toHandle()), process.toHandle().descendants())
                .map(handle -> handle.info().totalCpuDuration().orElse(Duration.ZERO))
                .reduce(Duration.ZERO, Duration::plus);
    }

    @Override
    public void close() {
        // SIGTERM: nginx's fast shutdown; the workers exit with the master.
        process.destroy();
        try {
            if (!process.waitFor(START.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static String configuration(Path directory, Path root, int port, String workerProcesses) {
        return """
                # Written by LocalNginx: a static file server for one test run.
                # The workers run as this user, so they can read the test's temporary files.
                user %s;
                worker_processes %s;
                pid %s;
                events {
                    worker_connections 1024;
                }
                http {
                    include %s;
                    default_type application/octet-stream;
                    access_log off;
                    sendfile on;
                    tcp_nopush on;
                    keepalive_timeout 65s;
                    # The load generator keeps its connections for the whole run, as Pansaar lets it.
                    keepalive_requests 1000000;
                    client_body_temp_path %s;
                    proxy_temp_path %s;
                    fastcgi_temp_path %s;
                    uwsgi_temp_path %s;
                    scgi_temp_path %s;
                    server {
                        listen 127.0.0.1:%d;
                        root %s;
                    }
                }
                """.formatted(System.getProperty("user.name"), workerProcesses, directory.resolve("nginx.pid"), MIME_TYPES,
                directory.resolve("client_body"), directory.resolve("proxy"), directory.resolve("fastcgi"),
                directory.resolve("uwsgi"), directory.resolve("scgi"), port, root);
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("nginx exited with " + process.exitValue() + ":\n" + errorLogText());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                LocalRedisServer.sleep(50);
            }
        }
        close();
        throw new AssertionError("nginx did not listen on " + port + " within " + START + ":\n" + errorLogText());
    }

    private String errorLogText() {
        try {
            return Files.exists(errorLog) ? Files.readString(errorLog) : "(no error log)";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void readableByAll(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.toList()) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwxr-xr-x"
                        : "rw-r--r--"));
            }
        }
    }
}
