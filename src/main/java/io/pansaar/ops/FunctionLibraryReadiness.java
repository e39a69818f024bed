package io.pansaar.ops;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.pansaar.redis.FunctionLibrary;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Readiness check {@code function-library}: every primary (the one Redis, or each primary of a
 * cluster) runs this deployment's version of the function library. A primary that failed over to a
 * replica without the library, or was flushed, makes the worker unready until it is loaded again.
 */
@Readiness
@ApplicationScoped
public class FunctionLibraryReadiness implements AsyncHealthCheck {

    private static final Logger LOG = Logger.getLogger(FunctionLibraryReadiness.class);
    private static final String NAME = "function-library";
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final FunctionLibrary library;

    public FunctionLibraryReadiness(FunctionLibrary library) {
        this.library = library;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return library.loadedVersions().ifNoItem().after(CHECK_TIMEOUT).fail()
                .call(this::loadWhereMissing)
                .map(this::report)
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named(NAME).down()
                        .withData("expected", library.version())
                        .withData("error", String.valueOf(failure.getMessage() != null ? failure.getMessage() : failure))
                        .build());
    }

    /**
     * Starts loading the library where a primary lacks it (a Redis restarted without persistence, a replica that took
     * over), so the worker becomes ready again by itself even when nothing else calls a function meanwhile. The check
     * reports what it found; the next one sees the library loaded.
     */
    private Uni<Void> loadWhereMissing(Map<String, Optional<String>> loaded) {
        // Only where the library is absent: another version is replaced at start-up, or refused when newer.
        if (loaded.values().stream().allMatch(Optional::isPresent)) {
            return Uni.createFrom().voidItem();
        }
        library.loadEverywhere().subscribe().with(
                done -> LOG.infof("loaded function library %s where it was missing", library.version()),
                failure -> LOG.warnf("could not load function library %s where it was missing: %s", library.version(),
                        failure.getMessage()));
        return Uni.createFrom().voidItem();
    }

    private HealthCheckResponse report(Map<String, Optional<String>> loaded) {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named(NAME).withData("expected", library.version());
        boolean current = true;
        for (Map.Entry<String, Optional<String>> primary : loaded.entrySet()) {
            builder.withData(primary.getKey(), primary.getValue().orElse("absent"));
            current &= primary.getValue().filter(library.version()::equals).isPresent();
        }
        return builder.status(current).build();
    }
}
