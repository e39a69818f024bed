package io.pansaar.origin;

import java.net.URI;
import java.util.Locale;

/**
 * An origin as the fleet's limits, pause and circuit breaker count it: the scheme, host and port of an origin URL
 * (RFC 6454), so two segments under one host share them and two ports of one host do not.
 *
 * @param scheme http or https, in lower case
 * @param host   the host in lower case (an IPv6 literal keeps its brackets)
 * @param port   the port, the scheme's default when the URL names none
 */
public record OriginId(String scheme, String host, int port) {

    /** The origin of an absolute http(s) URL. */
    public static OriginId of(URI url) {
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        int port = url.getPort() >= 0 ? url.getPort() : "https".equals(scheme) ? 443 : 80;
        return new OriginId(scheme, url.getHost().toLowerCase(Locale.ROOT), port);
    }

    /** {@code scheme://host:port}, as the status API, the meters and the Redis keys name it. */
    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port;
    }
}
