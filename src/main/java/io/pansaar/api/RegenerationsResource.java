package io.pansaar.api;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.pansaar.key.ImageKey;
import io.pansaar.key.InvalidImageKeyException;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.function.EnqueueReply;
import io.pansaar.redis.function.JobReason;
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
 * {@code POST /api/regenerations}: asks for one image to be fetched again, through the same
 * single-flight path as a miss, so a request for a key that already has a job adds none.
 */
@Path("/api/regenerations")
@AdminOnly
public class RegenerationsResource {

    private static final String EXAMPLE = "{\"key\": \"<image key>\", \"reason\": \"manual\"}";

    private final ImageStore store;
    private final Partitioner partitioner;

    public RegenerationsResource(ImageStore store, Partitioner partitioner) {
        this.store = store;
        this.partitioner = partitioner;
    }

    /** Enqueues a regeneration of the body's key unless a job for it is already pending. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Request a regeneration", description = "Enqueues one job for the key, single-flight: when a job "
            + "is already queued or fetching, nothing is added and the pending job is named (a warm-up or early refresh still "
            + "queued on its lower lane does not count). Needs the admin token.")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = RegenerationRequest.class)))
    @APIResponse(responseCode = "202", description = "A job was enqueued, or one was already pending",
            content = @Content(schema = @Schema(implementation = RegenerationAccepted.class)))
    @APIResponse(responseCode = "400", description = "No body, malformed JSON, a field that is not a string, an unknown or "
            + "repeated field, data after the object, an invalid key, an unknown reason or reason warm")
    @APIResponse(responseCode = "401", description = "No or the wrong bearer token")
    @APIResponse(responseCode = "403", description = "Admin endpoints are off: pansaar.admin-token is not set")
    @APIResponse(responseCode = "415", description = "The body is not sent as Content-Type: application/json")
    public Uni<Response> request(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body) {
        StrictJson.requireContentType(contentType);
        RegenerationRequest request = parse(body);
        ImageKey key = ImageKey.of(request.key());
        JobReason reason = reason(request.reason());
        int partition = partitioner.partitionOf(key);
        return store.enqueue(key, reason).onItem().transform(result -> Response.accepted(accepted(key, partition, result))
                .location(URI.create(KeysResource.PATH_PREFIX + key.value()))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build());
    }

    private static RegenerationRequest parse(String body) {
        Map<String, String> fields = StrictJson.stringFields(body, List.of("key", "reason"), EXAMPLE);
        if (!fields.containsKey("key")) {
            throw new InvalidImageKeyException("the body has no \"key\" field");
        }
        return new RegenerationRequest(fields.get("key"), fields.get("reason"));
    }

    private static JobReason reason(String reason) {
        if (reason == null) {
            return JobReason.MANUAL;
        }
        JobReason parsed;
        try {
            parsed = JobReason.parse(reason);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        if (parsed == JobReason.WARM) {
            // This endpoint enqueues on the job stream, ahead of every warm-up: a warm-up belongs on the warm lane.
            throw badRequest("reason 'warm' is for POST /api/warmups, which queues warm-ups on the warm streams; "
                    + "a regeneration's reason is miss, refresh or manual");
        }
        return parsed;
    }

    private static RegenerationAccepted accepted(ImageKey key, int partition, EnqueueReply result) {
        String stream = RedisKeys.jobs(partition);
        if (result.enqueued()) {
            return new RegenerationAccepted(key.value(), partition, stream, result.jobId().orElseThrow(), result.token(),
                    false, null);
        }
        return new RegenerationAccepted(key.value(), partition, stream, null, result.token(), true,
                result.pendingMarker().orElseThrow());
    }

    private static ProblemException badRequest(String detail) {
        return new ProblemException(Response.Status.BAD_REQUEST, detail);
    }
}
