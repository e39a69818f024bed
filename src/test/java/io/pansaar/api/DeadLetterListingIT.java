package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.key.RedisKeys;
import io.pansaar.ops.DeadLetters;
import io.pansaar.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * Dead letters written straight into the streams with 1 MB fields, listed over the API: the answer
 * stays within its byte budget, every value is cut with a marker of its whole length, and the process
 * goes on answering.
 */
@QuarkusTest
@TestProfile(DeadLetterListingIT.SmallListingBudget.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class DeadLetterListingIT {

    private static final int LISTING_BYTES = 16 * 1024;
    /** The listing's braces and "truncated" flag around its entries, which the budget does not count. */
    private static final int ENVELOPE_BYTES = 64;
    private static final int MEGABYTE = 1 << 20;

    /** A budget a few entries fill, so it is reached without writing gigabytes. */
    public static class SmallListingBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.dead-letters.listing-bytes", "16K");
        }
    }

    @Inject
    RedisDataSource redis;

    @Test
    void aListingOfDeadLettersWithMegabyteFieldsStaysWithinItsBudget() {
        String blob = "x".repeat(MEGABYTE);
        // Two bytes a character: the cut must fall between characters.
        String error = "é".repeat(MEGABYTE / 2);
        for (int index = 0; index < 24; index++) {
            Map<String, String> entry = new LinkedHashMap<>();
            entry.put("key", "avatars/big-" + index + ".png");
            entry.put("blob", blob);
            entry.put("last-error", error);
            entry.put("deliveries", "5");
            redis.stream(String.class).xadd(RedisKeys.deadLetters(index % 16), entry);
        }

        String body = admin().queryParam("count", 1000).get("/api/dead-letters").then().statusCode(200).extract().asString();
        int bytes = body.getBytes(StandardCharsets.UTF_8).length;
        assertTrue(bytes <= LISTING_BYTES + ENVELOPE_BYTES, "the listing has " + bytes + " bytes");
        JsonPath listing = JsonPath.from(body);
        assertTrue(listing.getBoolean("truncated"), "24 entries of over 2 KB each do not fit 16 KB");
        List<Map<String, Object>> entries = listing.getList("entries");
        assertTrue(entries.size() >= 5 && entries.size() < 24, entries.size() + " entries");
        String cutBlob = "x".repeat(1024) + DeadLetters.cutMarker(MEGABYTE);
        String cutError = "é".repeat(512) + DeadLetters.cutMarker(MEGABYTE);
        for (int index = 0; index < entries.size(); index++) {
            String path = "entries[" + index + "]";
            assertEquals(cutBlob, listing.getString(path + ".fields.blob"));
            assertEquals(cutError, listing.getString(path + ".lastError"));
            assertEquals(5, listing.getLong(path + ".deliveries"));
            assertTrue(listing.getString(path + ".fields.key").startsWith("avatars/big-"));
        }
        assertNewestFirst(listing);
        System.out.printf("dead-letter listing: %d of 24 entries in %d bytes (budget %d), truncated%n", entries.size(),
                bytes, LISTING_BYTES);

        // One partition's two entries fit: all of them, and the listing says it is complete.
        JsonPath partition = admin().queryParam("partition", 3).queryParam("count", 1000).get("/api/dead-letters")
                .then().statusCode(200).extract().jsonPath();
        assertFalse(partition.getBoolean("truncated"));
        assertEquals(List.of("avatars/big-19.png", "avatars/big-3.png"), partition.getList("entries.fields.key"));
        // count still bounds a listing the budget would allow.
        JsonPath one = admin().queryParam("partition", 3).queryParam("count", 1).get("/api/dead-letters")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("avatars/big-19.png"), one.getList("entries.fields.key"));
        assertFalse(one.getBoolean("truncated"));
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void anEntryListsItsFirstHundredFieldsAndCountsTheRest() {
        Map<String, String> entry = new LinkedHashMap<>();
        for (int index = 0; index < 150; index++) {
            entry.put("f" + index, "v");
        }
        entry.put("last-error", "written by the test");
        redis.stream(String.class).xadd(RedisKeys.deadLetters(7), entry);

        JsonPath listing = admin().queryParam("partition", 7).queryParam("count", 1).get("/api/dead-letters")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(DeadLetters.MAX_FIELDS, listing.getMap("entries[0].fields").size());
        assertEquals(50, listing.getInt("entries[0].fieldsOmitted"));
        // Bookkeeping fields after the hundredth are still read.
        assertEquals("written by the test", listing.getString("entries[0].lastError"));
    }

    @Test
    void aHugeFieldNameIsCutLikeAValue() {
        redis.stream(String.class).xadd(RedisKeys.deadLetters(11), Map.of("n".repeat(MEGABYTE), "value"));

        JsonPath listing = admin().queryParam("partition", 11).queryParam("count", 1).get("/api/dead-letters")
                .then().statusCode(200).extract().jsonPath();
        Map<String, String> fields = listing.getMap("entries[0].fields");
        assertEquals(Map.of("n".repeat(1024) + DeadLetters.cutMarker(MEGABYTE), "value"), fields);
    }

    private static void assertNewestFirst(JsonPath listing) {
        List<String> ids = listing.getList("entries.id", String.class);
        List<Integer> partitions = listing.getList("entries.partition", Integer.class);
        for (int index = 1; index < ids.size(); index++) {
            long[] previous = idParts(ids.get(index - 1));
            long[] current = idParts(ids.get(index));
            int order = previous[0] != current[0] ? Long.compare(previous[0], current[0])
                    : previous[1] != current[1] ? Long.compare(previous[1], current[1])
                            : Integer.compare(partitions.get(index), partitions.get(index - 1));
            assertTrue(order > 0, "entry " + index + " is not older than the one before: " + ids);
        }
    }

    private static long[] idParts(String id) {
        int dash = id.indexOf('-');
        return new long[] { Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1)) };
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer test-admin-token");
    }
}
