package io.pansaar.api;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Readiness check {@code ready-channels}: this process listens on the partitions' ready channels, so that a reader
 * waiting for an image's write (a read-through miss) is told of it. Down while the subscription is being renewed, as
 * after Redis restarted, or came up after the worker.
 */
@Readiness
@ApplicationScoped
public class ReadyChannelsReadiness implements HealthCheck {

    private static final String NAME = "ready-channels";

    private final ReadyNotifications notifications;

    public ReadyChannelsReadiness(ReadyNotifications notifications) {
        this.notifications = notifications;
    }

    @Override
    public HealthCheckResponse call() {
        if (notifications.listening()) {
            return HealthCheckResponse.named(NAME).up().build();
        }
        return HealthCheckResponse.named(NAME).down()
                .withData("reason", "not subscribed to the ready channels; subscribing until Redis answers").build();
    }
}
