package io.pansaar.redis;

import java.util.Optional;

import org.jboss.logging.Logger;

import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Warns once at start-up when the Redis this worker connects to runs an {@code allkeys-*} maxmemory policy, under
 * which Redis may evict the keys Pansaar keeps without a TTL: job streams, dead letters, indexes, counters. Says
 * nothing when Redis refuses {@code CONFIG GET}, as managed services often do. On a cluster, the node that answers
 * speaks for all.
 */
@Startup
@ApplicationScoped
public class EvictionPolicyCheck {

    private static final Logger LOG = Logger.getLogger(EvictionPolicyCheck.class);
    private static final String POLICY = "maxmemory-policy";

    private final Redis redis;

    public EvictionPolicyCheck(Redis redis) {
        this.redis = redis;
    }

    @PostConstruct
    void checkAtStartup() {
        // Not awaited: start-up does not wait on a check whose only effect is a log line.
        warning().subscribe().with(warning -> warning.ifPresent(LOG::warn));
    }

    /** The warning the connected Redis' maxmemory policy deserves; empty when none does, or when Redis does not tell. */
    public Uni<Optional<String>> warning() {
        return redis.send(Request.cmd(Command.CONFIG).arg("GET").arg(POLICY))
                .map(reply -> policyOf(reply).flatMap(EvictionPolicyCheck::warningFor))
                .onFailure().invoke(failure -> LOG.debugf("Redis did not tell its %s (%s); no warning either way",
                        POLICY, failure.getMessage()))
                .onFailure().recoverWithItem(Optional.empty());
    }

    /** The warning for a maxmemory policy, or empty when the policy never evicts a key without a TTL. */
    static Optional<String> warningFor(String policy) {
        if (!policy.startsWith("allkeys-")) {
            return Optional.empty();
        }
        return Optional.of("Redis runs " + POLICY + " " + policy + ": when it reaches maxmemory it may evict keys "
                + "without a TTL: job streams (their jobs are lost), dead letters, Pansaar's indexes and counters. "
                + "Pansaar rebuilds its byte accounting and fence counters, not the rest. Use volatile-lru, "
                + "volatile-lfu or noeviction; see docs/protocol.md, Which keys Redis may evict");
    }

    /** The policy from CONFIG GET's reply of name-value pairs; empty when it names none. */
    private static Optional<String> policyOf(Response reply) {
        return Optional.ofNullable(RedisReplies.fields(reply).get(POLICY)).map(Response::toString);
    }
}
