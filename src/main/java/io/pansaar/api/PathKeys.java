package io.pansaar.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import io.pansaar.key.ImageKey;
import io.pansaar.key.InvalidImageKeyException;
import io.vertx.core.http.HttpServerRequest;

/**
 * Takes an image key from the request path exactly as the client sent it.
 *
 * <p>The HTTP layer normalizes paths before routing: it decodes {@code %2E} and removes dot
 * segments, so {@code avatars/%2E%2E/x.png} would arrive as {@code x.png}, a different image. The key
 * is therefore cut from the raw path and percent-decoded here, and a dot segment stays visible to the
 * key rules, which reject it.
 */
final class PathKeys {

    private PathKeys() {
    }

    /** The image key after {@code prefix} (for example {@code /images/}) in the request's raw path. */
    static ImageKey after(HttpServerRequest request, String prefix) {
        String raw = request.path();
        int start = raw.indexOf(prefix);
        if (start < 0) {
            throw new IllegalStateException("request path " + raw + " does not contain " + prefix);
        }
        return ImageKey.of(percentDecode(raw.substring(start + prefix.length())));
    }

    /** Decodes %XX escapes as UTF-8; a '+' stays a '+', as in every path. */
    static String percentDecode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
            int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
            if (high < 0 || low < 0) {
                throw new InvalidImageKeyException("key has a malformed percent escape at position " + i);
            }
            bytes.write(high * 16 + low);
            i += 2;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
