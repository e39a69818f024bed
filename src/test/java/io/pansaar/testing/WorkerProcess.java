package io.pansaar.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The packaged application as operators run it ({@code java -jar target/quarkus-app/quarkus-run.jar}), in a process
 * of its own, with its log in a file. Closing it kills the process if it still runs and prints the log.
 */
public final class WorkerProcess implements AutoCloseable {

    /** Where the build packages the application, before integration tests run. */
    public static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    /**
     * The JVM options deploy/Dockerfile.jvm's runtime image starts the worker with (its run-java.sh launcher), for
     * k8s/deployment.yaml's memory limit of 1 GiB: a heap of 80% of the limit, and the parallel collector with its heap
     * sizing. A plain {@code java -jar} takes G1 instead on a machine of two cores or more.
     */
    public static final List<String> RUNTIME_IMAGE_JVM_OPTIONS = List.of("-Xmx819m", "-XX:+UseParallelGC",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:GCTimeRatio=4",
            "-XX:AdaptiveSizePolicyWeight=90", "-XX:+ExitOnOutOfMemoryError");

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final Process process;
    private final Path log;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts the application named {@code name} (its consumer name's prefix), with these environment variables. */
    public static WorkerProcess start(String name, Map<String, String> environment) {
        return start(name, List.of(), environment, JAR);
    }

    /** Starts the application named {@code name} with these JVM options (such as {@code -Xmx512m}) and environment variables. */
    public static WorkerProcess start(String name, List<String> jvmOptions, Map<String, String> environment) {
        return start(name, jvmOptions, environment, JAR);
    }

    /** Starts the application packaged as {@code jar} (another build, for comparisons), as {@link #start(String, Map)}. */
    public static WorkerProcess start(String name, Map<String, String> environment, Path jar) {
        return start(name, List.of(), environment, jar);
    }

    /** Starts the application packaged as {@code jar} with these JVM options and environment variables. */
    public static WorkerProcess start(String name, List<String> jvmOptions, Map<String, String> environment, Path jar) {
        if (!Files.exists(jar)) {
            throw new AssertionError(jar + " is missing: the application is packaged before integration tests run");
        }
        try {
            Path log = Files.createTempFile("pansaar-worker-" + name + "-", ".log");
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>();
            command.add(java);
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("QUARKUS_HTTP_PORT", "0");
            builder.environment().put("PANSAAR_WORKER_NAME", "process-" + name);
            builder.environment().putAll(environment);
            return new WorkerProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the log has a line containing {@code text}; fails when the process exits first. */
    public void awaitLog(String text) {
        await().atMost(WAIT).until(() -> {
            if (!process.isAlive() && lines().stream().noneMatch(line -> line.contains(text))) {
                throw new AssertionError("worker exited with " + process.exitValue() + " before logging '" + text
                        + "':\n" + String.join("\n", lines()));
            }
            return lines().stream().anyMatch(line -> line.contains(text));
        });
    }

    /** Waits for the process to exit by itself; returns its exit code. */
    public int awaitExit() {
        await().atMost(WAIT).until(() -> !process.isAlive());
        return process.exitValue();
    }

    /** The log so far, line by line. */
    public List<String> lines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The process, for its id and CPU time. */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** CPU time the process has used so far, user and system, in seconds. */
    public double cpuSeconds() {
        return process.info().totalCpuDuration().orElseThrow(
                () -> new AssertionError("the system does not tell the worker's CPU time")).toNanos() / 1e9;
    }

    /** SIGKILL: no shutdown hook runs, as when a pod is killed. */
    public void kill() {
        process.destroyForcibly();
        await().atMost(WAIT).until(() -> !process.isAlive());
    }

    /** SIGTERM: the orderly stop Kubernetes asks for. */
    public void stop() {
        process.destroy();
        await().atMost(WAIT).until(() -> !process.isAlive());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        String output = lines().stream().collect(Collectors.joining("\n"));
        System.out.println("--- worker log " + log + " ---\n" + output);
    }
}
