package io.pansaar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prints a benchmark's markdown results between the marker lines that {@code benchmarks/run} copies into
 * docs/benchmarks.md ({@code <!-- benchmark:NAME -->} ... {@code <!-- /benchmark:NAME -->}), followed by the
 * machine's core count and load average, since the machine is shared and its load changes what a run measures.
 */
public final class BenchmarkTable {

    private static final Path LOAD_AVERAGE = Path.of("/proc/loadavg");

    private BenchmarkTable() {
    }

    /** Prints {@code markdown} (a table, and any lines that explain it) as the results of benchmark {@code name}. */
    public static void print(String name, String markdown) {
        String block = "<!-- benchmark:" + name + " -->\n" + markdown.strip() + "\n\n" + machine() + "\n<!-- /benchmark:"
                + name + " -->\n";
        // One write, so that log lines of other threads cannot land inside the block.
        System.out.print(block);
        System.out.flush();
    }

    /** The 1-, 5- and 15-minute load averages, as {@code uptime} shows them, or "unknown" off Linux. */
    public static String loadAverage() {
        if (!Files.isReadable(LOAD_AVERAGE)) {
            return "unknown";
        }
        try {
            String[] fields = Files.readString(LOAD_AVERAGE).trim().split("\\s+");
            return fields[0] + ", " + fields[1] + ", " + fields[2];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String machine() {
        return "Measured on " + Runtime.getRuntime().availableProcessors() + " cores; load average at the end of the run "
                + loadAverage() + " (1, 5, 15 min).";
    }
}
