package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import jakarta.ws.rs.core.Response;

class StrictJsonTest {

    private static final List<String> FIELDS = List.of("key", "reason");
    private static final String EXAMPLE = "{\"key\": \"avatars/u1.png\"}";

    @Test
    void anObjectOfStringFieldsIsReadWithNullAsAbsent() {
        assertEquals(Map.of("key", "avatars/u1.png", "reason", "refresh"),
                read(" {\"key\": \"avatars/u1.png\", \"reason\": \"refresh\"}\n"));
        assertEquals(Map.of("key", "avatars/u1.png"), read("{\"reason\": null, \"key\": \"avatars/u1.png\"}"));
        assertEquals(Map.of(), read("{}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"key\": 123}                                  | field 'key' must be a JSON string, was a number (123)",
            "{\"key\": 1.5e3}                                | field 'key' must be a JSON string, was a number (1.5e3)",
            "{\"key\": true}                                 | field 'key' must be a JSON string, was a boolean (true)",
            "{\"key\": [\"avatars/u1.png\"]}                 | field 'key' must be a JSON string, was an array",
            "{\"key\": {\"value\": \"avatars/u1.png\"}}      | field 'key' must be a JSON string, was an object",
            "{\"key\": \"a.png\", \"reason\": false}         | field 'reason' must be a JSON string, was a boolean (false)",
            "{\"key\": \"a.png\", \"key\": \"b.png\"}        | field 'key' appears more than once",
            "{\"key\": null, \"key\": \"b.png\"}             | field 'key' appears more than once",
            "{\"key\": \"a.png\", \"priority\": 1}           | unknown field 'priority'; the fields are key and reason",
            "{\"key\": \"a.png\"} {\"key\": \"b.png\"}       | the body goes on after its JSON object (at character 17)",
            "{\"key\": \"a.png\"}x                           | the body goes on after its JSON object",
            "{\"key\": \"a.png\"}]                           | the body goes on after its JSON object",
            "[\"a.png\"]                                     | the body is an array, not a JSON object",
            "\"a.png\"                                       | the body is a string, not a JSON object",
            "42                                              | the body is a number (42), not a JSON object",
            "null                                            | the body is null, not a JSON object",
            "{\"key\":                                       | the body is not valid JSON",
            "{key: \"a.png\"}                                | the body is not valid JSON" })
    void anythingElseIsA400SayingWhatIsWrong(String body, String message) {
        ProblemException refused = assertThrows(ProblemException.class, () -> read(body));
        assertEquals(Response.Status.BAD_REQUEST, refused.status());
        assertTrue(refused.getMessage().startsWith(message), "'" + refused.getMessage() + "' for " + body);
    }

    @Test
    void anEmptyBodyShowsAnExample() {
        for (String body : new String[] { null, "", " \n" }) {
            ProblemException refused = assertThrows(ProblemException.class, () -> read(body));
            assertEquals("the request has no body; send " + EXAMPLE, refused.getMessage());
        }
    }

    private static Map<String, String> read(String body) {
        return StrictJson.stringFields(body, FIELDS, EXAMPLE);
    }
}
