package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pansaar.simulator.Simulator;
import io.pansaar.simulator.Trace;
import io.pansaar.simulator.trace.Request;
import io.pansaar.simulator.trace.SyntheticTraceReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Pins what {@code pansaar} counts on a drifting, scanned synthetic trace over capacities, base TTLs, folds and a size
 * exponent: work on the replay's speed must leave every count as it was, and a change to the algorithm changes this
 * table knowingly.
 */
class PansaarReplayCountsTest {
    private static final String SPEC =
            "zipf,objects=20000,alpha=0.8,requests=200000,seed=11,drift-every=20000,drift-shift=300,scan-every=4000,scan-length=100";

    /** capacity %, base TTL (0: off), fold interval, size exponent: hits misses stale refreshes evictions. */
    private static final String EXPECTED = """
            1% ttl=0 fold=0 a=0.00: 40817 159183 0 0 158896
            1% ttl=0 fold=1000 a=0.00: 40628 159372 0 0 159096
            1% ttl=0 fold=0 a=0.25: 53654 146346 0 0 145316
            1% ttl=600 fold=0 a=0.00: 36823 163177 204 11389 158896
            1% ttl=600 fold=1000 a=0.00: 36489 163511 185 11096 159041
            1% ttl=600 fold=0 a=0.25: 43810 156190 289 15143 145316
            1% ttl=3600 fold=0 a=0.00: 37427 162573 283 11819 158896
            1% ttl=3600 fold=1000 a=0.00: 37101 162899 280 11490 159086
            1% ttl=3600 fold=0 a=0.25: 44316 155684 292 15488 145316
            5% ttl=0 fold=0 a=0.00: 77681 122319 0 0 121052
            5% ttl=0 fold=1000 a=0.00: 77547 122453 0 0 121186
            5% ttl=0 fold=0 a=0.25: 91609 108391 0 0 105375
            5% ttl=600 fold=0 a=0.00: 64362 135638 356 24872 121052
            5% ttl=600 fold=1000 a=0.00: 64031 135969 338 24357 121137
            5% ttl=600 fold=0 a=0.25: 68467 131533 471 26378 105375
            5% ttl=3600 fold=0 a=0.00: 64990 135010 394 24852 121052
            5% ttl=3600 fold=1000 a=0.00: 64637 135363 359 24447 121147
            5% ttl=3600 fold=0 a=0.25: 68901 131099 460 26405 105375
            25% ttl=0 fold=0 a=0.00: 127920 72080 0 0 66054
            25% ttl=0 fold=1000 a=0.00: 127971 72029 0 0 65983
            25% ttl=0 fold=0 a=0.25: 135240 64760 0 0 57355
            25% ttl=600 fold=0 a=0.00: 89532 110468 448 36301 66054
            25% ttl=600 fold=1000 a=0.00: 89300 110700 458 35762 66027
            25% ttl=600 fold=0 a=0.25: 94471 105529 594 38694 57355
            25% ttl=3600 fold=0 a=0.00: 89942 110058 476 36350 66054
            25% ttl=3600 fold=1000 a=0.00: 89698 110302 472 35789 66028
            25% ttl=3600 fold=0 a=0.25: 94878 105122 583 38829 57355
            """;

    @Test
    void countsWhatItCountedBefore() throws IOException {
        assertEquals(EXPECTED.strip(), String.join("\n", counts()));
    }

    /** Replays every configuration and returns one line of counts for each. */
    static List<String> counts() throws IOException {
        Trace trace = Trace.load(new SyntheticTraceReader(SPEC));
        long end = trace.requests().stream().mapToLong(Request::time).max().orElseThrow();
        List<String> lines = new ArrayList<>();
        for (int percent : new int[] {1, 5, 25}) {
            long capacity = trace.uniqueBytes() * percent / 100;
            for (long baseTtl : new long[] {0, 600, 3600}) {
                Freshness freshness = baseTtl == 0 ? Freshness.NONE : new Freshness(ChangeModel.forSpan(0, end), baseTtl);
                for (long fold : new long[] {0, 1000}) {
                    lines.add(line(percent, baseTtl, fold, 0, Simulator.replay(trace,
                            new PansaarPolicy(capacity, freshness, fold), freshness)));
                }
                PansaarPolicy.Parameters sized = PansaarPolicy.Parameters.DEFAULT.with(PansaarSettings.DEFAULT.withSizeExponent(0.25));
                lines.add(line(percent, baseTtl, 0, 0.25, Simulator.replay(trace,
                        new PansaarPolicy(capacity, freshness, sized), freshness)));
            }
        }
        return lines;
    }

    private static String line(int percent, long baseTtl, long fold, double sizeExponent, PolicyStats stats) {
        return String.format(Locale.ROOT, "%d%% ttl=%d fold=%d a=%.2f: %d %d %d %d %d", percent, baseTtl, fold,
                sizeExponent, stats.hits(), stats.misses(), stats.staleHits(), stats.refreshes(), stats.evictions());
    }
}
