package io.pansaar.demo;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

import org.jboss.logging.Logger;

import io.pansaar.key.ImageKey;
import io.quarkus.arc.profile.IfBuildProfile;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A pretend image origin inside this process, at {@code /demo-origin/<key>}. A bean of the {@code demo} build
 * profile only ({@code ./demo} runs dev mode with it): no other build has this route.
 *
 * <p>It answers like a real origin: PNGs with ETag and Last-Modified, 304 on a matching
 * If-None-Match, 404 for keys containing {@code missing}, and 20 to 60 ms of latency. Banners get a
 * new version every two minutes; every other image never changes, so its refreshes end in 304.
 */
@ApplicationScoped
@IfBuildProfile("demo")
public class DemoOrigin {

    static final String PATH = "/demo-origin/";
    private static final Logger LOG = Logger.getLogger(DemoOrigin.class);
    private static final long BANNER_VERSION_MILLIS = 120_000;

    void register(@Observes Router router) {
        router.get(PATH + "*").handler(this::serve);
        LOG.infof("demo origin serving images at %s<key>", PATH);
    }

    private void serve(RoutingContext context) {
        String key = context.normalizedPath().substring(PATH.length());
        String problem = ImageKey.problemWith(key);
        if (problem != null) {
            context.response().setStatusCode(400).end(problem);
            return;
        }
        long latency = ThreadLocalRandom.current().nextLong(20, 61);
        context.vertx().setTimer(latency, timer -> respond(context, key));
    }

    private void respond(RoutingContext context, String key) {
        if (key.contains("missing")) {
            context.response().setStatusCode(404).end();
            return;
        }
        long version = key.startsWith("banners/") ? System.currentTimeMillis() / BANNER_VERSION_MILLIS : 0;
        byte[] png = DemoImages.png(key, version);
        CRC32 crc = new CRC32();
        crc.update(png);
        String etag = "\"" + Long.toHexString(crc.getValue()) + "\"";
        Instant modified = Instant.ofEpochMilli(version * BANNER_VERSION_MILLIS);
        context.response()
                .putHeader("ETag", etag)
                .putHeader("Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(modified.atZone(ZoneOffset.UTC)));
        if (etag.equals(context.request().getHeader("If-None-Match"))) {
            context.response().setStatusCode(304).end();
            return;
        }
        context.response().putHeader("Content-Type", "image/png").end(Buffer.buffer(png));
    }
}
