package io.pansaar.startup;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.testing.LocalRedisConnection;
import io.pansaar.testing.WorkerProcess;

/** The packaged application on a heap too small for its bodies in flight says so at start-up, naming the settings. */
class StartupWarnsOfASmallHeapIT {

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    @Test
    void aHeapTooSmallForTheBodiesInFlightIsSaidAtStartUp() {
        // 16 jobs x 10 MiB x 2 copies = 320 MiB of bodies, against a 160 MiB heap.
        try (WorkerProcess worker = WorkerProcess.start("small-heap", Map.of("QUARKUS_REDIS_HOSTS", REDIS.server().uri(),
                "PANSAAR_ORIGIN_BASE_URL", "http://127.0.0.1:9/", "JAVA_TOOL_OPTIONS", "-Xmx160m"))) {
            worker.awaitLog("Profile prod activated");
            assertTrue(worker.lines().stream().anyMatch(line -> line.contains(" WARN ")
                    && line.contains("the heap may be too small: up to 320 MiB of image bodies")
                    && line.contains("pansaar.worker.concurrency") && line.contains("pansaar.origin.max-bytes")),
                    "one warning names the settings");
            worker.stop();
        }
    }
}
