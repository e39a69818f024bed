package io.pansaar.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of three primaries (no replicas) on free loopback ports, built from the same
 * {@code redis-server} binary with {@code redis-cli --cluster create}.
 */
public final class LocalRedisCluster implements AutoCloseable {

    private final List<LocalRedisServer> nodes;

    private LocalRedisCluster(List<LocalRedisServer> nodes) {
        this.nodes = nodes;
    }

    /** Starts three cluster-enabled servers, joins them and waits until the cluster state is ok. */
    public static LocalRedisCluster start() {
        LocalRedisCluster cluster = startUnjoined();
        try {
            cluster.join();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Starts three cluster-enabled servers that know nothing of each other and serve no slot, as a cluster does while
     * it forms; {@link #join} makes them one.
     */
    public static LocalRedisCluster startUnjoined() {
        List<LocalRedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(LocalRedisServer.start(List.of("--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")));
            }
            return new LocalRedisCluster(nodes);
        } catch (RuntimeException e) {
            nodes.forEach(LocalRedisServer::close);
            throw e;
        }
    }

    /** Joins the three servers into one cluster, each the primary of a third of the slots, and waits until it is ok. */
    public void join() {
        List<String> create = new ArrayList<>(List.of(redisCli(), "--cluster", "create"));
        nodes.forEach(node -> create.add("127.0.0.1:" + node.port()));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        run(create);
        awaitClusterOk(nodes, Duration.ofSeconds(20));
    }

    public List<LocalRedisServer> nodes() {
        return nodes;
    }

    /** Comma-separated seed URIs for {@code quarkus.redis.hosts}. */
    public String hosts() {
        return nodes.stream().map(LocalRedisServer::uri).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        nodes.forEach(LocalRedisServer::close);
    }

    private static void awaitClusterOk(List<LocalRedisServer> nodes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean allOk = true;
            for (LocalRedisServer node : nodes) {
                String info = run(List.of(redisCli(), "-p", String.valueOf(node.port()), "CLUSTER", "INFO"));
                allOk &= info.contains("cluster_state:ok");
            }
            if (allOk) {
                return;
            }
            LocalRedisServer.sleep(100);
        }
        throw new IllegalStateException("cluster did not reach cluster_state:ok within " + timeout);
    }

    private static String redisCli() {
        String server = LocalRedisServer.executable();
        return server.endsWith("redis-server") ? server.substring(0, server.length() - "server".length()) + "cli" : "redis-cli";
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = process.waitFor();
            if (code != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + code + ": " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
