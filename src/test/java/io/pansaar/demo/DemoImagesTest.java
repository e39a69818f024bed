package io.pansaar.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.pansaar.origin.ImageDimensions;
import io.pansaar.origin.ImageFormat;
import io.pansaar.origin.ImageStructure;
import io.pansaar.origin.MalformedImageException;

/** The demo origin's images pass the checks every fetched image passes. */
class DemoImagesTest {

    @ParameterizedTest
    @CsvSource({"banners/spring.png, 600, 150", "thumbnails/t1.png, 160, 120", "avatars/a1.png, 64, 64"})
    void everySegmentsImageIsAWellFormedPngOfItsSize(String key, long width, long height) throws MalformedImageException {
        for (long version = 0; version < 3; version++) {
            byte[] png = DemoImages.png(key, version);
            assertEquals(Optional.of(ImageFormat.PNG), ImageFormat.detect(png));
            assertEquals(Optional.of(new ImageDimensions(width, height)), ImageStructure.inspect(ImageFormat.PNG, png));
        }
    }
}
