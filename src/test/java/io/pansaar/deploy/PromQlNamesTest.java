package io.pansaar.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;

import org.junit.jupiter.api.Test;

/** The tokenizer that finds the metric names of the dashboard's and the alert rules' PromQL. */
class PromQlNamesTest {

    @Test
    void findsTheMetricsButNotTheFunctionsAggregationsOrLabels() {
        assertEquals(Set.of("pansaar_regeneration_seconds_bucket"), PromQlNames.of(
                "histogram_quantile(0.95, sum by (le) (rate(pansaar_regeneration_seconds_bucket[$__rate_interval])))"));
        assertEquals(Set.of("pansaar_stream_lag", "pansaar_stream_length"), PromQlNames.of(
                "max by (partition) (pansaar_stream_lag{partition=~\"$partition\"}) > 0\n"
                        + "  and max by (partition) (deriv(pansaar_stream_length[10m])) > 0"));
    }

    @Test
    void skipsGroupingLabelsWrittenAnyWay() {
        assertEquals(Set.of("a_total", "b"), PromQlNames.of(
                "sum without(instance, job) (rate(a_total[5m])) / ignoring (result) group_left sum(b)"));
        assertEquals(Set.of("a", "b"), PromQlNames.of("a * on(partition) group_left(origin) b"));
        assertEquals(Set.of("a"), PromQlNames.of("SUM BY (partition) (a) OR ON() vector(0)"));
        assertEquals(Set.of("a"), PromQlNames.of("sum(a) by (partition)"));
    }

    @Test
    void skipsNumbersDurationsStringsCommentsAndVariables() {
        assertEquals(Set.of("a", "b"), PromQlNames.of(
                "a offset 1h30m > 1e3 unless b{x=\"by (c) d\", y='e'} # f g\n + 0x1F + Inf - NaN"));
        assertEquals(Set.of("a"), PromQlNames.of("max_over_time(a{partition=~\"${partition:regex}\"}[[[range]]:1m])"));
        assertEquals(Set.of("a"), PromQlNames.of("count_values(\"version\", a) @ start()"));
        assertEquals(Set.of(), PromQlNames.of("vector(1) * time() - $threshold"));
    }

    @Test
    void aNameWrittenAsALabelMatcherCounts() {
        assertEquals(Set.of("a", "b"), PromQlNames.of("{__name__=\"a\"} + b"));
    }

    @Test
    void aMisspeltMetricIsFoundAsItIsWritten() {
        assertEquals(Set.of("pansaar_stream_lagg"), PromQlNames.of("max by (partition) (pansaar_stream_lagg)"));
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThrows(IllegalArgumentException.class, () -> PromQlNames.of("a{partition=\"0\""));
        assertThrows(IllegalArgumentException.class, () -> PromQlNames.of("a ~ b"));
        assertThrows(IllegalArgumentException.class, () -> PromQlNames.of("a{x=\"unclosed}"));
    }
}
