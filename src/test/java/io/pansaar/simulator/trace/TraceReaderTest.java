package io.pansaar.simulator.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceReaderTest {
    @TempDir
    Path directory;

    private static List<Request> readAll(TraceReader reader) throws IOException {
        try (Stream<Request> requests = reader.requests()) {
            return requests.collect(Collectors.toList());
        }
    }

    private Path gzip(String name, String text) throws IOException {
        Path file = directory.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    @Test
    void readsGzippedWebCacheSim() throws IOException {
        Path file = gzip("request.trace.gz", "1 0 68\n2 1 7454\n\n3 0 68\n");
        assertEquals(List.of(new Request(1, 0, 68), new Request(2, 1, 7454), new Request(3, 0, 68)),
                readAll(new WebCacheSimReader(file)));
    }

    @Test
    void readsPlainWebCacheSimAndRejectsShortLines() throws IOException {
        Path file = directory.resolve("plain.trace");
        Files.writeString(file, "5 9 100\n6 9\n");
        WebCacheSimReader reader = new WebCacheSimReader(file);
        assertThrows(IllegalArgumentException.class, () -> readAll(reader));
    }

    @Test
    void namesTheFileAndLineOfANumberThatDoesNotParse() throws IOException {
        Path file = directory.resolve("words.trace");
        Files.writeString(file, "5 9 100\n\nnot a number\n");
        WebCacheSimReader reader = new WebCacheSimReader(file);
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, () -> readAll(reader));
        assertEquals("words.trace line 3 does not parse (For input string: \"not\"): not a number", failure.getMessage());
    }

    @Test
    void reportsATencentTimestampThatDoesNotParseAsABadLine() throws IOException {
        Path file = directory.resolve("tencent.txt");
        Files.writeString(file, "2016-02-01 085abb02 5 m 12903 1 PHONE 1\n");
        TencentPhotoReader reader = new TencentPhotoReader(file);
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, () -> readAll(reader));
        assertTrue(failure.getMessage().startsWith("tencent.txt line 1 does not parse ("), failure.getMessage());
    }

    @Test
    void readsTencentPhotoObjectsAsPhotoFormatAndSizeClass() throws IOException {
        Path file = gzip("tencent.txt.gz", String.join("\n",
                "20160201164604 085abb02a06850729bb01479466420d9e102d325 5 m 12903 1 PHONE 1",
                "20160201164605 085abb02a06850729bb01479466420d9e102d325 5 b 30754 1 PHONE 0",
                "20160201164606 085abb02a06850729bb01479466420d9e102d325 0 m 0 0 PC 2",
                "20160201164607 085abb02a06850729bb01479466420d9e102d325 5 m 12903 1 PHONE 1") + "\n");
        List<Request> requests = readAll(new TencentPhotoReader(file));
        assertEquals(4, requests.size());
        assertEquals(requests.get(0).id(), requests.get(3).id());
        Set<Long> ids = new HashSet<>();
        requests.subList(0, 3).forEach(request -> ids.add(request.id()));
        assertEquals(3, ids.size(), "size class and format are part of the object");
        assertEquals(1, requests.get(2).size(), "a zero size counts as one byte");
        assertEquals(12903, requests.get(0).size());
        assertEquals(1, requests.get(1).time() - requests.get(0).time());
    }

    @Test
    void readsOracleGeneralLittleEndianRecords() throws IOException {
        Path file = directory.resolve("trace.oracleGeneral.bin");
        ByteBuffer buffer = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(10).putLong(0xFFFF_FFFF_0000_0001L).putInt(4096).putLong(1);
        buffer.putInt(0xFFFF_FFF0).putLong(42).putInt(0).putLong(-1);
        Files.write(file, buffer.array());
        List<Request> requests = readAll(new OracleGeneralReader(file));
        assertEquals(new Request(10, 0xFFFF_FFFF_0000_0001L, 4096), requests.get(0));
        assertEquals(new Request(0xFFFF_FFF0L, 42, 1), requests.get(1), "uint32 time; size 0 counts as one byte");
    }

    @Test
    void rejectsATruncatedOracleGeneralRecord() throws IOException {
        Path file = directory.resolve("truncated.bin");
        Files.write(file, new byte[30]);
        OracleGeneralReader reader = new OracleGeneralReader(file);
        assertThrows(IllegalArgumentException.class, () -> readAll(reader));
    }

    @Test
    void generatesAReproducibleZipfTrace() throws IOException {
        String spec = "zipf,objects=1000,alpha=0.9,requests=20000,seed=3";
        List<Request> first = readAll(new SyntheticTraceReader(spec));
        assertEquals(first, readAll(new SyntheticTraceReader(spec)));
        assertNotEquals(first, readAll(new SyntheticTraceReader(spec.replace("seed=3", "seed=4"))));
        assertEquals(20_000, first.size());
        long top = mostPopular(first);
        long popular = first.stream().filter(request -> request.id() == top).count();
        // Zipf 0.9 over 1000 objects gives the top object about 1/H(1000, 0.9) ≈ 8% of requests.
        assertTrue(popular > 1_000 && popular < 2_500, "most popular object seen " + popular + " times");
        assertTrue(first.stream().allMatch(request -> request.id() >= 0 && request.id() < 1000));
    }

    @Test
    void scansRequestObjectsOnlyOnce() throws IOException {
        List<Request> requests = readAll(new SyntheticTraceReader(
                "zipf,objects=100,requests=3000,seed=1,scan-every=900,scan-length=100"));
        List<Long> scanned = requests.stream().map(Request::id).filter(id -> id >= 100).collect(Collectors.toList());
        assertEquals(300, scanned.size());
        assertEquals(300, new HashSet<>(scanned).size());
    }

    @Test
    void driftChangesWhichObjectIsMostPopular() throws IOException {
        List<Request> requests = readAll(new SyntheticTraceReader(
                "zipf,objects=1000,alpha=1.2,requests=20000,seed=1,drift-every=10000,drift-shift=500"));
        assertNotEquals(mostPopular(requests.subList(0, 10_000)), mostPopular(requests.subList(10_000, 20_000)));
    }

    @Test
    void requestsPerUnitShareEachClockUnitAndLeaveTheRequestsAlone() throws IOException {
        String spec = "zipf,objects=100,requests=3000,seed=1,drift-every=1000,scan-every=900,scan-length=100";
        List<Request> perRequest = readAll(new SyntheticTraceReader(spec));
        List<Request> shared = readAll(new SyntheticTraceReader(spec + ",requests-per-unit=250"));
        assertEquals(perRequest.stream().map(Request::id).toList(), shared.stream().map(Request::id).toList());
        for (int index = 0; index < shared.size(); index++) {
            assertEquals(index / 250, shared.get(index).time());
        }
        assertThrows(IllegalArgumentException.class, () -> new SyntheticTraceReader("zipf,requests-per-unit=0"));
    }

    private static long mostPopular(List<Request> requests) {
        return requests.stream().collect(Collectors.groupingBy(Request::id, Collectors.counting())).entrySet().stream()
                .max(java.util.Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    @Test
    void rejectsMalformedSyntheticSpecs() {
        assertThrows(IllegalArgumentException.class, () -> new SyntheticTraceReader("uniform,objects=10"));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticTraceReader("zipf,colour=blue"));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticTraceReader("zipf,objects=ten"));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticTraceReader("zipf,objects=0"));
    }
}
