package io.pansaar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

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
    void anImageCountsItsBodyItsOverheadAndItsKeyHeldSixTimes() {
        assertEquals(1_000 + ImageLayout.IMAGE_OVERHEAD_BYTES + 6 * 46, ImageLayout.chargedBytes(46, 1_000));
        assertEquals(ImageLayout.IMAGE_OVERHEAD_BYTES + 6 * 10, ImageLayout.chargedBytes(10, 0));
    }
}
