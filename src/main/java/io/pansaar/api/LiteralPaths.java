package io.pansaar.api;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ResourceInfo;

/**
 * Refuses with 404 a request whose raw path reached a route only after the HTTP layer rewrote it:
 * matrix parameters ({@code /api/dead-letters/0;x=1/1-0}), percent-escapes ({@code /api/%73tatus}),
 * empty or dot segments ({@code //api/status}, {@code /images/%2E%2E/api/status}). Routes that take an
 * image key leave the key to {@link PathKeys}, which refuses a bad key with a 400 naming the rule.
 *
 * <p>It runs before authentication, so an alias of an admin route is a 404 whatever token it carries.
 */
public class LiteralPaths {

    /** Whether each resource method takes an image key from its path, looked up once per method. */
    private final Map<Method, Boolean> takesPathKey = new ConcurrentHashMap<>();

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION - 100)
    public void requireLiteralPath(HttpServerRequest request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        if (method != null && takesPathKey.computeIfAbsent(method, LiteralPaths::hasKeyParameter)) {
            return;
        }
        String raw = request.path();
        if (!isLiteral(raw)) {
            throw PathKeys.notARoute(raw);
        }
    }

    /**
     * True for a path written as routes are: only {@code A-Z a-z 0-9 . _ - /}, no empty segment but a
     * trailing slash, no {@code .} or {@code ..} segment. Such a path is what the router matched, unchanged.
     */
    static boolean isLiteral(String rawPath) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return false;
        }
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-' || c == '/';
            if (!plain) {
                return false;
            }
        }
        String[] segments = rawPath.substring(1).split("/", -1);
        for (int index = 0; index < segments.length; index++) {
            String segment = segments[index];
            boolean trailingSlash = index == segments.length - 1 && index > 0 && segment.isEmpty();
            if ((segment.isEmpty() && !trailingSlash) || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasKeyParameter(Method method) {
        return Arrays.stream(method.getParameterAnnotations()).flatMap(Arrays::stream)
                .anyMatch(annotation -> isKeyParameter(annotation));
    }

    private static boolean isKeyParameter(Annotation annotation) {
        return annotation instanceof PathParam path && path.value().equals("key");
    }
}
