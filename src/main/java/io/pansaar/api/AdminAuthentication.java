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
 */
public class AdminAuthentication {

    private static final String BEARER = "Bearer ";

    private final Optional<byte[]> token;

    public AdminAuthentication(PansaarConfig config) {
        this.token = config.adminToken().filter(value -> !value.isBlank())
                .map(value -> value.getBytes(StandardCharsets.UTF_8));
    }

    @ServerRequestFilter
    @AdminOnly
    public Optional<Response> requireAdminToken(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (token.isEmpty()) {
            return Optional.of(Problem.of(Response.Status.FORBIDDEN,
                    "admin endpoints are disabled until pansaar.admin-token is set", path).toResponse());
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.startsWith(BEARER)) {
            return Optional.of(unauthorized("this endpoint needs Authorization: Bearer <pansaar.admin-token>", path));
        }
        byte[] presented = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        // Constant-time comparison, so the answer's timing does not reveal how much of a guess was right.
        if (!MessageDigest.isEqual(presented, token.get())) {
            return Optional.of(unauthorized("the bearer token is not pansaar.admin-token", path));
        }
        return Optional.empty();
    }

    private static Response unauthorized(String detail, String path) {
        Response problem = Problem.of(Response.Status.UNAUTHORIZED, detail, path).toResponse();
        return Response.fromResponse(problem).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"pansaar\"").build();
    }
}
