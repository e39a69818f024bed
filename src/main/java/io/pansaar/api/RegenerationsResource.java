package io.pansaar.api;

import java.net.URI;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.pansaar.key.ImageKey;
import io.pansaar.key.InvalidImageKeyException;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.store.EnqueueResult;
import io.pansaar.store.ImageStore;
import io.pansaar.store.JobReason;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /api/regenerations}: asks for one image to be fetched again, through the same
 * single-flight path as a miss, so a request for a key that already has a job adds none.
 */
@Path("/api/regenerations")
@AdminOnly
public class RegenerationsResource {

    private final ImageStore store;
    private final Partitioner partitioner;
    private final ObjectReader requestReader;

    public RegenerationsResource(ImageStore store, Partitioner partitioner, ObjectMapper mapper) {
        this.store = store;
        this.partitioner = partitioner;
        // Strict, so a misspelt field ("keys", "raeson") is an error instead of being ignored.
        this.requestReader = mapper.readerFor(RegenerationRequest.class)
                .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Enqueues a regeneration of the body's key unless a job for it is already pending. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Request a regeneration", description = "Enqueues one job for the key, single-flight: when a job "
            + "is already queued or fetching, nothing is added and the pending job is named. Needs the admin token.")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = RegenerationRequest.class)))
    @APIResponse(responseCode = "202", description = "A job was enqueued, or one was already pending",
            content = @Content(schema = @Schema(implementation = RegenerationAccepted.class)))
    @APIResponse(responseCode = "400", description = "No body, malformed JSON, an invalid key or an unknown reason")
    @APIResponse(responseCode = "401", description = "No or the wrong bearer token")
    @APIResponse(responseCode = "403", description = "Admin endpoints are off: pansaar.admin-token is not set")
    public Uni<Response> request(String body) {
        RegenerationRequest request = parse(body);
        ImageKey key = ImageKey.of(request.key());
        JobReason reason = reason(request.reason());
        int partition = partitioner.partitionOf(key);
        return store.enqueue(key, reason).onItem().transform(result -> Response.accepted(accepted(key, partition, result))
                .location(URI.create(KeysResource.PATH_PREFIX + key.value()))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build());
    }

    private RegenerationRequest parse(String body) {
        if (body == null || body.isBlank()) {
            throw badRequest("the request has no body; send {\"key\": \"<image key>\", \"reason\": \"manual\"}");
        }
        RegenerationRequest request;
        try {
            request = requestReader.readValue(body);
        } catch (UnrecognizedPropertyException e) {
            throw badRequest("unknown field '" + e.getPropertyName() + "'; the fields are key and reason");
        } catch (JsonProcessingException e) {
            throw badRequest("the body is not a JSON object of key and reason: " + e.getOriginalMessage());
        }
        if (request == null) {
            throw badRequest("the body is JSON null; send {\"key\": \"<image key>\"}");
        }
        if (request.key() == null) {
            throw new InvalidImageKeyException("the body has no \"key\" field");
        }
        return request;
    }

    private static JobReason reason(String reason) {
        if (reason == null) {
            return JobReason.MANUAL;
        }
        try {
            return JobReason.parse(reason);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
    }

    private static RegenerationAccepted accepted(ImageKey key, int partition, EnqueueResult result) {
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
