package io.pansaar.api;

import java.util.Optional;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.pansaar.key.Partitioner;
import io.pansaar.ops.DeadLetterListing;
import io.pansaar.ops.DeadLetters;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The dead-letter streams {@code pansaar:{p}:dead}: list, retry and delete their entries. Admin only. */
@Path("/api/dead-letters")
@AdminOnly
@Tag(name = "Operations")
@SecurityScheme(securitySchemeName = "admin", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "pansaar.admin-token")
@SecurityRequirement(name = "admin")
public class DeadLetterResource {

    static final int DEFAULT_COUNT = 50;
    static final int MAX_COUNT = 1000;

    private final DeadLetters deadLetters;
    private final Partitioner partitioner;

    public DeadLetterResource(DeadLetters deadLetters, Partitioner partitioner) {
        this.deadLetters = deadLetters;
        this.partitioner = partitioner;
    }

    /** The body of a retry: the dead letter that was put back and the job that replaced it. */
    public record Retried(int partition, String deadLetterId, String jobId) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The newest dead letters, newest first",
            description = "Names and values are cut to pansaar.dead-letters.field-bytes, marked with their whole length; "
                    + "the listing stops at pansaar.dead-letters.listing-bytes and then says truncated.")
    @APIResponse(responseCode = "200", description = "The entries, and whether the byte budget cut the listing short")
    @APIResponse(responseCode = "400", description = "partition or count out of range")
    public Uni<DeadLetterListing> list(
            @Parameter(description = "Only this partition; all partitions when absent") @QueryParam("partition") String partition,
            @Parameter(description = "At most this many entries, 1 to 1000 (default 50)") @QueryParam("count") String count) {
        Optional<Integer> chosen = partition == null || partition.isEmpty() ? Optional.empty()
                : Optional.of(partition(partition));
        int limit = count == null || count.isEmpty() ? DEFAULT_COUNT : count(count);
        return deadLetters.newest(chosen, limit);
    }

    @POST
    @Path("/{partition}/{id}/retry")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Put a dead letter back on its job stream (it leaves the dead-letter stream)")
    @APIResponse(responseCode = "202", description = "Queued again; jobId is the new job entry")
    @APIResponse(responseCode = "404", description = "No such dead letter")
    @APIResponse(responseCode = "409", description = "The dead letter keeps only an excerpt of an oversize entry")
    public Uni<Response> retry(@PathParam("partition") String partition, @PathParam("id") String id) {
        int checkedPartition = partition(partition);
        String checkedId = entryId(id);
        return deadLetters.retry(checkedPartition, checkedId).map(jobId -> Response.accepted(
                new Retried(checkedPartition, checkedId, jobId.orElseThrow(() -> notFound(checkedPartition, checkedId))))
                .build())
                .onFailure(DeadLetters.RetryRefusedException.class).transform(refused -> new ProblemException(
                        Response.Status.CONFLICT, "dead letter " + checkedId + " of partition " + checkedPartition
                                + " cannot be put back: " + refused.getMessage()));
    }

    @DELETE
    @Path("/{partition}/{id}")
    @Operation(summary = "Delete a dead letter")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such dead letter")
    public Uni<Response> delete(@PathParam("partition") String partition, @PathParam("id") String id) {
        int checkedPartition = partition(partition);
        String checkedId = entryId(id);
        return deadLetters.delete(checkedPartition, checkedId).map(deleted -> {
            if (!deleted) {
                throw notFound(checkedPartition, checkedId);
            }
            return Response.noContent().build();
        });
    }

    private int partition(String value) {
        return boundedInteger("partition", value, 0, partitioner.partitions() - 1);
    }

    private static int count(String value) {
        return boundedInteger("count", value, 1, MAX_COUNT);
    }

    private static int boundedInteger(String name, String value, int minimum, int maximum) {
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw outOfRange(name, value, minimum, maximum);
        }
        if (parsed < minimum || parsed > maximum) {
            throw outOfRange(name, value, minimum, maximum);
        }
        return parsed;
    }

    private static ProblemException outOfRange(String name, String value, int minimum, int maximum) {
        return new ProblemException(Response.Status.BAD_REQUEST,
                name + " must be an integer from " + minimum + " to " + maximum + ", was \"" + value + "\"");
    }

    private static String entryId(String id) {
        if (!DeadLetters.isEntryId(id)) {
            throw new ProblemException(Response.Status.BAD_REQUEST,
                    "a dead-letter id looks like 1700000000000-0 (<ms>-<sequence>), was \"" + id + "\"");
        }
        return id;
    }

    private static ProblemException notFound(int partition, String id) {
        return new ProblemException(Response.Status.NOT_FOUND,
                "partition " + partition + " has no dead letter " + id);
    }
}
