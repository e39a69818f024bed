package io.pansaar.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ImageLayoutTest {

    @Test
    void decodesEverySharedVector() {
        List<MetaVectors.Vector> vectors = MetaVectors.all();
        assertTrue(vectors.size() >= 5, "the vectors file was read: " + vectors.size());
        for (MetaVectors.Vector vector : vectors) {
            assertEquals(vector.fields(), ImageLayout.decode(vector.meta()), vector.meta());
        }
    }

    @Test
    void aReadGetsTheLeadingValuesAsTheWholeDecodingHasThem() {
        List<String> names = List.of("status", "fresh-until", "content-type", "etag", "digest");
        assertEquals(names, ImageLayout.META_FIELDS.subList(0, ImageLayout.READER_VALUES));
        for (MetaVectors.Vector vector : MetaVectors.all()) {
            String[] values = ImageLayout.readerValues(vector.meta());
            for (int i = 0; i < names.size(); i++) {
                assertEquals(ImageLayout.decode(vector.meta()).get(names.get(i)), values[i], vector.meta() + ": " + names.get(i));
            }
        }
        assertArrayEquals(new String[ImageLayout.READER_VALUES], ImageLayout.readerValues(null));
        assertArrayEquals(new String[] { "ok", null, "image/png", null, null }, ImageLayout.readerValues("ok\n\nimage/png"));
    }

    @Test
    void aWholeNumberOrAStatusMangledIntoAnythingElseIsNotKnown() {
        assertEquals(Optional.of(1_700_000_000_000L), ImageLayout.wholeNumber("1700000000000"));
        assertEquals(Optional.of(-1L), ImageLayout.wholeNumber("-1"));
        assertEquals(Optional.of(999_999_999_999_999_999L), ImageLayout.wholeNumber("999999999999999999"));
        for (String mangled : new String[] { null, "", "-", "abc", "inf", "nan", "0x10", "1.5", "1e3", "+5", " 5",
                "1000000000000000000" }) {
            assertEquals(Optional.empty(), ImageLayout.wholeNumber(mangled), mangled);
        }
        assertEquals(Optional.of("ok"), ImageLayout.copyStatus("ok"));
        assertEquals(Optional.of("404"), ImageLayout.copyStatus("404"));
        for (String mangled : new String[] { null, "", "OK", "abc", "4040", "-40", "4.0" }) {
            assertEquals(Optional.empty(), ImageLayout.copyStatus(mangled), mangled);
        }
    }

    @Test
    void aMissingMetaDecodesToNoValues() {
        assertTrue(ImageLayout.decode(null).isEmpty());
        assertTrue(ImageLayout.decode("").isEmpty());
    }

    @Test
    void valuesBeyondTheKnownFieldsAreIgnored() {
        // A meta written by a later layout that appends fields still reads as far as this one knows it.
        String longer = String.join("\n", ImageLayout.META_FIELDS) + "\nsomething-new";
        assertEquals(ImageLayout.META_FIELDS.size(), ImageLayout.decode(longer).size());
        assertEquals("last-modified", ImageLayout.decode(longer).get("last-modified"));
    }

    @Test
    void anImageCountsItsBodyItsOverheadAndItsKeyHeldFiveTimes() {
        // The image hash's name and its entries in the priority index, the schedule, the keys index and the history.
        assertEquals(1_000 + ImageLayout.IMAGE_OVERHEAD_BYTES + 5 * 46, ImageLayout.chargedBytes(46, 1_000));
        assertEquals(ImageLayout.IMAGE_OVERHEAD_BYTES + 5 * 10, ImageLayout.chargedBytes(10, 0));
    }
}
