package io.pansaar.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The packaged application runs the simulator and exits, without starting the server. */
class SimulateCommandIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    @Test
    void theJarSimulatesWithoutStartingTheServer() throws IOException, InterruptedException {
        assertTrue(Files.exists(JAR), JAR + " is missing: the application is packaged before integration tests run");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-jar", JAR.toString(), "simulate",
                "--format", "synthetic:zipf,objects=2000,alpha=0.9,requests=20000,seed=7",
                "--capacity", "10%", "--policies", "lru,belady", "--csv")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the simulator did not exit");

        assertEquals(0, process.exitValue(), output);
        List<String> lines = output.lines().toList();
        assertEquals("policy,capacity_bytes,requests,object_hit_ratio,byte_hit_ratio,origin_fetches,stale_hit_ratio",
                lines.get(0), output);
        assertEquals(3, lines.size(), output);
        assertTrue(lines.get(1).startsWith("lru,") && lines.get(2).startsWith("belady,"), output);
        assertFalse(output.contains("Listening on") || output.contains("Quarkus"), "the server started:\n" + output);
    }
}
