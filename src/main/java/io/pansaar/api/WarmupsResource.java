package io.pansaar.api;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.pansaar.key.ImageKey;
import io.pansaar.store.ImageStore;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /api/warmups}: queues warm-up jobs on the partitions' warm streams, which workers take only with the
 * capacity misses leave them, so a warm-up of many images never holds up a reader's miss.
 */
@Path("/api/warmups")
@AdminOnly
public class WarmupsResource {

    /** The most keys one request warms. */
    static final int MAX_KEYS = 10_000;

    private static final String EXAMPLE = "{\"keys\": [\"<image key>\", ...]}";

    private final ImageStore store;

    public WarmupsResource(ImageStore store) {
        this.store = store;
    }

    /** The answer: how many warm-up jobs were queued and how many keys needed none. */
    @Schema(description = "What a warm-up request queued")
    public record WarmupAccepted(
            @Schema(description = "Warm-up jobs added to the warm streams") long queued,
            @Schema(description = "Keys that needed none: a fresh copy, a remembered 404/410, or a job already "
                    + "queued or fetching") long skipped) {
    }

    /** Queues a warm-up job for each of the body's keys that needs one. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Warm images", description = "Queues one warm-up job (reason warm) per key on its partition's "
            + "warm stream, single-flight like a miss; keys with a fresh copy, a remembered 404/410, or a job already "
            + "queued or fetching are skipped. Workers run warm-ups with the capacity misses leave, plus a small "
            + "guaranteed share (pansaar.stream.warm-share). Needs the admin token.")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = WarmupRequestSchema.class)))
    @APIResponse(responseCode = "202", description = "Queued",
            content = @Content(schema = @Schema(implementation = WarmupAccepted.class)))
    @APIResponse(responseCode = "400", description = "No body, malformed JSON, no keys or more than 10,000, an invalid "
            + "or repeated key, an unknown or repeated field; nothing is queued")
    @APIResponse(responseCode = "401", description = "No or the wrong bearer token")
    @APIResponse(responseCode = "403", description = "Admin endpoints are off: pansaar.admin-token is not set")
    @APIResponse(responseCode = "415", description = "The body is not sent as Content-Type: application/json")
    public Uni<Response> warm(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body) {
        StrictJson.requireContentType(contentType);
        List<ImageKey> keys = parse(body);
        return store.warm(keys).map(reply -> Response.accepted(new WarmupAccepted(reply.queued(), reply.skipped()))
                .type(MediaType.APPLICATION_JSON_TYPE).build());
    }

    /** The request's keys as read strictly: every key valid, none twice, 1 to {@link #MAX_KEYS} of them. */
    static List<ImageKey> parse(String body) {
        List<ImageKey> keys = new ArrayList<>();
        StrictJson.readObject(body, List.of("keys"), EXAMPLE,
                (name, parser) -> StrictJson.readImageKeys(parser, name, MAX_KEYS, "warmed", keys));
        if (keys.isEmpty()) {
            throw StrictJson.badRequest("the body names no key to warm; send " + EXAMPLE);
        }
        return List.copyOf(keys);
    }

    /** The request body as OpenAPI shows it. */
    @Schema(description = "Keys to warm")
    public record WarmupRequestSchema(@Schema(description = "1 to 10,000 image keys", required = true) List<String> keys) {
    }
}
