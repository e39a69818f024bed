package io.pansaar.algorithm;

/**
 * log2(1 + 2^d) for d ≤ 0, the part of a score update that {@link AccessPriority#afterRequests} adds to the higher of
 * two scores: log2(2^high + 2^low) = high + log2(1 + 2^(low - high)). As {@code Math.log(1 + Math.pow(2, d)) / ln 2}
 * it took some 35 ns a call, a logarithm and a power, on every request that finds a copy: as long as LRU's whole
 * request in a replay of the simulator. Here it is a Taylor polynomial of degree 6 around the middle of each of the
 * 1/32-wide segments of [-40, 0], read from a table worked out once, in about 5 ns.
 *
 * <p>Its error is within 4·10^-16 of the function's value, one or two units in the last place (measured against
 * 40-digit arithmetic; Log2OnePlusPow2Test holds it within 10^-15 of {@code StrictMath} on a million points). A score
 * it updates differs from the logarithm-and-power formula's by at most two units in its last place, far inside the
 * 10^-12 that the shared test vectors allow Java and Lua ({@code shared.lua} keeps the logarithm and the power).
 * Below -40 the function is under 2^-40 / ln 2 and is worked out directly.
 */
final class Log2OnePlusPow2 {

    /**
     * Segments per unit of d: r = d - centre lies within ±1/64, so the degree-6 remainder is below 10^-18 of the value
     * (every derivative is about s = 2^d / (1 + 2^d) times a power of ln 2, as the value itself is for small s).
     */
    private static final int SEGMENTS_PER_UNIT = 32;
    /** The table covers d in [-LOWEST, 0]; below it 2^d < 10^-12 and the direct formula is exact enough and rare. */
    private static final int LOWEST = 40;
    private static final int SEGMENTS = SEGMENTS_PER_UNIT * LOWEST;
    private static final int DEGREE = 6;
    private static final double LN_2 = Math.log(2);
    /** Segment i's Taylor coefficients a0..a6 around d = -(i + 1/2) / SEGMENTS_PER_UNIT, side by side. */
    private static final double[] COEFFICIENTS = coefficients();

    private Log2OnePlusPow2() {
    }

    /** Returns log2(1 + 2^d) for d ≤ 0 (the lower score less the higher). */
    static double of(double d) {
        double position = -d * SEGMENTS_PER_UNIT;
        if (!(position < SEGMENTS)) {
            // Far below the higher score (or NaN): 2^d is tiny, so its own formula loses nothing.
            return Math.log1p(Math.pow(2, d)) / LN_2;
        }
        int segment = (int) position;
        double r = d + (segment + 0.5) / SEGMENTS_PER_UNIT;
        int at = segment * (DEGREE + 1);
        double[] a = COEFFICIENTS;
        return a[at] + r * (a[at + 1] + r * (a[at + 2] + r * (a[at + 3] + r * (a[at + 4] + r * (a[at + 5]
                + r * a[at + 6])))));
    }

    /**
     * The derivatives of g(d) = log2(1 + 2^d) are polynomials in s = 2^d / (1 + 2^d), the logistic function of d·ln 2:
     * g' = s, g'' = ln2·s(1-s), g''' = ln2²·s(1-s)(1-2s), g'''' = ln2³·s(1-s)(1-6s+6s²), g''''' =
     * ln2⁴·s(1-s)(1-2s)(1-12s+12s²), g'''''' = ln2⁵·s(1-s)(1-30s+150s²-240s³+120s⁴); each coefficient is the k-th
     * derivative over k!.
     */
    private static double[] coefficients() {
        double[] table = new double[SEGMENTS * (DEGREE + 1)];
        for (int segment = 0; segment < SEGMENTS; segment++) {
            double centre = -(segment + 0.5) / SEGMENTS_PER_UNIT;
            double power = StrictMath.pow(2, centre);
            double s = power / (1 + power);
            double sOneMinusS = s * (1 - s);
            int at = segment * (DEGREE + 1);
            table[at] = StrictMath.log1p(power) / LN_2;
            table[at + 1] = s;
            table[at + 2] = LN_2 * sOneMinusS / 2;
            table[at + 3] = LN_2 * LN_2 * sOneMinusS * (1 - 2 * s) / 6;
            table[at + 4] = LN_2 * LN_2 * LN_2 * sOneMinusS * (1 - 6 * s + 6 * s * s) / 24;
            table[at + 5] = LN_2 * LN_2 * LN_2 * LN_2 * sOneMinusS * (1 - 2 * s) * (1 - 12 * s + 12 * s * s) / 120;
            table[at + 6] = LN_2 * LN_2 * LN_2 * LN_2 * LN_2 * sOneMinusS
                    * (1 - 30 * s + 150 * s * s - 240 * s * s * s + 120 * s * s * s * s) / 720;
        }
        return table;
    }
}
