package io.pansaar.api;

import jakarta.ws.rs.core.Response;

/** Ends a request with an RFC 9457 problem answer of the given status and detail. */
public class ProblemException extends RuntimeException {

    private final Response.Status status;

    public ProblemException(Response.Status status, String detail) {
        super(detail);
        this.status = status;
    }

    public Response.Status status() {
        return status;
    }
}
