package io.pansaar.simulator;

import io.pansaar.simulator.policy.ChangeModel;
import io.pansaar.simulator.policy.Freshness;
import io.pansaar.simulator.policy.PansaarSettings;
import io.pansaar.simulator.policy.Policies;
import io.pansaar.simulator.policy.PolicyStats;
import io.pansaar.simulator.trace.OracleGeneralReader;
import io.pansaar.simulator.trace.Request;
import io.pansaar.simulator.trace.SyntheticTraceReader;
import io.pansaar.simulator.trace.TencentPhotoReader;
import io.pansaar.simulator.trace.TraceReader;
import io.pansaar.simulator.trace.WebCacheSimReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulator's command line: {@code simulate --trace FILE --format FORMAT --capacity C --policies P1,P2 [--csv]},
 * or with {@code --repeat N} a replay-speed benchmark of the same policies.
 */
public final class SimulatorCommand {
    /** The exact CSV header printed with --csv. */
    public static final String CSV_HEADER =
            "policy,capacity_bytes,requests,object_hit_ratio,byte_hit_ratio,origin_fetches,stale_hit_ratio";
    /** The exact CSV header printed with --base-ttl sweep --csv. */
    public static final String SWEEP_CSV_HEADER = "policy,base_ttl,capacity_bytes,requests,object_hit_ratio,"
            + "byte_hit_ratio,origin_fetches,stale_hit_ratio,within_budget,replays";
    static final int USAGE_ERROR = 2;
    /** The stale-hit budget a base TTL sweep holds the baselines to unless told: Pansaar's own, 1% of hits. */
    static final double DEFAULT_STALE_BUDGET = 0.01;
    /** The default base TTL: an hour on a clock of seconds, 3600 requests on a request counter. */
    static final long DEFAULT_BASE_TTL = 3600;
    /** The policy whose replay speed the others are compared with under --repeat. */
    static final String SPEED_BASELINE = "lru";
    static final List<String> FORMATS = List.of("webcachesim", "tencent-photo", "oracle-general", "synthetic:<spec>");
    private static final String USAGE = "usage: simulate --trace FILE --format " + String.join("|", FORMATS)
            + " --capacity PERCENT%|BYTES[KB|MB|GB|KiB|MiB|GiB] --policies " + String.join(",", Policies.NAMES) + " [--base-ttl CLOCK_UNITS|off|sweep [--stale-budget PERCENT%]] [--fold-interval CLOCK_UNITS] [--half-life CLOCK_UNITS] [--newcomer-penalty HALF_LIVES] [--tuner-sample SHARE [--tuner-sample-seed N]] [--tuner-window requests|half-lives] [--partitions N] [--csv | --repeat N]"
            + "\n  (with --format synthetic:<spec>, --trace may be omitted)";
    private static final Pattern CAPACITY = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(%|B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?");
    private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)%");
    private static final Map<String, Long> UNITS = Map.of("B", 1L, "KB", 1000L, "MB", 1000_000L, "GB", 1000_000_000L,
            "TB", 1000_000_000_000L, "KiB", 1L << 10, "MiB", 1L << 20, "GiB", 1L << 30, "TiB", 1L << 40);

    /** A malformed command line, reported on stderr with exit code 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private SimulatorCommand() {
    }

    /** Runs the command line and exits the JVM with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line against System.out and System.err and returns the exit status. */
    public static int run(String... args) {
        return run(args, System.out, System.err);
    }

    /** Runs the command line and returns the exit status: 0 on success, 2 on bad arguments, 1 when the trace cannot be read. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> options;
        Trace trace;
        long capacity;
        List<String> policies;
        long baseTtl;
        PansaarSettings pansaar;
        int repeat;
        boolean sweep;
        double staleBudget;
        int partitions;
        try {
            options = parse(args);
            policies = Arrays.asList(options.get("--policies").split(","));
            for (String policy : policies) {
                if (!Policies.NAMES.contains(policy)) {
                    throw new UsageException("unknown policy '" + policy + "', expected some of " + String.join(",", Policies.NAMES));
                }
            }
            trace = Trace.load(reader(options));
            capacity = capacityBytes(options.get("--capacity"), trace.uniqueBytes());
            sweep = "sweep".equals(options.get("--base-ttl"));
            baseTtl = sweep ? DEFAULT_BASE_TTL : baseTtl(options.get("--base-ttl"));
            staleBudget = staleBudget(options.get("--stale-budget"), sweep);
            repeat = repeat(options.get("--repeat"));
            pansaar = PansaarSettings.DEFAULT.withFoldInterval(foldInterval(options.get("--fold-interval")))
                    .withHalfLife(halfLife(options.get("--half-life")))
                    .withNewcomerPenalty(newcomerPenalty(options.get("--newcomer-penalty")))
                    .withTunerSample(tunerSample(options.get("--tuner-sample"), policies))
                    .withTunerSampleSeed(tunerSampleSeed(options.get("--tuner-sample-seed"), options.get("--tuner-sample")))
                    .withTunerWindow(tunerWindow(options.get("--tuner-window"), policies));
            if (repeat > 0 && options.containsKey("--csv")) {
                throw new UsageException("--repeat prints a speed table and cannot be combined with --csv, whose columns are fixed");
            }
            if (repeat > 0 && sweep) {
                throw new UsageException("--repeat measures replay speed at one base TTL and cannot be combined with --base-ttl sweep");
            }
            partitions = partitions(options.get("--partitions"), policies, baseTtl, repeat > 0 || sweep);
        } catch (UsageException | IllegalArgumentException e) {
            err.println("simulate: " + e.getMessage());
            err.println(USAGE);
            return USAGE_ERROR;
        } catch (IOException | UncheckedIOException e) {
            err.println("simulate: cannot read the trace: " + e.getMessage());
            return 1;
        }
        long start = trace.requests().stream().mapToLong(Request::time).min().orElse(0);
        long end = trace.requests().stream().mapToLong(Request::time).max().orElse(0);
        Freshness freshness = baseTtl == Long.MAX_VALUE ? Freshness.NONE : new Freshness(ChangeModel.forSpan(start, end), baseTtl);
        if (sweep) {
            printSweep(out, trace, capacity, BaseTtlSweep.run(trace, capacity, policies, freshness.changes(), staleBudget,
                    baseTtl, pansaar), staleBudget, options.containsKey("--csv"));
            return 0;
        }
        if (repeat > 0) {
            printSpeeds(out, trace, capacity, baseTtl, withBaseline(policies), freshness, pansaar, repeat);
            return 0;
        }
        List<PolicyStats> results = Simulator.run(trace, capacity, policies, freshness, pansaar, partitions);
        if (options.containsKey("--csv")) {
            out.println(CSV_HEADER);
            for (PolicyStats stats : results) {
                out.printf(Locale.ROOT, "%s,%d,%d,%.4f,%.4f,%d,%.4f%n", stats.name(), stats.capacityBytes(), stats.requests(),
                        stats.objectHitRatio(), stats.byteHitRatio(), stats.originFetches(), stats.staleHitRatio());
            }
        } else {
            printSummary(out, trace, capacity, baseTtl);
            out.printf(Locale.ROOT, "%s %10s%n", TABLE_HEADER, "CPU ms");
            for (PolicyStats stats : results) {
                out.printf(Locale.ROOT, "%s %10d%n", tableRow(stats), stats.nanos() / 1_000_000);
            }
        }
        return 0;
    }

    /** The policy column is as wide as the longest policy name, so every row's figures line up. */
    private static final String POLICY_COLUMN = "%-" + Policies.NAMES.stream().mapToInt(String::length).max().orElse(10) + "s";

    private static final String TABLE_HEADER = String.format(Locale.ROOT, POLICY_COLUMN + " %10s %10s %12s %14s",
            "policy", "hit %", "byte hit %", "stale hit %", "origin fetches");

    private static String tableRow(PolicyStats stats) {
        return String.format(Locale.ROOT, POLICY_COLUMN + " %10.2f %10.2f %12.2f %14d", stats.name(), 100 * stats.objectHitRatio(),
                100 * stats.byteHitRatio(), 100 * stats.staleHitRatio(), stats.originFetches());
    }

    private static void printSummary(PrintStream out, Trace trace, long capacity, long baseTtl) {
        out.printf(Locale.ROOT, "%d requests, %d unique ids, %d unique bytes, capacity %d bytes, base TTL %s%n",
                trace.requests().size(), trace.uniqueIds(), trace.uniqueBytes(), capacity,
                baseTtl == Long.MAX_VALUE ? "off (no content changes)" : Long.toString(baseTtl));
    }

    private static void printSweep(PrintStream out, Trace trace, long capacity, List<BaseTtlSweep.Best> results,
            double staleBudget, boolean csv) {
        if (csv) {
            out.println(SWEEP_CSV_HEADER);
            for (BaseTtlSweep.Best best : results) {
                PolicyStats stats = best.stats();
                out.printf(Locale.ROOT, "%s,%d,%d,%d,%.4f,%.4f,%d,%.4f,%b,%d%n", stats.name(), best.baseTtl(),
                        stats.capacityBytes(), stats.requests(), stats.objectHitRatio(), stats.byteHitRatio(),
                        stats.originFetches(), stats.staleHitRatio(), best.withinBudget(), best.replays());
            }
            return;
        }
        out.printf(Locale.ROOT, "%d requests, %d unique ids, %d unique bytes, capacity %d bytes, base TTL swept for "
                + "each policy without TTLs of its own (and one with its own when its default breaks the budget), "
                + "holding %.2f%% stale hits%n", trace.requests().size(),
                trace.uniqueIds(), trace.uniqueBytes(), capacity, 100 * staleBudget);
        out.printf(Locale.ROOT, "%s %10s %8s %8s%n", TABLE_HEADER, "base TTL", "budget", "replays");
        for (BaseTtlSweep.Best best : results) {
            out.printf(Locale.ROOT, "%s %10s %8s %8d%n", tableRow(best.stats()),
                    best.baseTtl() + (best.swept() ? " (own, swept)" : best.managesFreshness() ? " (own)" : ""),
                    best.withinBudget() ? "held" : "over",
                    best.replays());
        }
        BaseTtlSweep.bestBaseline(results).ifPresent(baseline -> out.printf(Locale.ROOT,
                "best baseline within the budget: %s at base TTL %d, byte hit %.2f%%%n", baseline.stats().name(),
                baseline.baseTtl(), 100 * baseline.stats().byteHitRatio()));
    }

    private static void printSpeeds(PrintStream out, Trace trace, long capacity, long baseTtl, List<String> policies,
            Freshness freshness, PansaarSettings pansaar, int rounds) {
        List<Simulator.Speed> speeds = Simulator.measure(trace, capacity, policies, freshness, pansaar, rounds);
        double baseline = speeds.get(policies.indexOf(SPEED_BASELINE)).medianRequestsPerSecond();
        printSummary(out, trace, capacity, baseTtl);
        out.printf(Locale.ROOT, "replay speed: %d warm-up rounds, then the median of %d timed rounds; each round replays "
                + "every policy once, in this order, from the trace in memory%n",
                Simulator.warmUpRounds(trace.requests().size()), rounds);
        out.printf(Locale.ROOT, "%s %14s %10s%n", TABLE_HEADER, "median req/s", "/ " + SPEED_BASELINE);
        for (Simulator.Speed speed : speeds) {
            out.printf(Locale.ROOT, "%s %14.0f %10.2f%n", tableRow(speed.stats()), speed.medianRequestsPerSecond(),
                    speed.medianRequestsPerSecond() / baseline);
        }
    }

    /** Returns the policies with the speed baseline first when they do not already include it. */
    static List<String> withBaseline(List<String> policies) {
        if (policies.contains(SPEED_BASELINE)) {
            return policies;
        }
        List<String> withBaseline = new ArrayList<>();
        withBaseline.add(SPEED_BASELINE);
        withBaseline.addAll(policies);
        return withBaseline;
    }

    private static Map<String, String> parse(String[] args) throws UsageException {
        if (args.length == 0 || !args[0].equals("simulate")) {
            throw new UsageException("the first argument must be 'simulate'");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--csv")) {
                options.put(option, "");
            } else if (List.of("--trace", "--format", "--capacity", "--policies", "--base-ttl", "--stale-budget",
                    "--fold-interval", "--half-life", "--newcomer-penalty", "--tuner-sample", "--tuner-sample-seed", "--tuner-window", "--partitions", "--repeat").contains(option)) {
                if (i + 1 >= args.length) {
                    throw new UsageException(option + " needs a value");
                }
                options.put(option, args[++i]);
            } else {
                throw new UsageException("unknown argument '" + option + "'");
            }
        }
        for (String required : List.of("--format", "--capacity", "--policies")) {
            if (!options.containsKey(required)) {
                throw new UsageException("missing " + required);
            }
        }
        return options;
    }

    private static TraceReader reader(Map<String, String> options) throws UsageException {
        String format = options.get("--format");
        if (format.startsWith("synthetic:")) {
            return new SyntheticTraceReader(format.substring("synthetic:".length()));
        }
        String file = options.get("--trace");
        if (file == null) {
            throw new UsageException("missing --trace (only synthetic formats need none)");
        }
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            throw new UsageException("trace file '" + file + "' does not exist or is not readable");
        }
        return switch (format) {
            case "webcachesim" -> new WebCacheSimReader(path);
            case "tencent-photo" -> new TencentPhotoReader(path);
            case "oracle-general" -> new OracleGeneralReader(path);
            default -> throw new UsageException("unknown format '" + format + "', expected one of " + FORMATS);
        };
    }

    /** Parses the base TTL in trace clock units, the default when absent; "off" (Long.MAX_VALUE) turns changes and expiry off. */
    static long baseTtl(String text) throws UsageException {
        if (text == null) {
            return DEFAULT_BASE_TTL;
        }
        if (text.equals("off")) {
            return Long.MAX_VALUE;
        }
        return wholeNumber("base TTL '" + text + "'", text, 1, "at least 1 clock unit", "clock units");
    }

    /** Parses the stale-hit budget of a base TTL sweep, a percentage of hits from 0% to 100%, as a ratio. */
    static double staleBudget(String text, boolean sweep) throws UsageException {
        if (text == null) {
            return DEFAULT_STALE_BUDGET;
        }
        if (!sweep) {
            throw new UsageException("--stale-budget is the budget of --base-ttl sweep and means nothing without it");
        }
        Matcher matcher = PERCENT.matcher(text.trim());
        double percent = matcher.matches() ? Double.parseDouble(matcher.group(1)) : -1;
        if (percent < 0 || percent > 100) {
            throw new UsageException("--stale-budget '" + text + "' is not a percentage of hits from 0% to 100% (1%, 0.5%)");
        }
        return percent / 100;
    }

    /** Parses how many clock units pansaar's hits wait to be folded into scores, 0 (at once) when absent. */
    static long foldInterval(String text) throws UsageException {
        if (text == null) {
            return 0;
        }
        return wholeNumber("--fold-interval '" + text + "'", text, 0, "0 (at once) or more clock units", "clock units");
    }

    /** Parses the half-life of pansaar's scores in clock units, the simulator's default when absent. */
    static double halfLife(String text) throws UsageException {
        if (text == null) {
            return PansaarSettings.DEFAULT.halfLife();
        }
        return wholeNumber("--half-life '" + text + "'", text, 1, "at least 1 clock unit", "clock units");
    }

    /**
     * Parses how many partitions split the capacity, 1 when absent. With several, pansaar's copies are replayed with
     * eviction alone: each copy's clock would move only with its own requests, so its refreshes and TTLs would run
     * late, where production's scheduler runs every partition on one clock.
     */
    static int partitions(String text, List<String> policies, long baseTtl, boolean speedOrSweep) throws UsageException {
        if (text == null) {
            return 1;
        }
        int partitions = (int) wholeNumber("--partitions '" + text + "'", text, 1, "at least 1", "partitions",
                Integer.MAX_VALUE);
        if (partitions > 1 && speedOrSweep) {
            throw new UsageException("--partitions compares hit ratios of one replay and cannot be combined with "
                    + "--repeat or --base-ttl sweep");
        }
        if (partitions > 1 && baseTtl != Long.MAX_VALUE && policies.stream().anyMatch(name -> name.startsWith("pansaar"))) {
            throw new UsageException("--partitions replays pansaar with eviction alone (--base-ttl off): a partition's "
                    + "refreshes would run on the clock of its own requests only");
        }
        return partitions;
    }

    /** Parses how many half-lives pansaar dates a new image's first request back, 0 when absent. */
    static double newcomerPenalty(String text) throws UsageException {
        if (text == null) {
            return PansaarSettings.DEFAULT.newcomerPenalty();
        }
        double halfLives;
        try {
            halfLives = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--newcomer-penalty '" + text + "' is not a number of half-lives");
        }
        if (!(halfLives >= 0) || Double.isInfinite(halfLives)) {
            throw new UsageException("--newcomer-penalty '" + text + "' must be 0 or more half-lives");
        }
        return halfLives;
    }

    /** Whether a policy among these tunes its penalty and half-life, and so has shadows and windows. */
    private static boolean tunes(List<String> policies) {
        return policies.contains("pansaar-tuned") || policies.contains("pansaar-tuned-probation");
    }

    /**
     * Parses the share of the keys pansaar-tuned's shadows replay, 1 (every key) when absent: a fraction ({@code 1/16})
     * or a decimal ({@code 0.25}) in (0, 1]. Only pansaar-tuned has shadows, so the option needs it among the policies.
     */
    static double tunerSample(String text, List<String> policies) throws UsageException {
        if (text == null) {
            return PansaarSettings.DEFAULT.tunerSample();
        }
        if (!tunes(policies)) {
            throw new UsageException("--tuner-sample sets the share of the keys pansaar-tuned's shadows replay and "
                    + "means nothing without pansaar-tuned or pansaar-tuned-probation among the policies");
        }
        String[] parts = text.trim().split("/", -1);
        double share;
        try {
            share = parts.length == 1 ? Double.parseDouble(parts[0])
                    : parts.length == 2 ? Double.parseDouble(parts[0]) / Double.parseDouble(parts[1]) : Double.NaN;
        } catch (NumberFormatException e) {
            share = Double.NaN;
        }
        if (!(share > 0 && share <= 1)) {
            throw new UsageException("--tuner-sample '" + text + "' is not a share of the keys in (0, 1] (1, 0.25, 1/16)");
        }
        return share;
    }

    /**
     * Parses which sample of its share pansaar-tuned's shadows replay, 0 when absent: a whole number, each seeding the
     * keys' hash otherwise. It picks among samples, so it needs --tuner-sample.
     */
    static long tunerSampleSeed(String text, String sample) throws UsageException {
        if (text == null) {
            return PansaarSettings.DEFAULT.tunerSampleSeed();
        }
        if (sample == null) {
            throw new UsageException("--tuner-sample-seed picks which sample --tuner-sample takes and means nothing without it");
        }
        return wholeNumber("--tuner-sample-seed '" + text + "'", text, 0, "0 or more", "seeds");
    }

    /**
     * Parses what pansaar-tuned's windows count, requests when absent: {@code requests}, or {@code half-lives} of clock
     * time. Only pansaar-tuned has windows, so the option needs it among the policies.
     */
    static PansaarSettings.TunerWindow tunerWindow(String text, List<String> policies) throws UsageException {
        if (text == null) {
            return PansaarSettings.DEFAULT.tunerWindow();
        }
        if (!tunes(policies)) {
            throw new UsageException("--tuner-window sets what pansaar-tuned's windows count and means nothing without "
                    + "pansaar-tuned or pansaar-tuned-probation among the policies");
        }
        return switch (text.trim()) {
            case "requests" -> PansaarSettings.TunerWindow.REQUESTS;
            case "half-lives" -> PansaarSettings.TunerWindow.HALF_LIVES;
            default -> throw new UsageException("--tuner-window '" + text + "' is neither requests nor half-lives");
        };
    }

    /** Parses the number of timed replay rounds, 0 when absent (no speed measurement). */
    static int repeat(String text) throws UsageException {
        if (text == null) {
            return 0;
        }
        return (int) wholeNumber("--repeat '" + text + "'", text, 1, "at least 1 round", "rounds", Integer.MAX_VALUE);
    }

    private static long wholeNumber(String what, String text, long minimum, String range, String unit)
            throws UsageException {
        return wholeNumber(what, text, minimum, range, unit, Long.MAX_VALUE);
    }

    /** Parses a whole number of {@code unit} of at least {@code minimum}; says which rule {@code what} breaks. */
    private static long wholeNumber(String what, String text, long minimum, String range, String unit, long maximum)
            throws UsageException {
        long number;
        try {
            number = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(what + " is not a whole number of " + unit);
        }
        if (number > maximum) {
            throw new UsageException(what + " is not a whole number of " + unit);
        }
        if (number < minimum) {
            throw new UsageException(what + " must be " + range);
        }
        return number;
    }

    /** Parses a capacity: a percentage of the trace's unique bytes, or bytes with an optional decimal or binary unit. */
    static long capacityBytes(String text, long uniqueBytes) throws UsageException {
        Matcher matcher = CAPACITY.matcher(text.trim());
        if (!matcher.matches()) {
            throw new UsageException("capacity '" + text + "' is neither a percentage (10%) nor bytes (512MiB, 64MB, 1000000)");
        }
        double amount = Double.parseDouble(matcher.group(1));
        String unit = matcher.group(2) == null ? "B" : matcher.group(2);
        long bytes = unit.equals("%")
                ? (long) Math.floor(uniqueBytes * amount / 100)
                : (long) Math.floor(amount * UNITS.get(unit));
        if (bytes < 1) {
            throw new UsageException("capacity '" + text + "' is less than one byte");
        }
        return bytes;
    }
}
