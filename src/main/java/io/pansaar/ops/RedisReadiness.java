package io.pansaar.ops;

import java.time.Duration;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;

/** Readiness check {@code redis}: Redis answers PING within a second. */
@Readiness
@ApplicationScoped
public class RedisReadiness implements AsyncHealthCheck {

    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(1);

    private final Redis redis;

    public RedisReadiness(Redis redis) {
        this.redis = redis;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return redis.send(Request.cmd(Command.PING)).ifNoItem().after(CHECK_TIMEOUT).fail()
                .map(pong -> HealthCheckResponse.named("redis").up().withData("ping", pong.toString()).build())
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named("redis").down()
                        .withData("error", String.valueOf(failure.getMessage() != null ? failure.getMessage() : failure))
                        .build());
    }
}
