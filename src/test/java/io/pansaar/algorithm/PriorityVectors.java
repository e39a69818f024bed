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

/** The shared test vectors of the access score, read from {@code algorithm/priority-vectors.csv}. */
public final class PriorityVectors {

    /**
     * One vector: a score before the requests (empty: never requested), the requests' time, the half-life, how many
     * requests arrive at that time, the result.
     */
    public record Vector(Optional<String> scoreBefore, long nowMillis, long halfLifeMillis, long requests,
            double expectedScore) {

        /** Returns whether {@code actual} matches the expected score within 1e-12 of its size. */
        public boolean matches(double actual) {
            return Math.abs(actual - expectedScore) <= 1e-12 * Math.max(1, Math.abs(expectedScore));
        }
    }

    private PriorityVectors() {
    }

    /** Returns every vector in the file. */
    public static List<Vector> all() {
        try (InputStream in = PriorityVectors.class.getResourceAsStream("/algorithm/priority-vectors.csv");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<Vector> vectors = new ArrayList<>();
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
                String[] fields = line.split(",", -1);
                vectors.add(new Vector(fields[0].isEmpty() ? Optional.empty() : Optional.of(fields[0]),
                        Long.parseLong(fields[1]), Long.parseLong(fields[2]), Long.parseLong(fields[3]),
                        Double.parseDouble(fields[4])));
            }
            return vectors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
