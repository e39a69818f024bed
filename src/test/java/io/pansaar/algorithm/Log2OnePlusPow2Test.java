package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class Log2OnePlusPow2Test {

    private static final double LN_2 = Math.log(2);
    /** The bound held against StrictMath, whose own results are within an ulp, relative to the function's value. */
    private static final double RELATIVE_ERROR = 1e-15;

    @Test
    void staysWithinItsBoundOfStrictMathOverTheTableAndBelowIt() {
        SplittableRandom random = new SplittableRandom(7);
        double worst = 0;
        for (int i = 0; i < 1_000_000; i++) {
            // Mostly where scores meet (within 40 half-lives), and some far below.
            double d = i % 10 == 0 ? -40 - random.nextDouble() * 60 : -random.nextDouble() * 40;
            double exact = StrictMath.log1p(StrictMath.pow(2, d)) / LN_2;
            worst = Math.max(worst, Math.abs(Log2OnePlusPow2.of(d) - exact) / exact);
        }
        assertTrue(worst <= RELATIVE_ERROR, "worst relative error " + worst);
    }

    @Test
    void isRightAtTheEndsOfEverySegment() {
        // A segment's ends are as far as its polynomial reaches from its centre.
        double worst = 0;
        for (int end = 0; end <= 40 * 32; end++) {
            double d = -end / 32.0;
            double exact = StrictMath.log1p(StrictMath.pow(2, d)) / LN_2;
            worst = Math.max(worst, Math.abs(Log2OnePlusPow2.of(d) - exact) / exact);
        }
        assertTrue(worst <= RELATIVE_ERROR, "worst relative error " + worst);
    }

    @Test
    void matchesFiftyDigitArithmeticAtPointsWorkedOutByHand() {
        // log2(1 + 2^0) = 1; log2(1 + 2^-1) = log2(1.5); log2(1 + 2^-10) = log2(1025/1024).
        assertEquals(1.0, Log2OnePlusPow2.of(0), 1e-15);
        assertEquals(log2(new BigDecimal("1.5")), Log2OnePlusPow2.of(-1), 1e-15 * 0.585);
        assertEquals(log2(new BigDecimal(1025).divide(new BigDecimal(1024))), Log2OnePlusPow2.of(-10), 1e-15 * 0.0014);
    }

    @Test
    void keepsNotANumberAndTendsToNothingFarBelow() {
        assertTrue(Double.isNaN(Log2OnePlusPow2.of(Double.NaN)));
        assertEquals(0.0, Log2OnePlusPow2.of(Double.NEGATIVE_INFINITY));
        assertEquals(Math.pow(2, -60) / LN_2, Log2OnePlusPow2.of(-60), 1e-30);
    }

    /** log2 of a value near 1, from ln(1 + x) = x - x²/2 + x³/3 - ... in 50 digits. */
    private static double log2(BigDecimal value) {
        MathContext digits = new MathContext(50);
        BigDecimal x = value.subtract(BigDecimal.ONE);
        BigDecimal term = x;
        BigDecimal sum = BigDecimal.ZERO;
        for (int n = 1; n < 200; n++) {
            sum = n % 2 == 1 ? sum.add(term.divide(new BigDecimal(n), digits)) : sum.subtract(term.divide(new BigDecimal(n), digits));
            term = term.multiply(x, digits);
        }
        return sum.divide(new BigDecimal("0.69314718055994530941723212145817656807550013436026"), digits).doubleValue();
    }
}
