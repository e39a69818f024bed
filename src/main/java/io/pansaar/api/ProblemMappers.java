package io.pansaar.api;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.pansaar.key.InvalidImageKeyException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
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

    /**
     * The answers the REST layer itself gives (a method the route does not take, a body type it does not
     * accept, ...), as problems with the same status and headers, such as Allow.
     */
    @ServerExceptionMapper
    public Response refusedByTheRestLayer(WebApplicationException exception, UriInfo uri, HttpHeaders headers,
            Request request) {
        Response refused = exception.getResponse();
        String detail;
        if (exception instanceof NotFoundException) {
            detail = PathKeys.nothingServedAt(uri.getPath());
        } else if (exception instanceof NotAllowedException) {
            detail = uri.getPath() + " does not take " + request.getMethod();
        } else if (exception instanceof NotSupportedException) {
            detail = "the body's Content-Type (" + headers.getHeaderString(HttpHeaders.CONTENT_TYPE)
                    + ") is not accepted here; send application/json";
        } else {
            detail = exception.getMessage();
        }
        Response.StatusType status = refused.getStatusInfo();
        Problem problem = new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail,
                uri.getPath());
        Response.ResponseBuilder answer = Response.fromResponse(problem.toResponse());
        refused.getHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE) && !name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH)) {
                values.forEach(value -> answer.header(name, value));
            }
        });
        return answer.build();
    }
}
