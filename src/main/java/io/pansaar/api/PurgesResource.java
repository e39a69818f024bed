package io.pansaar.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonToken;

import io.pansaar.key.ImageKey;
import io.pansaar.key.ImageTags;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.store.ImageStore;
import io.pansaar.store.PurgeResult;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code POST /api/purges}: purges images by key, by key prefix or by tag, hard (deleted, the next read is a miss) or
 * soft (kept, stale from now on, refreshed once with a conditional GET). A prefix is resolved through each partition's
 * keys index, a tag through each partition's index of the tag, in bounded batches, never SCAN or KEYS. A fetch of a
 * purged key in flight is fenced, so its bytes are never written after the purge, and the key is fetched again once.
 */
@Path("/api/purges")
@AdminOnly
public class PurgesResource {

    /** The most keys one request purges. */
    static final int MAX_KEYS = PansaarFunctions.MAX_PURGED_PER_CALL;

    /** The most prefixes one request purges. */
    static final int MAX_PREFIXES = 100;

    /** The most tags one request purges. */
    static final int MAX_TAGS = 100;

    private static final String EXAMPLE = "{\"keys\": [\"<image key>\", ...], \"prefixes\": [\"<key prefix>\", ...], "
            + "\"tags\": [\"<tag>\", ...], \"soft\": false}";
    private static final List<String> FIELDS = List.of("keys", "prefixes", "tags", "soft");

    private final ImageStore store;

    public PurgesResource(ImageStore store) {
        this.store = store;
    }

    /** The request's keys, prefixes, tags and mode. */
    record PurgeRequest(List<ImageKey> keys, List<String> prefixes, List<String> tags, boolean soft) {
    }

    /** The answer: how many images were purged, and what happened to each key. */
    @Schema(description = "What a purge did")
    public record PurgeResponse(
            @Schema(description = "Images that existed and were purged (deleted, or marked stale by a soft purge), "
                    + "by key, by prefix and by tag; a soft purge counts an image once for each key, prefix or tag "
                    + "that reaches it") long purged,
            @Schema(description = "One entry per key, in the order of the request (none for the images purged by "
                    + "prefix or tag)") List<PurgedKey> keys) {
    }

    /** What a purge did to one key. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "What a purge did to one key")
    public record PurgedKey(
            String key,
            int partition,
            @Schema(description = "purged (deleted), marked-stale (soft: kept, stale) or absent (nothing was cached)")
            String outcome,
            @Schema(description = "The job enqueued to fetch the key again because a fetch of it was in flight and "
                    + "was fenced; absent when none was") String refetchJobId) {
    }

    /** Purges the body's keys, then its prefixes, then its tags. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Purge images by key, prefix or tag", description = "Hard (default): the images are deleted "
            + "and leave every index; the next read is a miss. Soft: the copies stay, stale from now on; the next read "
            + "gets one at once and one refresh runs as a conditional GET. A fetch in flight is fenced and the key "
            + "fetched again once. Prefixes purge every image whose key starts with one of them, in every partition, "
            + "in batches of 100. Tags purge every image the origin filed under one of them (its Surrogate-Key and "
            + "Cache-Tag headers), in every partition, in batches of 100. Needs the admin token.")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = PurgeRequestSchema.class)))
    @APIResponse(responseCode = "200", description = "Purged",
            content = @Content(schema = @Schema(implementation = PurgeResponse.class)))
    @APIResponse(responseCode = "400", description = "No body, malformed JSON, no key, prefix or tag, more than 100 "
            + "of any, an invalid or repeated key, prefix or tag, a field of the wrong type, an unknown or repeated "
            + "field")
    @APIResponse(responseCode = "401", description = "No or the wrong bearer token")
    @APIResponse(responseCode = "403", description = "Admin endpoints are off: pansaar.admin-token is not set")
    @APIResponse(responseCode = "415", description = "The body is not sent as Content-Type: application/json")
    public Uni<PurgeResponse> purge(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body) {
        StrictJson.requireContentType(contentType);
        PurgeRequest request = parse(body);
        Uni<PurgeResult> byKey = request.keys().isEmpty() ? Uni.createFrom().item(new PurgeResult(0, List.of()))
                : store.purge(request.keys(), request.soft());
        Uni<Long> byPrefix = request.prefixes().isEmpty() ? Uni.createFrom().item(0L)
                : store.purgePrefixes(request.prefixes(), request.soft());
        Uni<Long> byTag = request.tags().isEmpty() ? Uni.createFrom().item(0L)
                : store.purgeTags(request.tags(), request.soft());
        // One after the other, as before: a hard purge's later list finds the images an earlier one took absent, so
        // an image is counted once; and the calls of one request never compete with each other for Redis.
        return byKey.chain(keys -> byPrefix.chain(prefixed -> byTag.map(tagged -> response(keys, prefixed + tagged))));
    }

    /**
     * The request body as read strictly: every key valid, none twice, up to {@link #MAX_KEYS} of them; every prefix the
     * start of a valid key, none twice, up to {@link #MAX_PREFIXES}; every tag valid ({@link ImageTags}), none twice,
     * up to {@link #MAX_TAGS}; at least one key, prefix or tag.
     */
    static PurgeRequest parse(String body) {
        List<ImageKey> keys = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        boolean[] soft = { false };
        StrictJson.readObject(body, FIELDS, EXAMPLE, (name, parser) -> {
            switch (name) {
                case "keys" -> StrictJson.readImageKeys(parser, "keys", MAX_KEYS, "purged", keys);
                case "prefixes" -> StrictJson.readKeyPrefixes(parser, "prefixes", MAX_PREFIXES, "purged", prefixes);
                case "tags" -> StrictJson.readTags(parser, "tags", MAX_TAGS, "purged", tags);
                case "soft" -> {
                    JsonToken value = parser.currentToken();
                    if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                        throw StrictJson.mustBe(name, "true or false", parser);
                    }
                    soft[0] = value == JsonToken.VALUE_TRUE;
                }
                default -> throw new IllegalStateException("readObject passes only the fields listed, not " + name);
            }
        });
        if (keys.isEmpty() && prefixes.isEmpty() && tags.isEmpty()) {
            throw StrictJson.badRequest("the body names no key, prefix or tag to purge; send " + EXAMPLE);
        }
        return new PurgeRequest(List.copyOf(keys), List.copyOf(prefixes), List.copyOf(tags), soft[0]);
    }

    private static PurgeResponse response(PurgeResult result, long purgedByPrefixOrTag) {
        return new PurgeResponse(result.purged() + purgedByPrefixOrTag, result.keys().stream()
                .map(key -> new PurgedKey(key.key().value(), key.partition(),
                        key.outcome().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                        key.refetchJobId().orElse(null)))
                .toList());
    }

    /** The request body as OpenAPI shows it. */
    @Schema(description = "Keys, key prefixes and tags to purge; at least one of any")
    public record PurgeRequestSchema(
            @Schema(description = "Up to 100 image keys") List<String> keys,
            @Schema(description = "Up to 100 key prefixes: every image whose key starts with one is purged")
            List<String> prefixes,
            @Schema(description = "Up to 100 tags, each 1 to 128 characters of A-Z a-z 0-9 . _ : / -: every image the "
                    + "origin filed under one (Surrogate-Key, Cache-Tag) is purged") List<String> tags,
            @Schema(description = "true: keep the copies, stale; false (default): delete them") Boolean soft) {
    }
}
