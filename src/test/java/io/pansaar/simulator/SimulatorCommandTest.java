package io.pansaar.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pansaar.simulator.trace.Request;
import io.pansaar.simulator.trace.WebCacheSimReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorCommandTest {
    private static final String SYNTHETIC = "synthetic:zipf,objects=2000,alpha=0.9,requests=20000,seed=1";

    @TempDir
    Path directory;

    private record Outcome(int status, String out, String err) {
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = SimulatorCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void printsTheExactCsvHeaderAndOneRowPerPolicy() {
        Outcome outcome = run("simulate", "--format", SYNTHETIC, "--capacity", "10%", "--policies", "lru,s3fifo,belady", "--csv");
        assertEquals(0, outcome.status(), outcome.err());
        List<String> lines = outcome.out().lines().toList();
        assertEquals("policy,capacity_bytes,requests,object_hit_ratio,byte_hit_ratio,origin_fetches,stale_hit_ratio", lines.get(0));
        assertEquals(4, lines.size());
        assertTrue(lines.get(1).startsWith("lru,"));
        assertTrue(lines.get(3).startsWith("belady,"));
        String[] row = lines.get(1).split(",");
        assertEquals("20000", row[2]);
    }

    @Test
    void printsANonZeroStaleRatioWhenContentChanges() {
        // 20000 requests on a request clock: volatile objects change every 400 requests, the base TTL is 2000.
        Outcome outcome = run("simulate", "--format", SYNTHETIC, "--capacity", "25%", "--policies", "lru,pansaar",
                "--base-ttl", "2000", "--csv");
        assertEquals(0, outcome.status(), outcome.err());
        List<String> lines = outcome.out().lines().toList();
        double lruStale = Double.parseDouble(lines.get(1).split(",")[6]);
        double pansaarStale = Double.parseDouble(lines.get(2).split(",")[6]);
        assertTrue(lruStale > 0, outcome.out());
        assertTrue(pansaarStale < lruStale, outcome.out());
    }

    @Test
    void turnsChangesAndExpiryOffOnRequest() {
        Outcome outcome = run("simulate", "--format", SYNTHETIC, "--capacity", "25%", "--policies", "lru", "--base-ttl", "off", "--csv");
        assertEquals(0, outcome.status(), outcome.err());
        String[] row = outcome.out().lines().toList().get(1).split(",");
        assertEquals("0.0000", row[6]);
        Outcome withTtl = run("simulate", "--format", SYNTHETIC, "--capacity", "25%", "--policies", "lru", "--base-ttl", "100", "--csv");
        double expiring = Double.parseDouble(withTtl.out().lines().toList().get(1).split(",")[3]);
        assertTrue(expiring < Double.parseDouble(row[3]), withTtl.out());
    }

    @Test
    void rejectsABaseTtlThatIsNotAPositiveNumber() {
        assertEquals(2, run("simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "lru", "--base-ttl", "0").status());
        assertEquals(2, run("simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "lru", "--base-ttl", "1h").status());
    }

    @Test
    void readsCapacityAsBytesWithUnits() {
        Outcome outcome = run("simulate", "--format", SYNTHETIC, "--capacity", "1MiB", "--policies", "lru", "--csv");
        assertEquals(0, outcome.status(), outcome.err());
        assertTrue(outcome.out().lines().toList().get(1).startsWith("lru,1048576,20000,"), outcome.out());
    }

    @Test
    void parsesPercentagesAndUnits() throws SimulatorCommand.UsageException {
        assertEquals(50, SimulatorCommand.capacityBytes("5%", 1_000));
        assertEquals(250, SimulatorCommand.capacityBytes("25%", 1_000));
        assertEquals(512L << 20, SimulatorCommand.capacityBytes("512MiB", 1));
        assertEquals(64_000_000, SimulatorCommand.capacityBytes("64MB", 1));
        assertEquals(1_000_000, SimulatorCommand.capacityBytes("1000000", 1));
        assertEquals(1536, SimulatorCommand.capacityBytes("1.5KiB", 1));
        assertThrows(SimulatorCommand.UsageException.class, () -> SimulatorCommand.capacityBytes("lots", 1_000));
        assertThrows(SimulatorCommand.UsageException.class, () -> SimulatorCommand.capacityBytes("0.01%", 1_000));
    }

    @Test
    void readsATraceFile() throws IOException {
        Path file = directory.resolve("small.trace");
        Files.writeString(file, "1 1 10\n2 2 10\n3 1 10\n4 1 10\n");
        Outcome outcome = run("simulate", "--trace", file.toString(), "--format", "webcachesim", "--capacity", "100%",
                "--policies", "lru", "--csv");
        assertEquals(0, outcome.status(), outcome.err());
        assertEquals("lru,20,4,0.5000,0.5000,2,0.0000", outcome.out().lines().toList().get(1));
    }

    @Test
    void badArgumentsExitWithTwoAndAMessage() throws IOException {
        Path file = directory.resolve("small.trace");
        Files.writeString(file, "1 1 10\n");
        String trace = file.toString();
        assertUsageError("unknown policy 'clock'",
                "simulate", "--trace", trace, "--format", "webcachesim", "--capacity", "5%", "--policies", "lru,clock");
        assertUsageError("missing --capacity", "simulate", "--trace", trace, "--format", "webcachesim", "--policies", "lru");
        assertUsageError("capacity 'big'",
                "simulate", "--trace", trace, "--format", "webcachesim", "--capacity", "big", "--policies", "lru");
        assertUsageError("unknown format 'csv'",
                "simulate", "--trace", trace, "--format", "csv", "--capacity", "5%", "--policies", "lru");
        assertUsageError("does not exist",
                "simulate", "--trace", directory.resolve("absent").toString(), "--format", "webcachesim", "--capacity", "5%",
                "--policies", "lru");
        assertUsageError("unknown argument '--fast'", "simulate", "--fast");
        assertUsageError("first argument must be 'simulate'", "run");
        assertUsageError("unknown synthetic parameter", "simulate", "--format", "synthetic:zipf,bogus=1", "--capacity", "5%",
                "--policies", "lru");
    }

    @Test
    void repeatPrintsEachPolicysMedianSpeedAndItsRatioToLru() {
        Outcome plain = run("simulate", "--format", SYNTHETIC, "--capacity", "10%", "--policies", "lru,fifo");
        Outcome timed = run("simulate", "--format", SYNTHETIC, "--capacity", "10%", "--policies", "lru,fifo", "--repeat", "2");
        assertEquals(0, timed.status(), timed.err());
        List<String> lines = timed.out().lines().toList();
        assertTrue(lines.get(1).contains("median of 2 timed rounds"), timed.out());
        assertTrue(lines.get(2).endsWith("median req/s      / lru"), timed.out());
        assertEquals(5, lines.size(), timed.out());
        List<String> plainRows = plain.out().lines().skip(2).toList();
        for (int row = 0; row < 2; row++) {
            String[] columns = lines.get(3 + row).trim().split(" +");
            // The same hit figures as a plain run, then the speed columns.
            assertEquals(List.of(plainRows.get(row).trim().split(" +")).subList(0, 5), List.of(columns).subList(0, 5));
            assertEquals(7, columns.length, lines.get(3 + row));
            assertTrue(Double.parseDouble(columns[5]) > 0, lines.get(3 + row));
        }
        assertEquals("1.00", lines.get(3).trim().split(" +")[6], "lru is its own baseline");
    }

    @Test
    void repeatReplaysLruAsTheBaselineWhenItIsNotListed() {
        Outcome outcome = run("simulate", "--format", SYNTHETIC, "--capacity", "10%", "--policies", "s3fifo", "--repeat", "1");
        assertEquals(0, outcome.status(), outcome.err());
        List<String> rows = outcome.out().lines().skip(3).toList();
        assertEquals(2, rows.size(), outcome.out());
        assertTrue(rows.get(0).startsWith("lru "), outcome.out());
        assertTrue(rows.get(1).startsWith("s3fifo "), outcome.out());
        assertEquals(List.of("lru", "fifo"), SimulatorCommand.withBaseline(List.of("lru", "fifo")));
        assertEquals(List.of("lru", "gdsf"), SimulatorCommand.withBaseline(List.of("gdsf")));
    }

    @Test
    void parsesTheRepeatCount() throws SimulatorCommand.UsageException {
        assertEquals(0, SimulatorCommand.repeat(null), "no --repeat, no speed measurement");
        assertEquals(5, SimulatorCommand.repeat("5"));
        assertEquals(12, SimulatorCommand.repeat(" 12 "));
    }

    @Test
    void badRepeatCountsExitWithTwoAndAMessage() {
        String[] base = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "lru"};
        assertUsageError("--repeat '0' must be at least 1 round", append(base, "--repeat", "0"));
        assertUsageError("--repeat '-3' must be at least 1 round", append(base, "--repeat", "-3"));
        assertUsageError("--repeat 'five' is not a whole number", append(base, "--repeat", "five"));
        assertUsageError("--repeat '2.5' is not a whole number", append(base, "--repeat", "2.5"));
        assertUsageError("--repeat '99999999999' is not a whole number", append(base, "--repeat", "99999999999"));
        assertUsageError("--repeat needs a value", append(base, "--repeat"));
        assertUsageError("cannot be combined with --csv", append(base, "--repeat", "3", "--csv"));
    }

    @Test
    void parsesTheFoldIntervalAndRefusesABadOne() throws SimulatorCommand.UsageException {
        assertEquals(0, SimulatorCommand.foldInterval(null), "no --fold-interval: every request counts at once");
        assertEquals(1000, SimulatorCommand.foldInterval(" 1000 "));
        String[] base = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "pansaar"};
        assertUsageError("--fold-interval '-1' must be 0 (at once) or more clock units", append(base, "--fold-interval", "-1"));
        assertUsageError("--fold-interval 'often' is not a whole number", append(base, "--fold-interval", "often"));
        assertUsageError("--fold-interval needs a value", append(base, "--fold-interval"));
    }

    @Test
    void theHalfLifeSetsPansaarsDecayAndABadOneIsRefused() throws SimulatorCommand.UsageException {
        assertEquals(10_000, SimulatorCommand.halfLife(null), "no --half-life: the simulator's own");
        String[] base = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "pansaar", "--base-ttl",
            "off", "--csv"};
        Outcome byDefault = run(base);
        assertEquals(0, byDefault.status(), byDefault.err());
        Outcome explicit = run(append(base, "--half-life", "10000"));
        assertEquals(byDefault.out(), explicit.out(), "--half-life 10000 is the default");
        Outcome longer = run(append(base, "--half-life", "1000000"));
        assertEquals(0, longer.status(), longer.err());
        assertNotEquals(byDefault.out(), longer.out(), "a half-life of a hundred times as long ranks otherwise");

        String[] table = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "pansaar"};
        assertUsageError("--half-life '0' must be at least 1 clock unit", append(table, "--half-life", "0"));
        assertUsageError("--half-life 'long' is not a whole number", append(table, "--half-life", "long"));
        assertUsageError("--half-life needs a value", append(table, "--half-life"));
    }

    @Test
    void theNewcomerPenaltyChangesPansaarsRankingAndABadOneIsRefused() {
        String[] base = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "pansaar", "--base-ttl",
            "off", "--csv"};
        assertTheDefaultAndAnotherValue(base, "--newcomer-penalty", "1", "0");

        String[] table = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "pansaar"};
        assertUsageError("--newcomer-penalty '-1' must be 0 or more half-lives", append(table, "--newcomer-penalty", "-1"));
        assertUsageError("--newcomer-penalty 'NaN' must be 0 or more half-lives", append(table, "--newcomer-penalty", "NaN"));
        assertUsageError("--newcomer-penalty 'much' is not a number", append(table, "--newcomer-penalty", "much"));
    }

    @Test
    void theTunerSampleShrinksPansaarTunedsShadowsAndABadOneIsRefused() throws SimulatorCommand.UsageException {
        List<String> tuned = List.of("pansaar-tuned");
        assertEquals(1, SimulatorCommand.tunerSample(null, tuned), "no --tuner-sample: every key");
        assertEquals(0.0625, SimulatorCommand.tunerSample(" 1/16 ", tuned));
        assertEquals(0.25, SimulatorCommand.tunerSample("0.25", tuned));
        String[] base = {"simulate", "--format", "synthetic:zipf,objects=2000,alpha=0.9,requests=60000,seed=1",
            "--capacity", "5%", "--policies", "pansaar-tuned", "--base-ttl", "off", "--csv"};
        assertTheDefaultAndAnotherValue(base, "--tuner-sample", "1", "1/16");

        String[] table = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "pansaar,pansaar-tuned"};
        assertUsageError("--tuner-sample '0' is not a share of the keys in (0, 1]", append(table, "--tuner-sample", "0"));
        assertUsageError("--tuner-sample '2' is not a share", append(table, "--tuner-sample", "2"));
        assertUsageError("--tuner-sample '1/0' is not a share", append(table, "--tuner-sample", "1/0"));
        assertUsageError("--tuner-sample 'some' is not a share", append(table, "--tuner-sample", "some"));
        assertUsageError("--tuner-sample '1/2/3' is not a share", append(table, "--tuner-sample", "1/2/3"));
        assertUsageError("--tuner-sample needs a value", append(table, "--tuner-sample"));
        assertUsageError("means nothing without pansaar-tuned", "simulate", "--format", SYNTHETIC, "--capacity", "5%",
                "--policies", "pansaar", "--tuner-sample", "1/4");

        String[] sampled = append(base, "--tuner-sample", "1/16");
        assertTheDefaultAndAnotherValue(sampled, "--tuner-sample-seed", "0", "3");
        assertUsageError("--tuner-sample-seed '-1' must be 0 or more", append(table, "--tuner-sample", "1/4",
                "--tuner-sample-seed", "-1"));
        assertUsageError("--tuner-sample-seed 'x' is not a whole number", append(table, "--tuner-sample", "1/4",
                "--tuner-sample-seed", "x"));
        assertUsageError("--tuner-sample-seed picks which sample --tuner-sample takes",
                append(table, "--tuner-sample-seed", "1"));
    }

    @Test
    void theTunerWindowCountsRequestsOrHalfLivesAndABadOneIsRefused() {
        // A half-life of 100 units at one request a unit: windows of half-lives end every 100 requests, where windows
        // of requests end every 10,000.
        String[] base = {"simulate", "--format", "synthetic:zipf,objects=2000,alpha=0.9,requests=60000,seed=1",
            "--capacity", "5%", "--policies", "pansaar-tuned", "--base-ttl", "off", "--half-life", "100", "--csv"};
        assertTheDefaultAndAnotherValue(base, "--tuner-window", "requests", "half-lives");

        String[] table = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "pansaar,pansaar-tuned"};
        assertUsageError("--tuner-window 'seconds' is neither requests nor half-lives",
                append(table, "--tuner-window", "seconds"));
        assertUsageError("--tuner-window needs a value", append(table, "--tuner-window"));
        assertUsageError("--tuner-window sets what pansaar-tuned's windows count and means nothing without pansaar-tuned",
                "simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "pansaar", "--tuner-window",
                "half-lives");
    }

    @Test
    void partitionsSplitTheCapacityAndRefuseWhatTheyCannotReplay() {
        String[] base = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "lru,pansaar", "--base-ttl",
            "off", "--csv"};
        // One partition is the whole cache; sixteen shares keep other objects than one cache.
        assertTheDefaultAndAnotherValue(base, "--partitions", "1", "16");

        String[] table = {"simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "lru,pansaar"};
        assertUsageError("--partitions replays pansaar with eviction alone (--base-ttl off)",
                append(table, "--partitions", "4"));
        assertUsageError("cannot be combined with --repeat", append(table, "--base-ttl", "off", "--partitions", "4",
                "--repeat", "1"));
        assertUsageError("--partitions '0' must be at least 1", append(table, "--partitions", "0"));
        assertEquals(0, run("simulate", "--format", SYNTHETIC, "--capacity", "5%", "--policies", "lru", "--partitions",
                "4", "--csv").status(), "a baseline is split with content changes too: the replay applies its TTL");
    }

    @Test
    void badSweepArgumentsExitWithTwoAndAMessage() {
        String[] base = {"simulate", "--format", SYNTHETIC, "--capacity", "10%", "--policies", "lru"};
        assertUsageError("--stale-budget is the budget of --base-ttl sweep", append(base, "--stale-budget", "1%"));
        assertUsageError("--stale-budget '150%' is not a percentage of hits from 0% to 100%",
                append(base, "--base-ttl", "sweep", "--stale-budget", "150%"));
        assertUsageError("--stale-budget '1' is not a percentage",
                append(base, "--base-ttl", "sweep", "--stale-budget", "1"));
        assertUsageError("cannot be combined with --base-ttl sweep",
                append(base, "--base-ttl", "sweep", "--repeat", "1"));
    }

    /** Replays {@code base} without the option, with its default value and with another, which must count otherwise. */
    private static void assertTheDefaultAndAnotherValue(String[] base, String option, String defaultValue, String other) {
        Outcome byDefault = run(base);
        assertEquals(0, byDefault.status(), byDefault.err());
        assertEquals(byDefault.out(), run(append(base, option, defaultValue)).out(), option + " " + defaultValue + " is the default");
        Outcome otherwise = run(append(base, option, other));
        assertEquals(0, otherwise.status(), otherwise.err());
        assertNotEquals(byDefault.out(), otherwise.out(), option + " " + other + " changes what the replay counts");
    }

    private static String[] append(String[] args, String... more) {
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    private static void assertUsageError(String expectedMessage, String... args) {
        Outcome outcome = run(args);
        assertEquals(2, outcome.status(), outcome.out());
        assertTrue(outcome.err().contains(expectedMessage), outcome.err());
        assertTrue(outcome.err().contains("usage: simulate"), outcome.err());
        assertEquals("", outcome.out());
    }

    @Test
    void treatsASizeChangeAsANewObject() throws IOException {
        Path file = directory.resolve("resized.trace");
        Files.writeString(file, "1 7 10\n2 7 30\n3 7 30\n4 8 5\n");
        Trace trace = Trace.load(new WebCacheSimReader(file));
        List<Request> requests = trace.requests();
        assertEquals(requests.get(1).id(), requests.get(2).id());
        assertTrue(requests.get(0).id() != requests.get(1).id());
        assertEquals(35, trace.uniqueBytes(), "each id once, at its last size");
        assertEquals(2, trace.uniqueIds());
    }
}
