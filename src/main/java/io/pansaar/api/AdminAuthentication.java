package io.pansaar.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.pansaar.config.PansaarConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Guards {@link AdminOnly} endpoints: 403 when no {@code pansaar.admin-token} is configured (admin
 * endpoints are never open), 401 without the right bearer token.
 *
 * <p>The token is taken as operators write it: trimmed on both sides, since a secret file usually ends
 * in a newline, and a token that is blank after trimming counts as unset. The scheme {@code Bearer} is
 * matched in any case, as RFC 9110 (section 11.1) has it.
 */
public class AdminAuthentication {

    private static final String SCHEME = "Bearer";

    /** The configured token's UTF-8 bytes, empty when none is configured. */
    private final Optional<byte[]> token;

    public AdminAuthentication(PansaarConfig config) {
        this.token = configuredToken(config).map(value -> value.getBytes(StandardCharsets.UTF_8));
    }

    /** The token admin requests must present: {@code pansaar.admin-token} trimmed, or empty when that is blank. */
    static Optional<String> configuredToken(PansaarConfig config) {
        return config.adminToken().map(String::strip).filter(token -> !token.isEmpty());
    }

    @ServerRequestFilter
    @AdminOnly
    public Optional<Response> requireAdminToken(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (token.isEmpty()) {
            return Optional.of(Problem.of(Response.Status.FORBIDDEN,
                    "admin endpoints are disabled until pansaar.admin-token is set", path).toResponse());
        }
        Optional<String> presented = bearerCredentials(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (presented.isEmpty()) {
            return Optional.of(unauthorized("this endpoint needs Authorization: Bearer <pansaar.admin-token>", path));
        }
        // Constant-time comparison, so the answer's timing does not reveal how much of a guess was right. Its time
        // depends only on the length of the first argument, the presented guess, never on the token's.
        if (!MessageDigest.isEqual(presented.get().getBytes(StandardCharsets.UTF_8), token.get())) {
            return Optional.of(unauthorized("the bearer token is not pansaar.admin-token", path));
        }
        return Optional.empty();
    }

    /**
     * The credentials of an {@code Authorization: Bearer <credentials>} field, trimmed; empty when the field
     * is absent, names another scheme or carries no credentials.
     */
    static Optional<String> bearerCredentials(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String field = authorization.strip();
        int end = 0;
        while (end < field.length() && field.charAt(end) != ' ' && field.charAt(end) != '\t') {
            end++;
        }
        if (!field.substring(0, end).equalsIgnoreCase(SCHEME)) {
            return Optional.empty();
        }
        String credentials = field.substring(end).strip();
        return credentials.isEmpty() ? Optional.empty() : Optional.of(credentials);
    }

    private static Response unauthorized(String detail, String path) {
        Response problem = Problem.of(Response.Status.UNAUTHORIZED, detail, path).toResponse();
        return Response.fromResponse(problem).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"pansaar\"").build();
    }
}
