package io.pansaar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code wrk} HTTP load generator (the Debian package's {@code /usr/bin/wrk}), run against a server with a Lua
 * script that rotates over a list of paths, and its report parsed.
 */
public final class Wrk {

    private static final Path EXECUTABLE = Path.of("/usr/bin/wrk");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m), ([\\d.]+)(B|KB|MB|GB|TB) read");
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.000)?%\\s+([\\d.]+)(us|ms|s|m)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    /**
     * One run's report.
     *
     * @param requests responses received in the run
     * @param bytesRead bytes received, headers included
     * @param requestsPerSecond responses per second
     * @param p50Micros median latency
     * @param p99Micros 99th percentile latency
     * @param non2xx responses with a status other than 2xx or 3xx
     * @param socketErrors connect, read, write errors and timeouts together
     */
    public record Result(long requests, long bytesRead, double requestsPerSecond, double p50Micros, double p99Micros,
            long non2xx, long socketErrors) {
    }

    private final Path script;
    private final int threads;
    private final int connections;

    private Wrk(Path script, int threads, int connections) {
        this.script = script;
        this.threads = threads;
        this.connections = connections;
    }

    /** A wrk with {@code threads} threads and {@code connections} keep-alive connections, requesting {@code paths} in turn. */
    public static Wrk rotating(List<String> paths, int threads, int connections) {
        if (!Files.isExecutable(EXECUTABLE)) {
            throw new AssertionError(EXECUTABLE + " is missing: install Debian's wrk package");
        }
        StringBuilder lua = new StringBuilder("-- Requests these paths in turn; each thread formats them once, up front.\n");
        lua.append("local paths = {\n");
        for (String path : paths) {
            lua.append("  \"").append(path).append("\",\n");
        }
        lua.append("}\n");
        lua.append("""
                local requests = {}
                local next = 0
                function init(args)
                  for i, path in ipairs(paths) do
                    requests[i] = wrk.format("GET", path)
                  end
                end
                function request()
                  next = next % #requests + 1
                  return requests[next]
                end
                """);
        try {
            Path script = Files.createTempFile("pansaar-wrk-", ".lua");
            Files.writeString(script, lua.toString());
            return new Wrk(script, threads, connections);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs wrk against {@code baseUrl} for {@code duration} and returns its report. */
    public Result run(String baseUrl, Duration duration) {
        List<String> command = new ArrayList<>(List.of(EXECUTABLE.toString(), "-t" + threads, "-c" + connections,
                "-d" + duration.toSeconds() + "s", "--latency", "-s", script.toString(), baseUrl));
        String output;
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = process.waitFor();
            if (exit != 0) {
                throw new AssertionError("wrk exited with " + exit + ":\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while wrk ran", e);
        }
        return parse(output);
    }

    /** Parses wrk's {@code --latency} report. */
    static Result parse(String output) {
        Matcher requests = find(REQUESTS, output);
        Matcher rate = find(RATE, output);
        double p50 = -1;
        double p99 = -1;
        Matcher percentile = PERCENTILE.matcher(output);
        while (percentile.find()) {
            double micros = micros(Double.parseDouble(percentile.group(2)), percentile.group(3));
            if (percentile.group(1).equals("50")) {
                p50 = micros;
            } else {
                p99 = micros;
            }
        }
        if (p50 < 0 || p99 < 0) {
            throw new AssertionError("wrk printed no latency distribution:\n" + output);
        }
        Matcher non2xx = NON_2XX.matcher(output);
        Matcher errors = SOCKET_ERRORS.matcher(output);
        long socketErrors = 0;
        if (errors.find()) {
            for (int group = 1; group <= 4; group++) {
                socketErrors += Long.parseLong(errors.group(group));
            }
        }
        return new Result(Long.parseLong(requests.group(1)),
                (long) (Double.parseDouble(requests.group(4)) * bytesPerUnit(requests.group(5))),
                Double.parseDouble(rate.group(1)), p50, p99, non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0,
                socketErrors);
    }

    private static Matcher find(Pattern pattern, String output) {
        Matcher matcher = pattern.matcher(output);
        if (!matcher.find()) {
            throw new AssertionError("wrk's report has no " + pattern + ":\n" + output);
        }
        return matcher;
    }

    private static double micros(double value, String unit) {
        return switch (unit) {
            case "us" -> value;
            case "ms" -> value * 1_000;
            case "s" -> value * 1_000_000;
            case "m" -> value * 60_000_000;
            default -> throw new IllegalArgumentException("unknown time unit " + unit);
        };
    }

    private static long bytesPerUnit(String unit) {
        // wrk scales by 1024 (its units.c), and prints two decimals.
        return switch (unit.toUpperCase(Locale.ROOT)) {
            case "B" -> 1L;
            case "KB" -> 1L << 10;
            case "MB" -> 1L << 20;
            case "GB" -> 1L << 30;
            case "TB" -> 1L << 40;
            default -> throw new IllegalArgumentException("unknown size unit " + unit);
        };
    }
}
