package io.pansaar.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisOptions;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The {@code pansaar} Redis Function library: one Lua file per function under
 * {@code src/main/resources/redis/functions}, assembled into one library and loaded on every primary.
 *
 * <p>Loading is idempotent: a primary that already runs this exact library is left alone; one that
 * runs an older API version, or other content of the same API version, is replaced; one that runs a
 * newer API version is never downgraded, and start-up fails with a message saying so. On Redis
 * Cluster, {@code FUNCTION LOAD} reaches one node only, so the loader connects to each primary.
 */
@ApplicationScoped
public class FunctionLibrary {

    /** Raised with every change to a function's keys, arguments or replies, so old and new deployments cannot clash. */
    public static final int API_VERSION = 14;

    public static final String LIBRARY_NAME = "pansaar";

    /** The function files, in load order. A new function gets a file here. */
    static final List<String> SOURCES = List.of("version.lua", "get.lua", "enqueue.lua", "claim.lua", "put.lua",
            "revalidated.lua", "put_negative.lua", "release.lua", "dead_letter.lua", "retry_dead_letter.lua",
            "forget_consumer.lua", "lease.lua", "evict.lua", "refresh_due.lua", "refresh_early.lua", "workers.lua",
            "repair.lua", "fold_hits.lua", "origin_acquire.lua", "origin_release.lua", "origin_status.lua", "purge.lua",
            "purge_prefix.lua", "purge_tag.lua", "warm.lua", "tune.lua");

    /** Helpers shared by the function files; registers no function and is loaded first, outside any block. */
    static final String SHARED_SOURCE = "shared.lua";

    private static final Logger LOG = Logger.getLogger(FunctionLibrary.class);
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(30);

    private final Redis redis;
    private final Vertx vertx;
    private final boolean cluster;
    private final String seedHost;
    private final String code;
    private final String version;
    /** The load under way, shared by everyone who asks for one meanwhile; null when none runs. */
    private final AtomicReference<Uni<Void>> loading = new AtomicReference<>();

    @Inject
    public FunctionLibrary(Redis redis, Vertx vertx,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType,
            @ConfigProperty(name = "quarkus.redis.hosts") List<String> hosts) {
        this.redis = redis;
        this.vertx = vertx;
        this.cluster = "cluster".equalsIgnoreCase(clientType);
        this.seedHost = hosts.get(0);
        String body = assembleSources(FunctionLibrary::readSource);
        this.version = versionOf(body);
        this.code = codeOf(body, version);
    }

    /**
     * The library as {@code FUNCTION LOAD} takes it, assembled from the function files that {@code source} reads by
     * file name; this deployment's library is {@code codeFrom} of the files on the class path.
     */
    public static String codeFrom(UnaryOperator<String> source) {
        String body = assembleSources(source);
        return codeOf(body, versionOf(body));
    }

    private static String versionOf(String body) {
        return API_VERSION + "+" + sha256(body).substring(0, 12);
    }

    /**
     * A library in Redis that this deployment must not replace: a newer API version's, or one whose version it cannot
     * read. Unlike an unreachable Redis or a cluster still forming, waiting does not cure it, so it stops a start.
     */
    public static final class LibraryConflictException extends IllegalStateException {
        LibraryConflictException(String message) {
            super(message);
        }

        LibraryConflictException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static String codeOf(String body, String version) {
        return "#!lua name=" + LIBRARY_NAME + "\n" + "local LIBRARY_VERSION = '" + version + "'\n" + body;
    }

    /**
     * Start-up priority of the load: right after {@code StartupCheck} (which runs at {@code Integer.MIN_VALUE}), before
     * every other observer, so the library is in place before any consumer or scheduler calls a function.
     */
    static final int LOAD_PRIORITY = Integer.MIN_VALUE + 1;

    /**
     * Loads the library at start-up, once the bean exists. Not in a {@code @PostConstruct}: a call on an event loop
     * that finds the library missing meanwhile asks this bean to load it, and would wait for the bean's creation
     * while the creation, blocked in the load, waits for replies that event loop would deliver.
     */
    void loadAtStartup(@Observes @Priority(LOAD_PRIORITY) StartupEvent event) {
        try {
            loadEverywhere().await().atMost(LOAD_TIMEOUT);
        } catch (LibraryConflictException refused) {
            // A newer deployment's library, or one of an unreadable version: this deployment must not run against
            // it, so the start fails with the reason.
            throw refused;
        } catch (RuntimeException unreachable) {
            // Redis may come up after the worker, or a cluster form after it (no slots served yet, no primary listed):
            // the readiness check loads the library when it answers, and a function call that finds it missing loads
            // it too. Until then the worker is unready, not stopped.
            LOG.warnf("could not load the function library at start-up (%s); the worker is unready until Redis "
                    + "answers, and loads it then", unreachable.getMessage());
        }
    }

    /** The version string this deployment loads, {@code <API_VERSION>+<content hash>}. */
    public String version() {
        return version;
    }

    /** The library source as sent to {@code FUNCTION LOAD}. */
    public String code() {
        return code;
    }

    /**
     * Loads the library on every primary that lacks this exact version. Callers that ask while a load is under way
     * share it: after a Redis restart every call in flight finds the library missing at once.
     */
    public Uni<Void> loadEverywhere() {
        return Uni.createFrom().deferred(() -> {
            Uni<Void> running = loading.get();
            if (running != null) {
                return running;
            }
            AtomicReference<Uni<Void>> self = new AtomicReference<>();
            Uni<Void> load = onEveryPrimary(this::ensureLoaded).replaceWithVoid()
                    .onTermination().invoke(() -> loading.compareAndSet(self.get(), null))
                    .memoize().indefinitely();
            self.set(load);
            return loading.compareAndSet(null, load) ? load : loadEverywhere();
        });
    }

    /**
     * The library version each primary reports through {@code FCALL pansaar_version}, by address
     * (host:port); empty where the library is not loaded.
     */
    public Uni<Map<String, Optional<String>>> loadedVersions() {
        return onEveryPrimary((node, address) -> loadedVersion(node).map(Optional::ofNullable));
    }

    /** Runs the action against the single Redis, or against each primary of a cluster over its own connection. */
    private <T> Uni<Map<String, T>> onEveryPrimary(BiFunction<Redis, String, Uni<T>> action) {
        if (!cluster) {
            // host:port only: the seed URI may carry a password, and addresses end up in logs and /api/status.
            URI seed = URI.create(seedHost);
            String address = seed.getHost() == null ? seed.getPath() // a Unix socket
                    : seed.getHost() + ":" + (seed.getPort() < 0 ? 6379 : seed.getPort());
            return action.apply(redis, address).map(result -> {
                // Not Map.of: an action of Uni<Void> yields null.
                Map<String, T> byAddress = new TreeMap<>();
                byAddress.put(address, result);
                return byAddress;
            });
        }
        return primaries().onItem().transformToUni(addresses -> {
            List<Uni<T>> calls = new ArrayList<>();
            for (String address : addresses) {
                calls.add(Uni.createFrom().deferred(() -> {
                    Redis node = Redis.createClient(vertx, new RedisOptions().setConnectionString(nodeUri(address)));
                    return action.apply(node, address).eventually(node::close);
                }));
            }
            return Uni.join().all(calls).andFailFast().map(results -> {
                Map<String, T> byAddress = new TreeMap<>();
                for (int index = 0; index < addresses.size(); index++) {
                    byAddress.put(addresses.get(index), results.get(index));
                }
                return byAddress;
            });
        });
    }

    /** True when an error reply means the server lacks the library, for example a primary that failed over. */
    public static boolean isFunctionMissing(Throwable failure) {
        String message = failure.getMessage();
        return message != null && message.contains("Function not found");
    }

    /** The version a server reports, or null when it lacks the library. */
    private static Uni<String> loadedVersion(Redis node) {
        return node.send(PansaarFunctions.versionRequest()).map(Response::toString)
                .onFailure(FunctionLibrary::isFunctionMissing).recoverWithItem((String) null);
    }

    private Uni<Void> ensureLoaded(Redis node, String where) {
        return loadedVersion(node)
                .onItem().transformToUni(loaded -> {
                    if (version.equals(loaded)) {
                        LOG.infof("function library %s already loaded on %s", version, where);
                        return Uni.createFrom().voidItem();
                    }
                    if (loaded != null && apiVersionOf(loaded) > API_VERSION) {
                        return Uni.createFrom().failure(new LibraryConflictException("Redis at " + where
                                + " runs Pansaar function library " + loaded + ", newer than this deployment's "
                                + version + "; upgrade this deployment or give it another Redis"));
                    }
                    return node.send(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(code))
                            .invoke(() -> LOG.infof("loaded function library %s on %s (was %s)", version, where,
                                    loaded == null ? "absent" : loaded))
                            .replaceWithVoid();
                });
    }

    /** Addresses (host:port) of every primary, from CLUSTER NODES. */
    private Uni<List<String>> primaries() {
        return redis.send(Request.cmd(Command.CLUSTER).arg("NODES")).onItem().transform(response -> {
            List<String> addresses = new ArrayList<>();
            for (String line : response.toString().split("\n")) {
                String[] fields = line.trim().split(" ");
                if (fields.length < 3) {
                    continue;
                }
                String flags = fields[2];
                if (flags.contains("master") && !flags.contains("fail") && !flags.contains("noaddr")) {
                    addresses.add(fields[1].split("@")[0]);
                }
            }
            if (addresses.isEmpty()) {
                throw new IllegalStateException("CLUSTER NODES listed no reachable primary");
            }
            return addresses;
        });
    }

    /** The seed URI with its host and port replaced, so credentials and TLS carry over to each node. */
    private String nodeUri(String address) {
        URI seed = URI.create(seedHost);
        String userInfo = seed.getRawUserInfo() == null ? "" : seed.getRawUserInfo() + "@";
        return seed.getScheme() + "://" + userInfo + address;
    }

    private static int apiVersionOf(String loadedVersion) {
        int plus = loadedVersion.indexOf('+');
        try {
            return Integer.parseInt(plus < 0 ? loadedVersion : loadedVersion.substring(0, plus));
        } catch (NumberFormatException e) {
            throw new LibraryConflictException("unreadable Pansaar function library version '" + loadedVersion + "'", e);
        }
    }

    private static String assembleSources(UnaryOperator<String> readSource) {
        // The shared helpers stay at the chunk's top level, so their locals are visible to every file below.
        StringBuilder body = new StringBuilder("\n-- ").append(SHARED_SOURCE).append("\n")
                .append(readSource.apply(SHARED_SOURCE)).append("\n");
        for (String source : SOURCES) {
            // Each file gets its own block, so its locals cannot collide with another file's.
            body.append("\n-- ").append(source).append("\ndo\n").append(readSource.apply(source)).append("\nend\n");
        }
        return body.toString();
    }

    private static String readSource(String source) {
        String path = "redis/functions/" + source;
        try (InputStream in = FunctionLibrary.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("function source " + path + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
