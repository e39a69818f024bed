package io.pansaar.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The JSON answer of {@code POST /api/regenerations}: either the job this request enqueued
 * ({@code id}) or the job already pending for the key ({@code pending} and {@code marker}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "The job that will regenerate the key")
public record RegenerationAccepted(
        String key,
        int partition,
        @Schema(description = "The job stream, pansaar:{p}:jobs") String stream,
        @Schema(description = "The new job's stream entry id; absent when a job was already pending") String id,
        @Schema(description = "The token of the job that will serve the request") String token,
        @Schema(description = "true when a job was already queued or fetching, so nothing was added") boolean pending,
        @Schema(description = "The pending job's single-flight marker: queued:<token> or fetching:<token>") String marker) {
}
