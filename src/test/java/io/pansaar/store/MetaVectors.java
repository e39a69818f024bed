package io.pansaar.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shared test vectors of the image hash's meta field, read from {@code store/meta-vectors.txt}. */
public final class MetaVectors {

    /** One vector: the values, field name to value, and the meta string they pack into. */
    public record Vector(Map<String, String> fields, String meta) {
    }

    private MetaVectors() {
    }

    /** Returns every vector in the file. */
    public static List<Vector> all() {
        try (InputStream in = MetaVectors.class.getResourceAsStream("/store/meta-vectors.txt");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<Vector> vectors = new ArrayList<>();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] columns = line.split("\t", -1);
                Map<String, String> fields = new LinkedHashMap<>();
                for (String pair : columns[0].split(";")) {
                    int equals = pair.indexOf('=');
                    fields.put(pair.substring(0, equals), pair.substring(equals + 1));
                }
                vectors.add(new Vector(fields, columns[1].replace("\\n", "\n")));
            }
            return vectors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
