package io.pansaar.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The JSON body of {@code POST /api/regenerations}. */
@Schema(description = "A request to fetch one image from its origin again")
public record RegenerationRequest(
        @Schema(required = true, example = "avatars/u123.png") String key,
        @Schema(description = "miss, refresh or manual", defaultValue = "manual") String reason) {
}
