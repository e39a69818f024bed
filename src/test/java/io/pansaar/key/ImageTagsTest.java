package io.pansaar.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageTagsTest {

    @Test
    void spacesAndCommasSeparateTagsAndBothHeadersMergeWithoutDuplicates() {
        ImageTags.Parsed parsed = ImageTags.parse(List.of("product-1  sale\tsummer/2026", " brand:acme, product-1,sale ,"));
        assertEquals(List.of("product-1", "sale", "summer/2026", "brand:acme"), parsed.tags());
        assertEquals(0, parsed.dropped());
        assertEquals(Optional.empty(), parsed.firstDropped());
    }

    @Test
    void noHeaderOrBlankValuesGiveNoTags() {
        assertEquals(List.of(), ImageTags.parse(List.of()).tags());
        ImageTags.Parsed blank = ImageTags.parse(List.of("", "  ", " , ,"));
        assertEquals(List.of(), blank.tags());
        assertEquals(0, blank.dropped());
    }

    @Test
    void aTagThatBreaksTheRulesIsDroppedAndCountedAndTheOthersKept() {
        String tooLong = "x".repeat(ImageTags.MAX_LENGTH + 1);
        ImageTags.Parsed parsed = ImageTags.parse(List.of("ok-1 bad!tag " + tooLong + " caf\u00e9 ok_2", "{x} ok.3"));
        assertEquals(List.of("ok-1", "ok_2", "ok.3"), parsed.tags());
        assertEquals(4, parsed.dropped());
        assertEquals(Optional.of("bad!tag"), parsed.firstDropped());
    }

    @Test
    void aBadTagInBothHeadersIsDroppedOnceAndCountedOnce() {
        ImageTags.Parsed parsed = ImageTags.parse(List.of("ok bad!tag bad!tag", "bad!tag,ok"));
        assertEquals(List.of("ok"), parsed.tags());
        assertEquals(1, parsed.dropped());
        assertEquals(Optional.of("bad!tag"), parsed.firstDropped());
    }

    @Test
    void tagsBeyondTheThirtySecondAreDroppedAndCountedButRepeatsOfKeptOnesAreNot() {
        List<String> many = IntStream.range(0, 40).mapToObj(i -> "t" + i).toList();
        List<String> values = new ArrayList<>(List.of(String.join(" ", many)));
        values.add("t0 t1");
        ImageTags.Parsed parsed = ImageTags.parse(values);
        assertEquals(many.subList(0, ImageTags.MAX_TAGS), parsed.tags());
        assertEquals(40 - ImageTags.MAX_TAGS, parsed.dropped());
        assertEquals(Optional.of("t32"), parsed.firstDropped());
    }

    @ParameterizedTest
    @ValueSource(strings = { "a", "product-1", "brand:acme", "summer/2026", "A_b.c-d:e/f", "0" })
    void acceptsTagsOfTheSafeCharacters(String tag) {
        assertNull(ImageTags.problemWith(tag));
    }

    @Test
    void acceptsATagOfTheLongestLength() {
        assertNull(ImageTags.problemWith("y".repeat(ImageTags.MAX_LENGTH)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''            | tag is empty",
            "'a b'         | other than A-Z a-z 0-9",
            "'a,b'         | other than A-Z a-z 0-9",
            "'a*'          | other than A-Z a-z 0-9",
            "'{p}'         | other than A-Z a-z 0-9",
            "'caf\u00e9'   | other than A-Z a-z 0-9",
    })
    void refusesTagsThatBreakTheRules(String tag, String problem) {
        String found = ImageTags.problemWith(tag);
        assertTrue(found != null && found.contains(problem), tag + ": " + found);
    }

    @Test
    void refusesATagLongerThanTheMost() {
        assertEquals("tag is 129 characters long, the most is 128", ImageTags.problemWith("z".repeat(129)));
    }
}
