package io.pansaar.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /images/<key>} as the REST layer sees it: the operation's description in the OpenAPI document, and
 * the refusal of its aliases. {@link ImagesRoute} serves every request for the route written literally before the
 * REST layer sees it, so what reaches this method reached the route only after the HTTP layer rewrote the path
 * ({@code /%69mages/a.png}, {@code /images;x=1/a.png}); like every other route's aliases it is a 404 problem.
 * Methods other than GET and HEAD also come here, and the REST layer refuses them with 405 and Allow.
 */
@Path("/images")
public class ImagesResource {

    static final String PATH_PREFIX = "/images/";

    /** Refuses a path that named this route only once the HTTP layer had rewritten it. */
    @GET
    @Path("{key: .+}")
    @Operation(summary = "Read an image through the cache",
            description = "Fresh: 200 with max-age. Stale: 200 with max-age=0 while one refresh runs. Past grace while "
                    + "the origin fails: 200 with the kept copy, max-age=0 (stale-if-error). Missing: one job fetches it "
                    + "and the request waits up to pansaar.read-through.timeout. HEAD answers the same headers.")
    @APIResponse(responseCode = "200", description = "The image bytes, with Content-Type, ETag and Cache-Control")
    @APIResponse(responseCode = "304", description = "If-None-Match matched the current ETag")
    @APIResponse(responseCode = "400", description = "The key breaks the key rules")
    @APIResponse(responseCode = "404", description = "The origin answered 404 or 410 for this key lately")
    @APIResponse(responseCode = "503", description = "Not fetched within pansaar.read-through.timeout, or Redis did not "
            + "answer within pansaar.read-through.redis-timeout; see Retry-After")
    public Uni<Response> image(
            @Parameter(description = "Image key, e.g. avatars/u123.png") @PathParam("key") String key,
            @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
            @Context HttpServerRequest request) {
        throw PathKeys.notARoute(request.path());
    }
}
