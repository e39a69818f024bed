package io.pansaar.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import io.pansaar.key.ImageKey;
import io.pansaar.key.InvalidImageKeyException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Response;

/**
 * Takes an image key from the request path exactly as the client sent it.
 *
 * <p>The HTTP layer normalizes paths before routing: it decodes {@code %2E} and {@code %69}, drops matrix
 * parameters and removes dot segments, so {@code avatars/%2E%2E/x.png} would arrive as {@code x.png}, a
 * different image, and {@code /images;x=1/a.png} or {@code /%69mages/a.png} would reach the images route.
 * The key is therefore cut from the raw path and percent-decoded here, and a dot segment stays visible to
 * the key rules, which reject it.
 *
 * <p>Which status a malformed path gets: a route written in any other way than literally (matrix
 * parameters, percent-escapes, an extra slash before the key) is a 404, because the path as sent names
 * no resource of Pansaar; a proxy that allows or denies by path compares the literal text too, so serving
 * such aliases would let requests slip past it. A route written literally whose key breaks the key rules
 * (a bad or encoded character, an empty or dot element, too long) is a 400 naming the rule: the client
 * reached the right route with a bad key. A path that is not a valid URI at all, such as one with a lone
 * {@code %}, never gets here: Quarkus' HTTP layer answers it with an empty 400 before routing.
 */
final class PathKeys {

    /** Pansaar's routes, for messages about paths that match none. */
    static final String ROUTES = "/images/<key>, /api/keys/<key>, /api/status, /api/regenerations, /api/dead-letters, /dashboard";

    private PathKeys() {
    }

    /** The image key after {@code prefix} (for example {@code /images/}) in the request's raw path. */
    static ImageKey after(HttpServerRequest request, String prefix) {
        String raw = request.path();
        if (!raw.startsWith(prefix)) {
            throw notARoute(raw);
        }
        return ImageKey.of(keyPart(raw.substring(prefix.length())));
    }

    /** What a 404 for a path that matches no route says. */
    static String nothingServedAt(String path) {
        return "nothing is served at " + path + " (the routes: " + ROUTES + ")";
    }

    /** A 404 for a path that reached a route only after the HTTP layer rewrote it. */
    static ProblemException notARoute(String rawPath) {
        return new ProblemException(Response.Status.NOT_FOUND, "no route is written " + rawPath
                + "; routes match only as written, without matrix parameters, percent-escapes, empty or dot segments"
                + " (the routes: " + ROUTES + ")");
    }

    /** The decoded key of a raw path's key part; an encoded slash is refused, since it would give a key two spellings. */
    static String keyPart(String raw) {
        int encodedSlash = raw.toUpperCase(Locale.ROOT).indexOf("%2F");
        if (encodedSlash >= 0) {
            throw new InvalidImageKeyException("key has an encoded slash (%2F) at position " + encodedSlash
                    + "; write path elements with a plain '/'");
        }
        return percentDecode(raw);
    }

    /** Decodes %XX escapes as UTF-8; a '+' stays a '+', as in every path. */
    static String percentDecode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        int malformed = malformedEscapeAt(raw);
        if (malformed >= 0) {
            throw new InvalidImageKeyException("key has a malformed percent escape at position " + malformed);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
            i += 2;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The position of the first '%' not followed by two hex digits, or -1 when every escape is complete. */
    static int malformedEscapeAt(String raw) {
        for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 1)) {
            boolean complete = i + 2 < raw.length() && Character.digit(raw.charAt(i + 1), 16) >= 0
                    && Character.digit(raw.charAt(i + 2), 16) >= 0;
            if (!complete) {
                return i;
            }
            i += 2;
        }
        return -1;
    }
}
