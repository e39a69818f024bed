package io.pansaar.stream;

import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.INCOMING;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.pansaar.config.PansaarConfig;
import io.pansaar.config.WorkerIdentity;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.redis.PansaarFunctions;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.health.HealthReport;
import io.smallrye.reactive.messaging.health.HealthReporter;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Reception;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

/**
 * The {@code pansaar-redis-streams} connector: delivers the entries of the job streams
 * {@code pansaar:{p}:jobs} and, with the capacity they leave, of the early-refresh streams {@code pansaar:{p}:early-refresh}
 * and then the warm streams {@code pansaar:{p}:warm} (consumer group {@code pansaar}) as {@link StreamEntry} messages.
 * Returning normally acknowledges an entry (it leaves the stream); throwing retries it with backoff
 * and, after {@code pansaar.stream.max-deliveries} or at once for an {@link UnprocessableEntryException},
 * moves it to {@code pansaar:{p}:dead}. The stream settings come from {@code pansaar.stream.*};
 * the mechanics live in {@link RedisStreamConsumer}.
 */
@ApplicationScoped
@Connector(RedisStreamsConnector.NAME)
@ConnectorAttribute(name = "max-in-flight", type = "int", direction = INCOMING,
        description = "Entries delivered and not yet acknowledged or failed, above which reading pauses. "
                + "Defaults to twice pansaar.worker.concurrency, and at least pansaar.partitions.")
public class RedisStreamsConnector implements InboundConnector, HealthReporter {

    public static final String NAME = "pansaar-redis-streams";

    private static final Logger LOG = Logger.getLogger(RedisStreamsConnector.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final long DRAIN_CHECK_MILLIS = 50;

    private final List<Channel> channels = new CopyOnWriteArrayList<>();

    @Inject
    Vertx vertx;

    @Inject
    Redis redis;

    @Inject
    PansaarConfig config;

    @Inject
    Partitioner partitioner;

    /** The one name this process goes by, here its consumer name in every job stream's group. */
    @Inject
    WorkerIdentity identity;

    /** Injected so the function library (with pansaar_dead_letter) is loaded before the first entry fails. */
    @Inject
    FunctionLibrary functionLibrary;

    /** Calls the functions, loading the library again where a Redis lost it (a restart without persistence). */
    @Inject
    PansaarFunctions functions;

    @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone")
    String clientType;

    private record Channel(String name, RedisStreamConsumer consumer) {
    }

    @Override
    public Flow.Publisher<? extends Message<?>> getPublisher(Config channelConfig) {
        RedisStreamsConnectorIncomingConfiguration incoming = new RedisStreamsConnectorIncomingConfiguration(channelConfig);
        int maxInFlight = incoming.getMaxInFlight()
                .orElse(Math.max(2 * config.worker().concurrency(), partitioner.partitions()));
        String consumerName = identity.name();
        StreamSettings settings = StreamSettings.from(config, partitioner, "cluster".equalsIgnoreCase(clientType), consumerName,
                maxInFlight);
        RedisStreamConsumer consumer = new RedisStreamConsumer(vertx, redis, functions, settings);
        channels.add(new Channel(incoming.getChannel(), consumer));
        LOG.infof("channel %s consumes the job streams as %s (library %s, at most %d in flight)", incoming.getChannel(),
                consumerName, functionLibrary.version(), maxInFlight);
        return consumer.messages();
    }

    /**
     * Stops every polling loop, then lets the jobs in flight finish, before Quarkus closes the Redis
     * client, so no read is cut off and no finished fetch is lost for want of a connection.
     * Observers of ShutdownEvent run while every service still works; bean destruction comes later
     * and in no defined order.
     */
    void stopBeforeShutdown(@Observes(notifyObserver = Reception.IF_EXISTS) @Priority(50) ShutdownEvent event) {
        for (Channel channel : channels) {
            try {
                channel.consumer().stop().await().atMost(STOP_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.warnf("channel %s did not stop within %s: %s", channel.name(), STOP_TIMEOUT, e.getMessage());
            }
        }
        Duration drainTimeout = config.worker().shutdownTimeout();
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        int inFlight = inFlight();
        if (inFlight > 0) {
            LOG.infof("waiting up to %s for %d jobs in flight to finish", drainTimeout, inFlight);
        }
        while (inFlight > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(DRAIN_CHECK_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            inFlight = inFlight();
        }
        if (inFlight > 0) {
            LOG.warnf("%d jobs still in flight after %s; they stay pending and another worker takes them over",
                    inFlight, drainTimeout);
        }
    }

    /** Entries delivered to this process and not yet acknowledged or failed, over every channel. */
    public int inFlight() {
        return channels.stream().mapToInt(channel -> channel.consumer().inFlight()).sum();
    }

    /** Jobs this process has put back to wait for their origin, and holds until they are delivered again. */
    public int parked() {
        return channels.stream().mapToInt(channel -> channel.consumer().parked()).sum();
    }

    /** This process's name in the consumer group; empty while no channel consumes (the worker is off). */
    public Optional<String> consumerName() {
        return channels.stream().map(channel -> channel.consumer().consumerName()).findFirst();
    }

    /** Entries this process has moved to the dead-letter streams since it started. */
    public long deadLettered() {
        return channels.stream().mapToLong(channel -> channel.consumer().deadLettered()).sum();
    }

    /** True when every channel of this connector reads its streams. */
    public boolean running() {
        return !channels.isEmpty() && channels.stream().allMatch(channel -> channel.consumer().running());
    }

    @Override
    public HealthReport getReadiness() {
        return report();
    }

    /** Readiness only: a Redis outage makes the worker unready, but restarting it would not help. */
    private HealthReport report() {
        HealthReport.HealthReportBuilder builder = HealthReport.builder();
        for (Channel channel : channels) {
            RedisStreamConsumer consumer = channel.consumer();
            Throwable failure = consumer.readFailure();
            String detail = failure != null ? "reading fails: " + failure.getMessage()
                    : consumer.running() ? "reading as " + consumer.consumerName() + ", " + consumer.inFlight() + " in flight"
                            : "not reading";
            builder.add(channel.name(), consumer.running(), detail);
        }
        return builder.build();
    }
}
