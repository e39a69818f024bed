package io.pansaar.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.impl.RedisURI;

/**
 * Where the read connections connect and what each sends before its first read, taken from the Quarkus Redis
 * client's options as the Vert.x client reads them: the first endpoint ({@code quarkus.redis.hosts}), its
 * {@code user:password} or else {@code quarkus.redis.password} ({@code AUTH}), its {@code /db} ({@code SELECT}),
 * its {@code client} name ({@code CLIENT SETNAME}), the client's TCP settings, and how many commands may wait for
 * their replies on one connection ({@code quarkus.redis.max-waiting-handlers}).
 *
 * @param address the server's address
 * @param tcp the TCP settings of the Quarkus client's connections
 * @param setUp the commands each connection sends first; any error among their replies fails the connection
 * @param maxWaitingCommands the most commands written on one connection and not yet answered; a read that would
 *        exceed it fails at once, as a stalled Redis would otherwise have reads pile up without bound
 * @param description the server and database, without credentials, for the log
 */
record ReadEndpoint(SocketAddress address, NetClientOptions tcp, List<RespCommand> setUp, int maxWaitingCommands,
        String description) {

    /** Why these options cannot be honoured by a read connection; empty when they can. */
    static Optional<String> unsupported(RedisOptions options) {
        if (options.getType() != RedisClientType.STANDALONE) {
            return Optional.of("the Redis client type is " + options.getType().name().toLowerCase()
                    + ", and read connections serve a single server only");
        }
        RedisURI uri = new RedisURI(options.getEndpoint());
        if (uri.unix()) {
            return Optional.of("read connections do not connect to a Unix socket (" + uri.baseUri() + ")");
        }
        if (uri.ssl() || options.getNetClientOptions().isSsl()) {
            return Optional.of("read connections do not speak TLS (rediss:// or quarkus.redis.tls)");
        }
        return Optional.empty();
    }

    /** The endpoint of options that {@link #unsupported} accepts. */
    static ReadEndpoint of(RedisOptions options) {
        RedisURI uri = new RedisURI(options.getEndpoint());
        List<RespCommand> setUp = new ArrayList<>();
        String password = uri.password() != null ? uri.password() : options.getPassword();
        if (password != null) {
            RespCommand auth = RespCommand.cmd("AUTH");
            if (uri.user() != null) {
                auth.arg(uri.user());
            }
            setUp.add(auth.arg(password));
        }
        if (uri.select() != null) {
            setUp.add(RespCommand.cmd("SELECT").arg(uri.select()));
        }
        if (uri.param("client") != null) {
            setUp.add(RespCommand.cmd("CLIENT").arg("SETNAME").arg(uri.param("client")));
        }
        SocketAddress address = uri.socketAddress();
        String description = address.host() + ":" + address.port() + ", database "
                + (uri.select() == null ? 0 : uri.select()) + (password == null ? "" : ", authenticated");
        return new ReadEndpoint(address, new NetClientOptions(options.getNetClientOptions()), List.copyOf(setUp),
                options.getMaxWaitingHandlers(), description);
    }
}
