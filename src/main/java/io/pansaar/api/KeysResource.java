package io.pansaar.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.pansaar.key.ImageKey;
import io.pansaar.store.ImageStore;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code GET /api/keys/<key>}: what is cached for one key, without its body and without counting a read. */
@Path("/api/keys")
public class KeysResource {

    static final String PATH_PREFIX = "/api/keys/";

    private final ImageStore store;

    public KeysResource(ImageStore store) {
        this.store = store;
    }

    /** Describes the cached entry of {@code key}, or answers 404 when nothing is cached. */
    @GET
    @Path("{key: .+}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Describe a cached key", description = "TTL, freshness, size, validators, hits and any pending "
            + "job of one key. Reads metadata only, in one round trip; does not count as a read.")
    @APIResponse(responseCode = "200", description = "The key is cached (status ok, or a remembered origin 404)")
    @APIResponse(responseCode = "400", description = "The key breaks the key rules")
    @APIResponse(responseCode = "404", description = "Nothing is cached for the key, or the route was not written literally")
    public Uni<KeyDetails> describe(
            @Parameter(description = "Image key, e.g. avatars/u123.png") @PathParam("key") String key,
            @Context HttpServerRequest request) {
        ImageKey imageKey = PathKeys.after(request, PATH_PREFIX);
        return store.details(imageKey).onItem().transform(details -> details.map(KeyDetails::of)
                .orElseThrow(() -> new ProblemException(Response.Status.NOT_FOUND, "nothing is cached for " + imageKey)));
    }
}
