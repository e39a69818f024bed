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
 * exponent, at its default newcomer penalty: work on the replay's speed must leave every count as it was, and a change to the algorithm changes this
 * table knowingly.
 */
class PansaarReplayCountsTest {
    private static final String SPEC =
            "zipf,objects=20000,alpha=0.8,requests=200000,seed=11,drift-every=20000,drift-shift=300,scan-every=4000,scan-length=100";

    /** capacity %, base TTL (0: off), fold interval, size exponent: hits misses stale refreshes evictions. */
    private static final String EXPECTED = """
            1% ttl=0 fold=0 a=0.00: 44783 155217 0 0 154925
            1% ttl=0 fold=1000 a=0.00: 44576 155424 0 0 155132
            1% ttl=0 fold=0 a=0.25: 53151 146849 0 0 146330
            1% ttl=600 fold=0 a=0.00: 39343 160657 202 13069 154925
            1% ttl=600 fold=1000 a=0.00: 39215 160785 180 12926 154917
            1% ttl=600 fold=0 a=0.25: 45495 154505 268 16099 146330
            1% ttl=3600 fold=0 a=0.00: 40141 159859 238 13416 154925
            1% ttl=3600 fold=1000 a=0.00: 39918 160082 236 13247 154909
            1% ttl=3600 fold=0 a=0.25: 46180 153820 294 16422 146330
            5% ttl=0 fold=0 a=0.00: 82004 117996 0 0 116769
            5% ttl=0 fold=1000 a=0.00: 81965 118035 0 0 116788
            5% ttl=0 fold=0 a=0.25: 93481 106519 0 0 104389
            5% ttl=600 fold=0 a=0.00: 64932 135068 401 25997 116769
            5% ttl=600 fold=1000 a=0.00: 64408 135592 389 25855 116878
            5% ttl=600 fold=0 a=0.25: 72671 127329 397 28649 104389
            5% ttl=3600 fold=0 a=0.00: 65549 134451 415 26177 116769
            5% ttl=3600 fold=1000 a=0.00: 65109 134891 414 25869 116979
            5% ttl=3600 fold=0 a=0.25: 73136 126864 405 28580 104389
            25% ttl=0 fold=0 a=0.00: 130475 69525 0 0 63510
            25% ttl=0 fold=1000 a=0.00: 130509 69491 0 0 63487
            25% ttl=0 fold=0 a=0.25: 136546 63454 0 0 56183
            25% ttl=600 fold=0 a=0.00: 92192 107808 491 36925 63510
            25% ttl=600 fold=1000 a=0.00: 91989 108011 484 36517 63497
            25% ttl=600 fold=0 a=0.25: 95709 104291 575 38610 56183
            25% ttl=3600 fold=0 a=0.00: 92590 107410 495 36950 63510
            25% ttl=3600 fold=1000 a=0.00: 92390 107610 493 36530 63497
            25% ttl=3600 fold=0 a=0.25: 96103 103897 566 38631 56183
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
