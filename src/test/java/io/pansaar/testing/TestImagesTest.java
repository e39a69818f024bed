package io.pansaar.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TestImagesTest {

    @ParameterizedTest
    @ValueSource(ints = {200, 1_000, 65_536, 1_048_576})
    void makesAPngOfTheAskedSizeThatDecodes(int size) throws IOException {
        byte[] png = TestImages.png(size);
        assertEquals(size, png.length);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(image, "ImageIO could not decode the PNG");
        assertEquals(1, image.getWidth());
    }

    @Test
    void aTinySizeGivesTheSmallestPng() throws IOException {
        byte[] png = TestImages.png(1);
        assertNotNull(ImageIO.read(new ByteArrayInputStream(png)));
    }

    @Test
    void variantsAreDifferentImages() throws IOException {
        byte[] first = TestImages.png(500, 1);
        byte[] second = TestImages.png(500, 2);
        assertFalse(Arrays.equals(first, second));
        assertEquals(1, (ImageIO.read(new ByteArrayInputStream(first)).getRGB(0, 0) >>> 16) & 0xFF, "red comes from the variant");
    }

    @Test
    void jpegAndGifDecode() throws IOException {
        assertEquals(2, ImageIO.read(new ByteArrayInputStream(TestImages.jpeg())).getWidth());
        assertEquals(2, ImageIO.read(new ByteArrayInputStream(TestImages.gif())).getWidth());
    }
}
