package io.pansaar.api;

import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import io.pansaar.key.ImageKey;
import io.pansaar.key.ImageTags;
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
     * Refuses a body sent without any Content-Type (415): {@code @Consumes} refuses other types, but lets a body without
     * one through.
     */
    static void requireContentType(String contentType) {
        if (contentType == null) {
            throw new ProblemException(Response.Status.UNSUPPORTED_MEDIA_TYPE,
                    "the request has no Content-Type; send the body as Content-Type: application/json");
        }
    }

    /** Reads the value of one field of the object, the parser standing on its first token. */
    @FunctionalInterface
    interface FieldReader {
        /** Takes the value of field {@code name}; throws a {@link ProblemException} for a value of the wrong shape. */
        void read(String name, JsonParser parser) throws IOException;
    }

    /**
     * The fields of {@code body}, each a string; a field whose value is JSON null is left out, as if absent.
     *
     * @param fields  the names the object may have
     * @param example a body to show in the message when this one is wrong
     */
    static Map<String, String> stringFields(String body, List<String> fields, String example) {
        Map<String, String> values = new LinkedHashMap<>();
        readObject(body, fields, example, (name, parser) -> {
            JsonToken value = parser.currentToken();
            if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
                throw mustBe(name, "a JSON string", parser);
            }
            values.put(name, value == JsonToken.VALUE_NULL ? null : parser.getText());
        });
        values.values().removeIf(Objects::isNull);
        return values;
    }

    /**
     * Reads {@code body} as one JSON object whose fields are among {@code fields}, each at most once, handing each
     * field's value to {@code reader}; anything after the object is refused.
     */
    static void readObject(String body, List<String> fields, String example, FieldReader reader) {
        if (body == null || body.isBlank()) {
            throw badRequest("the request has no body; send " + example);
        }
        Set<String> seen = new HashSet<>();
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
                if (!seen.add(name)) {
                    throw badRequest("field '" + name + "' appears more than once");
                }
                parser.nextToken();
                reader.read(name, parser);
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
    }

    /**
     * Reads the array field {@code name} at the parser's current token into {@code keys}: each item a valid image key,
     * none twice, at most {@code max} (a request over it is refused, as one that is {@code verb} per request); a 400
     * problem names the first item that is not.
     */
    static void readImageKeys(JsonParser parser, String name, int max, String verb, List<ImageKey> keys)
            throws IOException {
        readDistinctStrings(parser, name, max, "keys are " + verb, "a JSON array of image keys", "a valid image key",
                ImageKey::problemWith, text -> keys.add(ImageKey.of(text)));
    }

    /**
     * Reads the array field {@code name} at the parser's current token into {@code prefixes}: each item the start of
     * some valid image key ({@link ImageKey#problemWithPrefix}), none twice, at most {@code max} (a request over it is
     * refused, as one that is {@code verb} per request); a 400 problem names the first item that is not.
     */
    static void readKeyPrefixes(JsonParser parser, String name, int max, String verb, List<String> prefixes)
            throws IOException {
        readDistinctStrings(parser, name, max, "prefixes are " + verb, "a JSON array of key prefixes",
                "the start of a valid image key", ImageKey::problemWithPrefix, prefixes::add);
    }

    /**
     * Reads the array field {@code name} at the parser's current token into {@code tags}: each item a valid image tag
     * ({@link ImageTags#problemWith}), none twice, at most {@code max} (a request over it is refused, as one that is
     * {@code verb} per request); a 400 problem names the first item that is not.
     */
    static void readTags(JsonParser parser, String name, int max, String verb, List<String> tags) throws IOException {
        readDistinctStrings(parser, name, max, "tags are " + verb, "a JSON array of tags", "a valid tag",
                ImageTags::problemWith, tags::add);
    }

    /**
     * Reads an array of at most {@code max} distinct strings, each of which {@code problemOf} finds nothing wrong with
     * (it answers null), handing each to {@code accept}; {@code tooMany}, {@code arrayShape} and {@code itemShape} word
     * the 400 problems.
     */
    private static void readDistinctStrings(JsonParser parser, String name, int max, String tooMany, String arrayShape,
            String itemShape, Function<String, String> problemOf, Consumer<String> accept) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw mustBe(name, arrayShape, parser);
        }
        Set<String> seen = new HashSet<>();
        int position = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (position == max) {
                throw badRequest("at most " + max + " " + tooMany + " per request");
            }
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw mustBe(name + "[" + position + "]", "a JSON string", parser);
            }
            String text = parser.getText();
            String problem = problemOf.apply(text);
            if (problem != null) {
                throw badRequest(name + "[" + position + "] is not " + itemShape + ": " + problem);
            }
            if (!seen.add(text)) {
                throw badRequest(name + "[" + position + "] (" + text + ") appears more than once");
            }
            accept.accept(text);
            position++;
        }
    }

    /** A 400 problem saying that field {@code name} must be {@code shape} and what it was. */
    static ProblemException mustBe(String name, String shape, JsonParser parser) throws IOException {
        return badRequest("field '" + name + "' must be " + shape + ", was " + describe(parser));
    }

    private static ProblemException goesOn(long offset) {
        return badRequest("the body goes on after its JSON object (at character " + offset
                + "); send exactly one object");
    }

    /** What the parser's current token is, for a message: "a number (123)", "an array", "a boolean (true)". */
    static String describe(JsonParser parser) throws IOException {
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

    static ProblemException badRequest(String detail) {
        return new ProblemException(Response.Status.BAD_REQUEST, detail);
    }
}
