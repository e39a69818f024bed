package io.pansaar.api;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.pansaar.key.InvalidImageKeyException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** Turns the exceptions resources throw into RFC 9457 problem answers, in one place. */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response problem(ProblemException exception, UriInfo uri) {
        return Problem.of(exception.status(), exception.getMessage(), uri.getPath()).toResponse();
    }

    @ServerExceptionMapper
    public Response invalidKey(InvalidImageKeyException exception, UriInfo uri) {
        return Problem.of(Response.Status.BAD_REQUEST, "invalid image key: " + exception.getMessage(), uri.getPath())
                .toResponse();
    }
}
