package io.pansaar.algorithm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The shared test vectors of the access score, read from {@code algorithm/priority-vectors.csv}, and of moving a score
 * to another half-life and ranking it, from {@code algorithm/rank-vectors.csv}.
 */
public final class PriorityVectors {

    /**
     * One vector: a score before the requests (empty: never requested), the requests' time, the half-life, how many
     * requests arrive at that time, the result.
     */
    public record Vector(Optional<String> scoreBefore, long nowMillis, long halfLifeMillis, long requests,
            double expectedScore) {

        /** Returns whether {@code actual} matches the expected score within 1e-12 of its size. */
        public boolean matches(double actual) {
            return close(actual, expectedScore);
        }
    }

    /**
     * One vector of a score moved to another half-life and ranked in ms: the score, the half-life it is counted in, the
     * one it moves to, the size term, and the two results.
     */
    public record RankVector(double score, long fromHalfLifeMillis, long toHalfLifeMillis, double sizeTerm,
            double expectedScore, double expectedRank) {

        /** Returns whether both results match the expected ones within 1e-12 of their size. */
        public boolean matches(double actualScore, double actualRank) {
            return close(actualScore, expectedScore) && close(actualRank, expectedRank);
        }
    }

    private PriorityVectors() {
    }

    /** Returns every vector of {@code priority-vectors.csv}. */
    public static List<Vector> all() {
        return rows("priority-vectors.csv").stream().map(fields -> new Vector(
                fields[0].isEmpty() ? Optional.empty() : Optional.of(fields[0]), Long.parseLong(fields[1]),
                Long.parseLong(fields[2]), Long.parseLong(fields[3]), Double.parseDouble(fields[4]))).toList();
    }

    /** Returns every vector of {@code rank-vectors.csv}. */
    public static List<RankVector> ranks() {
        return rows("rank-vectors.csv").stream().map(fields -> new RankVector(Double.parseDouble(fields[0]),
                Long.parseLong(fields[1]), Long.parseLong(fields[2]), Double.parseDouble(fields[3]),
                Double.parseDouble(fields[4]), Double.parseDouble(fields[5]))).toList();
    }

    private static boolean close(double actual, double expected) {
        return Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected));
    }

    /** The fields of each row of a vectors file under {@code algorithm/}, comments and the header left out. */
    private static List<String[]> rows(String file) {
        try (InputStream in = PriorityVectors.class.getResourceAsStream("/algorithm/" + file);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<String[]> rows = new ArrayList<>();
            String line;
            boolean header = true;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                rows.add(line.split(",", -1));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
