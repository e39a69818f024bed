package io.pansaar.api;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import jakarta.ws.rs.core.Response;

/**
 * Reads a request body that must be one JSON object of string fields, strictly: a field of another
 * type, an unknown or repeated field, and anything after the object are 400 problems saying so, never
 * quietly converted, ignored or overwritten.
 */
final class StrictJson {

    private static final JsonFactory FACTORY = new JsonFactory();

    private StrictJson() {
    }

    /**
     * The fields of {@code body}, each a string; a field whose value is JSON null is left out, as if absent.
     *
     * @param fields  the names the object may have
     * @param example a body to show in the message when this one is wrong
     */
    static Map<String, String> stringFields(String body, List<String> fields, String example) {
        if (body == null || body.isBlank()) {
            throw badRequest("the request has no body; send " + example);
        }
        Map<String, String> values = new LinkedHashMap<>();
        boolean objectRead = false;
        try (JsonParser parser = FACTORY.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw badRequest("the body is " + describe(parser) + ", not a JSON object; send " + example);
            }
            while (parser.nextToken() != JsonToken.END_OBJECT) {
                String name = parser.currentName();
                if (!fields.contains(name)) {
                    throw badRequest("unknown field '" + name + "'; the fields are " + String.join(" and ", fields));
                }
                if (values.containsKey(name)) {
                    throw badRequest("field '" + name + "' appears more than once");
                }
                JsonToken value = parser.nextToken();
                if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
                    throw badRequest("field '" + name + "' must be a JSON string, was " + describe(parser));
                }
                values.put(name, value == JsonToken.VALUE_NULL ? null : parser.getText());
            }
            objectRead = true;
            if (parser.nextToken() != null) {
                throw goesOn(parser.currentTokenLocation().getCharOffset());
            }
        } catch (JsonProcessingException e) {
            if (objectRead) {
                throw goesOn(e.getLocation() == null ? -1 : e.getLocation().getCharOffset());
            }
            throw badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalStateException("reading a string cannot fail", e);
        }
        values.values().removeIf(Objects::isNull);
        return values;
    }

    private static ProblemException goesOn(long offset) {
        return badRequest("the body goes on after its JSON object (at character " + offset
                + "); send exactly one object");
    }

    /** What the parser's current token is, for a message: "a number (123)", "an array", "a boolean (true)". */
    private static String describe(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            return "empty";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number (" + parser.getText() + ")";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean (" + parser.getText() + ")";
            case VALUE_NULL -> "null";
            default -> token.name();
        };
    }

    private static ProblemException badRequest(String detail) {
        return new ProblemException(Response.Status.BAD_REQUEST, detail);
    }
}
