package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.pansaar.key.InvalidImageKeyException;
import jakarta.ws.rs.core.Response;

class PathKeysTest {

    @Test
    void percentEscapesAreDecodedAsUtf8AndPlusStaysPlus() {
        assertEquals("avatars/../x.png", PathKeys.percentDecode("avatars/%2E%2e/x.png"));
        assertEquals("a b+c/é", PathKeys.percentDecode("a%20b+c/%C3%A9"));
        assertEquals("plain/key.png", PathKeys.percentDecode("plain/key.png"));
    }

    @Test
    void aMalformedEscapeIsAnInvalidKey() {
        InvalidImageKeyException truncated = assertThrows(InvalidImageKeyException.class,
                () -> PathKeys.percentDecode("avatars/x%2"));
        assertEquals("key has a malformed percent escape at position 9", truncated.getMessage());
        assertThrows(InvalidImageKeyException.class, () -> PathKeys.percentDecode("avatars/%zz.png"));
        assertThrows(InvalidImageKeyException.class, () -> PathKeys.percentDecode("%"));
    }

    @Test
    void malformedEscapesAreFoundWhereverTheyAre() {
        assertEquals(-1, PathKeys.malformedEscapeAt("avatars/%41%2e.png"));
        assertEquals(0, PathKeys.malformedEscapeAt("%"));
        assertEquals(4, PathKeys.malformedEscapeAt("%41/%4"));
        assertEquals(3, PathKeys.malformedEscapeAt("%25%g0"));
        assertEquals(-1, PathKeys.malformedEscapeAt("%25%25"));
    }

    @Test
    void anEncodedSlashInAKeyIsRefusedInEitherCase() {
        for (String raw : new String[] { "avatars%2Fx.png", "avatars%2fx.png", "%2Favatars/x.png" }) {
            InvalidImageKeyException refused = assertThrows(InvalidImageKeyException.class, () -> PathKeys.keyPart(raw));
            assertTrue(refused.getMessage().contains("encoded slash"), refused.getMessage());
        }
        // An escaped percent sign followed by "2F" is not a slash: it decodes to "%2F", which the key rules refuse.
        assertEquals("avatars%2Fx.png", PathKeys.keyPart("avatars%252Fx.png"));
        assertEquals("avatars/x.png", PathKeys.keyPart("avatars/%78.png"));
    }

    @Test
    void aRouteWrittenOtherwiseIsANotFoundProblemNamingThePathAndTheRoutes() {
        ProblemException problem = PathKeys.notARoute("/%69mages/a.png");
        assertEquals(Response.Status.NOT_FOUND, problem.status());
        assertTrue(problem.getMessage().startsWith("no route is written /%69mages/a.png;"), problem.getMessage());
        assertTrue(problem.getMessage().contains(PathKeys.ROUTES), problem.getMessage());
    }
}
