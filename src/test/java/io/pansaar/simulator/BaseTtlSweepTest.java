package io.pansaar.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BaseTtlSweepTest {
    // Long enough for pansaar to hold a 1% budget at its default base TTL.
    private static final String SYNTHETIC = "synthetic:zipf,objects=2000,alpha=0.9,requests=200000,seed=1";
    private static final String[] SWEEP = {"simulate", "--format", SYNTHETIC, "--capacity", "10%", "--policies",
        "lru,pansaar", "--base-ttl", "sweep", "--csv"};

    private record Outcome(int status, String out, String err) {
    }

    /** One CSV row of the sweep, by column name. */
    private record Row(String policy, long baseTtl, double byteHitRatio, double staleHitRatio, boolean withinBudget,
            int replays) {
        static Row parse(String line) {
            String[] cells = line.split(",");
            return new Row(cells[0], Long.parseLong(cells[1]), Double.parseDouble(cells[5]), Double.parseDouble(cells[7]),
                    Boolean.parseBoolean(cells[8]), Integer.parseInt(cells[9]));
        }
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = SimulatorCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** lru's byte hit and stale hit ratios at one base TTL, from the ordinary CSV output. */
    private static double[] lruAt(long baseTtl) {
        return at("lru", baseTtl);
    }

    /** A policy's byte hit and stale hit ratios at one base TTL, from the ordinary CSV output. */
    private static double[] at(String policy, long baseTtl) {
        Outcome outcome = run("simulate", "--format", SYNTHETIC, "--capacity", "10%", "--policies", policy, "--base-ttl",
                Long.toString(baseTtl), "--csv");
        assertEquals(0, outcome.status(), outcome.err());
        String[] cells = outcome.out().lines().toList().get(1).split(",");
        return new double[] {Double.parseDouble(cells[4]), Double.parseDouble(cells[6])};
    }

    @Test
    void aBaselineGetsItsBestBaseTtlWithinTheBudget() {
        Outcome outcome = run(SWEEP);
        assertEquals(0, outcome.status(), outcome.err());
        List<String> lines = outcome.out().lines().toList();
        assertEquals(SimulatorCommand.SWEEP_CSV_HEADER, lines.get(0));
        Row lru = Row.parse(lines.get(1));
        assertEquals("lru", lru.policy());
        assertTrue(lru.withinBudget());
        assertTrue(lru.staleHitRatio() <= 0.01, lines.get(1));

        // The reported replay is lru's at that base TTL, as a plain run at it measures.
        double[] atBest = lruAt(lru.baseTtl());
        assertEquals(atBest[0], lru.byteHitRatio(), 1e-4);
        assertEquals(atBest[1], lru.staleHitRatio(), 1e-4);
        // No base TTL of the doubling grid that holds the budget serves more bytes.
        for (long baseTtl = 1; baseTtl <= 32_768; baseTtl *= 2) {
            double[] at = lruAt(baseTtl);
            if (at[1] <= 0.01) {
                assertTrue(at[0] <= lru.byteHitRatio() + 1e-9, "base TTL " + baseTtl + " beats the sweep's " + lru);
            }
        }
        // The budget binds: the base TTL found is finite, and doubling it breaks the budget.
        assertTrue(lruAt(lru.baseTtl() * 2)[1] > 0.01, "doubling " + lru.baseTtl() + " still holds the budget");
    }

    @Test
    void aPolicyWithItsOwnTtlsIsReplayedOnceAtTheDefaultBaseTtl() {
        Outcome outcome = run(SWEEP);
        assertEquals(0, outcome.status(), outcome.err());
        Row pansaar = Row.parse(outcome.out().lines().toList().get(2));
        assertEquals("pansaar", pansaar.policy());
        assertEquals(SimulatorCommand.DEFAULT_BASE_TTL, pansaar.baseTtl());
        assertEquals(1, pansaar.replays());
    }

    @Test
    void aZeroBudgetAllowsNoStaleHitAndSweepsAPolicyWithItsOwnTtlsBelowItsDefault() {
        Outcome outcome = run("simulate", "--format", SYNTHETIC, "--capacity", "10%", "--policies", "lru,pansaar",
                "--base-ttl", "sweep", "--stale-budget", "0%", "--csv");
        assertEquals(0, outcome.status(), outcome.err());
        Row lru = Row.parse(outcome.out().lines().toList().get(1));
        Row pansaar = Row.parse(outcome.out().lines().toList().get(2));
        assertTrue(lru.withinBudget(), lru.toString());
        assertEquals(0, lru.staleHitRatio());
        assertTrue(lru.baseTtl() < Row.parse(run(SWEEP).out().lines().toList().get(1)).baseTtl(),
                "a tighter budget allows a shorter base TTL only");
        // Its own TTLs aim at 1% stale hits, so at its default it serves some: its base TTL is then swept below the
        // default, and the replay reported is one at that base TTL, as a plain run at it measures.
        assertTrue(pansaar.replays() > 1, pansaar.toString());
        assertTrue(pansaar.baseTtl() < SimulatorCommand.DEFAULT_BASE_TTL, pansaar.toString());
        double[] atReported = at("pansaar", pansaar.baseTtl());
        assertEquals(atReported[0], pansaar.byteHitRatio(), 1e-4);
        assertEquals(atReported[1], pansaar.staleHitRatio(), 1e-4);
        assertEquals(pansaar.staleHitRatio() <= 0, pansaar.withinBudget(), pansaar.toString());
    }

    @Test
    void aTraceShorterThanTheDefaultsShortestTtlGetsItsOwnBaseTtl() {
        // 20 clock units, in which objects change; at the default base TTL no copy is ever refreshed.
        String shortTrace = "synthetic:zipf,objects=200,alpha=0.9,requests=20000,seed=3,requests-per-unit=1000";
        Outcome atDefault = run("simulate", "--format", shortTrace, "--capacity", "25%", "--policies", "pansaar",
                "--csv");
        assertEquals(0, atDefault.status(), atDefault.err());
        assertTrue(Double.parseDouble(atDefault.out().lines().toList().get(1).split(",")[6]) > 0.01,
                "at the default base TTL the short trace breaks the budget: " + atDefault.out());

        Outcome outcome = run("simulate", "--format", shortTrace, "--capacity", "25%", "--policies", "pansaar",
                "--base-ttl", "sweep", "--csv");
        assertEquals(0, outcome.status(), outcome.err());
        Row pansaar = Row.parse(outcome.out().lines().toList().get(1));
        assertTrue(pansaar.withinBudget(), pansaar.toString());
        assertTrue(pansaar.baseTtl() <= 20, pansaar.toString());

        String table = run("simulate", "--format", shortTrace, "--capacity", "25%", "--policies", "pansaar",
                "--base-ttl", "sweep").out();
        assertTrue(table.contains(pansaar.baseTtl() + " (own, swept)"), table);
    }

    @Test
    void theReadableTableNamesTheBestBaseline() {
        String[] table = List.of(SWEEP).subList(0, SWEEP.length - 1).toArray(String[]::new);
        Outcome outcome = run(table);
        assertEquals(0, outcome.status(), outcome.err());
        assertTrue(outcome.out().contains("holding 1.00% stale hits"), outcome.out());
        assertTrue(outcome.out().contains("3600 (own)"), outcome.out());
        assertTrue(outcome.out().contains("best baseline within the budget: lru at base TTL "), outcome.out());
    }
}
