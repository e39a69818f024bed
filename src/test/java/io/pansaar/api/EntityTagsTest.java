package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.pansaar.store.FetchedImage;
import io.pansaar.testing.TestImages;

class EntityTagsTest {

    @Test
    void theOriginsTagIsServedAsIs() {
        byte[] body = { 1 };
        assertEquals("W/\"v7\"", EntityTags.of(Optional.of("W/\"v7\""), Optional.of(FetchedImage.digestOf(body)), () -> body));
    }

    @Test
    void withoutAnOriginTagAStrongTagIsDerivedFromTheBytes() {
        String tag = EntityTags.of(Optional.empty(), Optional.empty(), () -> new byte[] { 1, 2, 3 });
        assertTrue(tag.matches("\"sha256-[A-Za-z0-9_-]{22}\""), tag);
        assertEquals(tag, EntityTags.of(Optional.empty(), Optional.empty(), () -> new byte[] { 1, 2, 3 }));
        assertNotEquals(tag, EntityTags.of(Optional.empty(), Optional.empty(), () -> new byte[] { 1, 2, 4 }));
    }

    @Test
    void theDigestStoredAtWriteTimeGivesTheSameTagWithoutHashingTheBytes() {
        byte[] body = TestImages.png(20_000);
        String hashed = EntityTags.of(Optional.empty(), Optional.empty(), () -> body);
        assertEquals(hashed, EntityTags.of(Optional.empty(), Optional.of(FetchedImage.digestOf(body)), () -> body));
        // The stored digest is what the tag comes from: the bytes are not even asked for.
        assertEquals(hashed, EntityTags.of(Optional.empty(), Optional.of(FetchedImage.digestOf(body)), () -> {
            throw new AssertionError("the bytes were read");
        }));
        // A digest that is not a hex SHA-256 (a hash written by hand) is ignored, and the bytes are hashed.
        assertEquals(hashed, EntityTags.of(Optional.empty(), Optional.of("not-a-digest"), () -> body));
        assertEquals(hashed, EntityTags.of(Optional.empty(), Optional.of("z".repeat(64)), () -> body));
        // Not hex past the part the tag keeps: still not a digest.
        assertEquals(hashed, EntityTags.of(Optional.empty(),
                Optional.of(FetchedImage.digestOf(body).substring(0, 63) + "g"), () -> body));
        // Upper-case hex is the same digest.
        assertEquals(hashed, EntityTags.of(Optional.empty(),
                Optional.of(FetchedImage.digestOf(body).toUpperCase(Locale.ROOT)), () -> body));
    }

    @Test
    void everyStoredDigestGivesTheTagOfItsBytes() {
        // Many bodies, so that every base64 character occurs in some tag.
        for (int i = 0; i < 500; i++) {
            byte[] body = TestImages.png(100 + i, i);
            String hashed = EntityTags.of(Optional.empty(), Optional.empty(), () -> body);
            assertEquals(hashed, EntityTags.of(Optional.empty(), Optional.of(FetchedImage.digestOf(body)), () -> body));
        }
    }

    @Test
    void ifNoneMatchUsesWeakComparisonOverAList() {
        assertTrue(EntityTags.noneMatchHits("\"v1\"", "\"v1\""));
        assertTrue(EntityTags.noneMatchHits("W/\"v1\"", "\"v1\""), "W/ is ignored in the request");
        assertTrue(EntityTags.noneMatchHits("\"v1\"", "W/\"v1\""), "W/ is ignored in the current tag");
        assertTrue(EntityTags.noneMatchHits("\"a\", \"b,c\" ,W/\"v1\"", "\"v1\""));
        assertTrue(EntityTags.noneMatchHits("\"b,c\"", "\"b,c\""), "a comma inside a tag does not split it");
        assertTrue(EntityTags.noneMatchHits("*", "\"anything\""));
        assertFalse(EntityTags.noneMatchHits("\"v2\", W/\"v3\"", "\"v1\""));
        assertFalse(EntityTags.noneMatchHits("\"V1\"", "\"v1\""), "tags are case-sensitive");
        assertFalse(EntityTags.noneMatchHits("v1", "\"v1\""), "an unquoted tag is not an entity tag");
        assertFalse(EntityTags.noneMatchHits("", "\"v1\""));
    }
}
