package io.pansaar.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /dashboard}: the live dashboard page. Its files are static resources under
 * {@code META-INF/resources/dashboard/}, served at {@code /dashboard/...}; this route answers the bare
 * path with the page itself, so neither {@code /dashboard} nor {@code /dashboard/} needs a redirect.
 */
@Path("/dashboard")
@Tag(name = "Operations")
@Singleton
public class DashboardResource {

    private static final String PAGE = "META-INF/resources/dashboard/index.html";

    private final byte[] page;

    public DashboardResource() {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IllegalStateException(PAGE + " is missing from the class path");
            }
            page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + PAGE, e);
        }
    }

    /** The dashboard page; it reads {@code /api/status} itself, so it costs nothing until a browser polls. */
    @GET
    @Produces(MediaType.TEXT_HTML + ";charset=utf-8")
    @Operation(summary = "The live dashboard page (HTML): queues, rates, read ratios, memory, origins, dead letters")
    public byte[] page() {
        return page;
    }
}
