package io.pansaar.simulator.trace;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Generates a synthetic trace from a spec such as
 * {@code zipf,objects=100000,alpha=0.9,requests=1000000,seed=1}: Zipf popularity over a fixed set
 * of objects with log-normal sizes ({@code size-median} bytes, {@code size-sigma}), optionally a
 * popularity drift (every {@code drift-every} requests the ranking rotates by {@code drift-shift}
 * objects) and one-time scans (every {@code scan-every} requests, {@code scan-length} requests to
 * objects never seen before). Time is the request counter, or with {@code requests-per-unit} that many requests
 * share each clock unit: a trace that spans fewer units than a TTL, as a real trace in seconds may.
 */
public final class SyntheticTraceReader implements TraceReader {
    private static final Set<String> PARAMETERS = Set.of("objects", "alpha", "requests", "seed", "size-median",
            "size-sigma", "drift-every", "drift-shift", "scan-every", "scan-length", "requests-per-unit");

    private final int objects;
    private final double alpha;
    private final long requests;
    private final long seed;
    private final double sizeMedian;
    private final double sizeSigma;
    private final long driftEvery;
    private final long driftShift;
    private final long scanEvery;
    private final long scanLength;
    private final long requestsPerUnit;

    /** Parses a spec (the text after {@code synthetic:}); throws IllegalArgumentException when it is malformed. */
    public SyntheticTraceReader(String spec) {
        String[] parts = spec.split(",");
        if (!parts[0].equals("zipf")) {
            throw new IllegalArgumentException("synthetic spec must start with 'zipf', got '" + parts[0] + "'");
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] pair = parts[i].split("=", 2);
            if (pair.length != 2 || !PARAMETERS.contains(pair[0])) {
                throw new IllegalArgumentException("unknown synthetic parameter '" + parts[i] + "', expected one of " + PARAMETERS);
            }
            values.put(pair[0], pair[1]);
        }
        try {
            objects = Integer.parseInt(values.getOrDefault("objects", "100000"));
            alpha = Double.parseDouble(values.getOrDefault("alpha", "0.9"));
            requests = Long.parseLong(values.getOrDefault("requests", "1000000"));
            seed = Long.parseLong(values.getOrDefault("seed", "1"));
            sizeMedian = Double.parseDouble(values.getOrDefault("size-median", "30000"));
            sizeSigma = Double.parseDouble(values.getOrDefault("size-sigma", "1.0"));
            driftEvery = Long.parseLong(values.getOrDefault("drift-every", "0"));
            driftShift = Long.parseLong(values.getOrDefault("drift-shift", String.valueOf(Math.max(1, objects / 10))));
            scanEvery = Long.parseLong(values.getOrDefault("scan-every", "0"));
            scanLength = Long.parseLong(values.getOrDefault("scan-length", "0"));
            requestsPerUnit = Long.parseLong(values.getOrDefault("requests-per-unit", "1"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("synthetic spec has a malformed number: " + spec, e);
        }
        if (objects < 1 || requests < 0 || alpha < 0 || sizeMedian < 1 || sizeSigma < 0 || requestsPerUnit < 1) {
            throw new IllegalArgumentException("synthetic spec needs objects >= 1, requests >= 0, alpha >= 0, "
                    + "size-median >= 1, size-sigma >= 0, requests-per-unit >= 1: " + spec);
        }
    }

    @Override
    public Stream<Request> requests() {
        double[] cumulative = zipfCumulative();
        long[] sizes = new long[objects];
        SplittableRandom sizeRandom = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < objects; i++) {
            sizes[i] = logNormalSize(sizeRandom);
        }
        SplittableRandom random = new SplittableRandom(seed);
        long[] scanned = {0};
        long cycle = scanEvery > 0 ? scanEvery + scanLength : Long.MAX_VALUE;
        return LongStream.range(0, requests).mapToObj(index -> {
            long time = index / requestsPerUnit;
            long inCycle = index % cycle;
            if (scanEvery > 0 && inCycle >= scanEvery) {
                // A one-time object: an id outside the popular set, never requested again.
                long id = objects + scanned[0]++;
                return new Request(time, id, logNormalSize(random));
            }
            int rank = rankOf(cumulative, random.nextDouble());
            long offset = driftEvery > 0 ? (index / driftEvery) * driftShift : 0;
            int object = (int) ((rank + offset) % objects);
            return new Request(time, object, sizes[object]);
        });
    }

    private double[] zipfCumulative() {
        double[] cumulative = new double[objects];
        double sum = 0;
        for (int rank = 0; rank < objects; rank++) {
            sum += 1.0 / Math.pow(rank + 1, alpha);
            cumulative[rank] = sum;
        }
        for (int rank = 0; rank < objects; rank++) {
            cumulative[rank] /= sum;
        }
        return cumulative;
    }

    private static int rankOf(double[] cumulative, double uniform) {
        int low = 0;
        int high = cumulative.length - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (cumulative[middle] < uniform) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    private long logNormalSize(SplittableRandom random) {
        // Box-Muller for one standard normal sample.
        double normal = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
        return Math.max(1, Math.round(sizeMedian * Math.exp(sizeSigma * normal)));
    }
}
