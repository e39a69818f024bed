package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.pansaar.testing.LogCapture;
import io.pansaar.testing.RawHttp;
import io.pansaar.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Hostile spellings of every route that takes a key or an id, sent byte for byte over a socket to the
 * running application on its real Redis: each is refused with a 400 or 404 problem, never a 500, and
 * leaves nothing at ERROR and no stack trace in the log.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class RouteVariantsIT {

    private static final String ADMIN_TOKEN = "test-admin-token";
    private static final String NOT_A_ROUTE = "no route is written ";
    private static final String NOTHING_SERVED = "nothing is served at ";

    @TestHTTPResource("/")
    URL root;

    static Stream<Arguments> variants() {
        return Stream.of(
                // The route itself written otherwise than literally: 404, the path as sent names nothing Pansaar serves.
                variant("GET", "/images;x=1/avatars/a.png", 404, NOT_A_ROUTE),
                variant("GET", "/%69mages/avatars/a.png", 404, NOT_A_ROUTE),
                variant("GET", "//images/avatars/a.png", 404, NOT_A_ROUTE),
                variant("GET", "/images/../api/keys/avatars/a.png", 404, NOT_A_ROUTE),
                variant("GET", "/api/keys;a=b/avatars/a.png", 404, NOT_A_ROUTE),
                variant("GET", "/api/%6Beys/avatars/a.png", 404, NOT_A_ROUTE),
                variant("GET", "/api;v=2/keys/avatars/a.png", 404, NOT_A_ROUTE),
                variant("GET", "/images/%2E%2E/api/status", 404, NOT_A_ROUTE),
                variant("GET", "/api/status;x=1", 404, NOT_A_ROUTE),
                variant("GET", "/api/%73tatus", 404, NOT_A_ROUTE),
                variant("GET", "/api/dead-letters;x=1", 404, NOT_A_ROUTE),
                variant("POST", "/api/dead-letters/0;x=1/1-0/retry", 404, NOT_A_ROUTE),
                variant("POST", "/api/dead-letters/%30/1-0/retry", 404, NOT_A_ROUTE),
                variant("DELETE", "/api/dead-letters/0/1-0;x=1", 404, NOT_A_ROUTE),
                variant("DELETE", "/api/dead-letters//0/1-0", 404, NOT_A_ROUTE),
                variant("POST", "/api/regenerations;x=1", 404, NOT_A_ROUTE),
                // No key at all: nothing is served there.
                variant("GET", "/images", 404, NOTHING_SERVED),
                variant("GET", "/images/", 404, NOTHING_SERVED),
                variant("GET", "/api/keys/", 404, NOTHING_SERVED),
                // The route written literally with a key that breaks the key rules: 400 naming the rule.
                variant("GET", "/images/avatars;v=1/a.png", 400, "key has character ';' at position 7"),
                variant("GET", "/images/avatars/a.png;v=1", 400, "key has character ';' at position 13"),
                variant("GET", "/api/keys/avatars;v=1/a.png", 400, "key has character ';' at position 7"),
                variant("GET", "/images//avatars/a.png", 400, "key starts with '/'"),
                variant("GET", "/images/avatars//a.png", 400, "empty path element"),
                variant("GET", "/api/keys//avatars/a.png", 400, "key starts with '/'"),
                variant("GET", "/images/avatars/", 400, "empty path element"),
                variant("GET", "/images/avatars%2Fa.png", 400, "encoded slash (%2F) at position 7"),
                variant("GET", "/images/%2favatars/a.png", 400, "encoded slash (%2F) at position 0"),
                variant("GET", "/api/keys/avatars%2Fa.png", 400, "encoded slash (%2F) at position 7"),
                variant("GET", "/images/avatars%252Fa.png", 400, "key has character '%' at position 7"),
                variant("GET", "/images/avatars/%2E%2E/a.png", 400, "'..' path element"),
                variant("GET", "/images/avatars/../a.png", 400, "'..' path element"),
                variant("GET", "/api/keys/avatars/./a.png", 400, "'.' path element"),
                variant("GET", "/images/avatars/%00.png", 400, "character U+0000"),
                variant("GET", "/images/avatars/%C3%A9.png", 400, "character U+00E9"),
                variant("GET", "/images/avatars/%FF.png", 400, "character U+FFFD"),
                variant("GET", "/images/" + "x".repeat(513), 400, "513 bytes long; the limit is 512"),
                variant("GET", "/api/keys/avatars/" + "x".repeat(3000), 400, "3008 bytes long; the limit is 512"),
                variant("GET", "/images/" + "%78".repeat(600), 400, "600 bytes long; the limit is 512"),
                // Not a valid URI: Quarkus' HTTP layer answers 400 with no body before any route or Pansaar code runs.
                variant("GET", "/images/%", 400, null),
                variant("GET", "/images/avatars/a%2.png", 400, null),
                variant("GET", "/images/avatars/%zz.png", 400, null),
                variant("GET", "/api/keys/%", 400, null),
                variant("DELETE", "/api/dead-letters/0/%", 400, null),
                // A request line over the HTTP codec's 4096 bytes: 414 with no body, before any route runs.
                variant("GET", "/images/" + "x".repeat(5000), 414, null));
    }

    private static Arguments variant(String method, String path, int status, String detail) {
        return Arguments.of(method, path, status, detail);
    }

    @ParameterizedTest(name = "{0} {1} answers {2}")
    @MethodSource("variants")
    void eachVariantIsRefusedWithoutAServerError(String method, String path, int status, String detail) {
        RawHttp.Answer answer;
        try (LogCapture log = LogCapture.start()) {
            answer = send(method, path);
            assertEquals(List.of(), log.errorsAndStackTraces(), method + " " + path);
        }
        assertEquals(status, answer.status(), method + " " + path + ": " + answer.body());
        if (detail == null) {
            assertEquals("", answer.body(), method + " " + path);
            return;
        }
        assertEquals(Problem.MEDIA_TYPE, answer.header("Content-Type"), method + " " + path);
        assertTrue(answer.body().contains("\"status\":" + status), answer.body());
        assertTrue(answer.body().contains(detail), method + " " + path + ": " + answer.body());
    }

    @Test
    void theLogCaptureSeesAnErrorAndItsStackTrace() {
        // The check above is only worth something if the capture sees what the application logs.
        try (LogCapture log = LogCapture.start()) {
            Logger.getLogger(ImagesResource.class).error("a failure", new IllegalStateException("boom"));
            assertEquals(List.of("ERROR io.pansaar.api.ImagesResource: a failure (java.lang.IllegalStateException: boom)"),
                    log.errorsAndStackTraces());
        }
    }

    @Test
    void theLiteralRoutesStillAnswer() {
        assertEquals(200, send("GET", "/api/status").status());
        assertEquals(200, send("GET", "/api/dead-letters").status());
        RawHttp.Answer missing = send("GET", "/api/keys/avatars/route-variants-none.png");
        assertEquals(404, missing.status());
        assertTrue(missing.body().contains("nothing is cached for avatars/route-variants-none.png"), missing.body());
    }

    private RawHttp.Answer send(String method, String path) {
        Map<String, String> headers = Map.of("Authorization", "Bearer " + ADMIN_TOKEN, "Content-Type", "application/json");
        String body = method.equals("GET") || method.equals("DELETE") ? null : "{\"key\": \"avatars/a.png\"}";
        return RawHttp.send(root.getPort(), method, path, headers, body);
    }
}
