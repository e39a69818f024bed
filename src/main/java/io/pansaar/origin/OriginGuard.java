package io.pansaar.origin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pansaar.config.PansaarConfig;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.OriginAcquireReply;
import io.pansaar.redis.function.OriginState;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Keeps the whole fleet's fetches to each origin within its {@link OriginPolicy}, its Retry-After pause and its
 * circuit breaker. The state lives in Redis under keys hash-tagged by origin ({@code pansaar:{o:<origin>}:...}), so
 * every worker of every pod sees the same permits, pause and breaker, on a single Redis and on Redis Cluster alike.
 *
 * <p>A worker asks {@link #acquire} before each fetch and gives the permit back with {@link #release}, saying what
 * the fetch showed. A permit lapses after {@code pansaar.origin.timeout} + 5 s, the longest a fetch can take, so a
 * worker killed while holding one does not keep it.
 */
@ApplicationScoped
public class OriginGuard {

    /** How much longer than the origin timeout a permit lasts: a margin for the fetch's end, its write and clock drift. */
    private static final Duration PERMIT_MARGIN = Duration.ofSeconds(5);

    private final PansaarFunctions functions;
    private final MeterRegistry registry;
    private final Map<OriginId, OriginPolicy> policies;
    private final OriginPolicy defaultPolicy;
    private final Duration permitLease;
    private final Duration maxRetryAfter;
    private final int breakerFailures;
    private final Duration breakerOpenFor;

    @Inject
    public OriginGuard(PansaarFunctions functions, MeterRegistry registry, PansaarConfig config) {
        this.functions = functions;
        this.registry = registry;
        this.policies = Map.copyOf(OriginPolicy.of(config));
        this.defaultPolicy = OriginPolicy.defaults(config.origin());
        this.permitLease = config.origin().timeout().plus(PERMIT_MARGIN);
        this.maxRetryAfter = config.origin().maxRetryAfter();
        this.breakerFailures = config.origin().breaker().failures();
        this.breakerOpenFor = config.origin().breaker().openFor();
        // Registered up front, so a dashboard sees each origin's deferrals at 0 before the first one.
        policies.keySet().forEach(origin -> {
            for (Reason reason : Reason.values()) {
                deferrals(origin, reason);
            }
        });
    }

    /** What a worker may do about one fetch: go ahead holding a {@link Permit}, or {@link Wait}. */
    public sealed interface Admission permits Permit, Wait {
    }

    /**
     * Leave to send one fetch to {@code origin}; give it back with {@link #release}.
     *
     * @param probe the breaker was half-open and this fetch decides whether it closes
     */
    public record Permit(OriginId origin, String holder, boolean probe) implements Admission {
    }

    /** No fetch now: why, and how long until asking again makes sense. */
    public record Wait(OriginId origin, Reason reason, Duration retryIn) implements Admission {
    }

    /** Why a fetch must wait. */
    public enum Reason {
        /** The origin asked every client to pause (Retry-After). */
        PAUSED,
        /** The origin failed too often in a row; its breaker lets nothing through for a while. */
        OPEN,
        /** The breaker is half-open and another fetch is the probe that decides. */
        PROBING,
        /** The fleet already has max-concurrency fetches in flight to the origin. */
        BUSY,
        /** The origin's max-rate allows the next fetch a little later. */
        RATE;

        /** Whether the origin is failing, as opposed to merely fully used: readers may then get stale-if-error copies. */
        public boolean originFailing() {
            return this == PAUSED || this == OPEN || this == PROBING;
        }
    }

    /** The origin's state after a fetch's outcome was recorded. */
    public record Condition(OriginState state, Duration left) {

        /** What this condition makes a fetch to {@code origin} wait for; empty while fetches go through. */
        public Optional<Wait> waitFor(OriginId origin) {
            return switch (state) {
                case CLOSED -> Optional.empty();
                case OPEN -> Optional.of(new Wait(origin, Reason.OPEN, left));
                case PAUSED -> Optional.of(new Wait(origin, Reason.PAUSED, left));
            };
        }
    }

    /** A permit for one fetch to {@code origin}, or how long to wait for one. */
    public Uni<Admission> acquire(OriginId origin) {
        OriginPolicy policy = policyOf(origin);
        String holder = UUID.randomUUID().toString();
        return functions.originAcquire(origin.toString(), holder, policy.maxConcurrency(), policy.rateIntervalMicros(),
                policy.rateBurst(), permitLease.toMillis())
                .map(reply -> admission(origin, holder, reply));
    }

    /**
     * Gives {@code permit} back, recording what its fetch showed: {@code failure} empty means the origin answered
     * (whatever the answer); a failure counts toward the breaker when it was the origin's fault (5xx, 429, a
     * timeout, a broken connection), and its Retry-After, capped by {@code pansaar.origin.max-retry-after}, pauses
     * the origin for every worker.
     */
    public Uni<Condition> release(Permit permit, Optional<OriginFetchException> failure) {
        boolean originFailed = failure.map(OriginFetchException::reason).map(FetchFailure::countsAgainstOrigin).orElse(false);
        Duration pause = failure.flatMap(OriginFetchException::retryAfter)
                .map(asked -> asked.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : asked).orElse(Duration.ZERO);
        String what = failure.map(Throwable::getMessage).orElse("");
        return functions.originRelease(permit.origin().toString(), permit.holder(), originFailed, pause, breakerFailures,
                breakerOpenFor, what)
                .map(reply -> new Condition(reply.state(), reply.left()));
    }

    /** Counts one job deferred for {@code origin} by this process, in {@code pansaar_origin_deferred_total}. */
    public void countDeferral(Wait wait) {
        deferrals(wait.origin(), wait.reason()).increment();
    }

    private Counter deferrals(OriginId origin, Reason reason) {
        return Counter.builder("pansaar.origin.deferred").tag("origin", origin.toString())
                .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                .description("Jobs this process put back to wait for their origin, by why").register(registry);
    }

    /** The origins the configuration names, each with the limits that apply to it. */
    public Map<OriginId, OriginPolicy> origins() {
        return policies;
    }

    /** Every configured origin's shared state, as Redis holds it now. */
    public Uni<List<OriginStatus>> status() {
        List<Uni<OriginStatus>> each = new ArrayList<>();
        policies.forEach((origin, policy) -> each.add(functions.originStatus(origin.toString())
                .map(reply -> OriginStatus.of(origin, policy, reply))));
        if (each.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Uni.join().all(each).andFailFast();
    }

    private OriginPolicy policyOf(OriginId origin) {
        // A segment's origin always has a policy; the fallback covers a URL the configuration check has not seen.
        return policies.getOrDefault(origin, defaultPolicy);
    }

    private static Admission admission(OriginId origin, String holder, OriginAcquireReply reply) {
        return switch (reply.verdict()) {
            case GRANTED -> new Permit(origin, holder, false);
            case PROBE -> new Permit(origin, holder, true);
            case PAUSED -> new Wait(origin, Reason.PAUSED, reply.retryIn());
            case OPEN -> new Wait(origin, Reason.OPEN, reply.retryIn());
            case PROBING -> new Wait(origin, Reason.PROBING, reply.retryIn());
            case BUSY -> new Wait(origin, Reason.BUSY, reply.retryIn());
            case RATE -> new Wait(origin, Reason.RATE, reply.retryIn());
        };
    }
}
