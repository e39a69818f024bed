package io.pansaar.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.pansaar.testing.TestImages;

class ImageFormatTest {

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void detectsEveryFormatFromARealImage(ImageFormat format) {
        assertEquals(Optional.of(format), ImageFormat.detect(TestImages.of(format)));
    }

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void refusesEveryFormatsMagicNumberCutShortByOneByte(ImageFormat format) {
        byte[] image = TestImages.of(format);
        int magicLength = switch (format) {
            case JPEG -> 3;
            case PNG -> 8;
            case GIF -> 6;
            case WEBP -> 12;
            // The whole ftyp box must be there, since the avif brand may come last in it.
            case AVIF -> ByteBuffer.wrap(image).getInt();
        };
        assertEquals(Optional.of(format), ImageFormat.detect(Arrays.copyOf(image, magicLength)));
        assertEquals(Optional.empty(), ImageFormat.detect(Arrays.copyOf(image, magicLength - 1)));
    }

    @Test
    void refusesHtmlEmptyAndMissingBodies() {
        assertEquals(Optional.empty(), ImageFormat.detect(TestImages.html()));
        assertEquals(Optional.empty(), ImageFormat.detect(new byte[0]));
        assertEquals(Optional.empty(), ImageFormat.detect(null));
    }

    @Test
    void refusesNearMisses() {
        assertEquals(Optional.empty(), ImageFormat.detect(ascii("GIF88a-------")));
        assertEquals(Optional.empty(), ImageFormat.detect(ascii("RIFF\0\0\0\0WAVEfmt ")));
        assertEquals(Optional.empty(), ImageFormat.detect(new byte[] {(byte) 0xFF, (byte) 0xD8, 0x00, 0x00}));
        assertEquals(Optional.empty(), ImageFormat.detect(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x00}));
    }

    @Test
    void findsTheAvifBrandAsMajorOrCompatibleBrand() {
        assertEquals(Optional.of(ImageFormat.AVIF), ImageFormat.detect(ftyp("avif", "mif1", "miaf")));
        assertEquals(Optional.of(ImageFormat.AVIF), ImageFormat.detect(ftyp("mif1", "miaf", "avif")));
        assertEquals(Optional.of(ImageFormat.AVIF), ImageFormat.detect(ftyp("avis", "msf1")));
        assertEquals(Optional.of(ImageFormat.AVIF), ImageFormat.detect(ftyp("msf1", "avis")));
    }

    @Test
    void refusesIsoMediaFilesOfOtherBrands() {
        assertEquals(Optional.empty(), ImageFormat.detect(ftyp("heic", "mif1", "heic")));
        assertEquals(Optional.empty(), ImageFormat.detect(ftyp("isom", "iso2", "mp41")));
    }

    @Test
    void refusesAnFtypBoxWhoseSizeDoesNotFitTheBody() {
        byte[] avif = ftyp("mif1", "avif");
        ByteBuffer.wrap(avif).putInt(0, avif.length + 4);
        assertEquals(Optional.empty(), ImageFormat.detect(avif), "box claims more bytes than the body has");
        ByteBuffer.wrap(avif).putInt(0, 8);
        assertEquals(Optional.empty(), ImageFormat.detect(avif), "box claims fewer bytes than its fixed part");
    }

    @ParameterizedTest
    @ValueSource(strings = {"image/png", "IMAGE/PNG", " image/png ", "image/png; charset=binary", "image/png;q=1"})
    void readsAMediaTypeWithoutItsParameters(String contentType) {
        assertEquals(Optional.of(ImageFormat.PNG), ImageFormat.forMediaType(contentType));
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/html", "text/html; charset=utf-8", "image/svg+xml", "image/jpg", "application/octet-stream", ""})
    void knowsNoOtherMediaType(String contentType) {
        assertEquals(Optional.empty(), ImageFormat.forMediaType(contentType));
    }

    @Test
    void mapsEveryFormatToItsMediaType() {
        for (ImageFormat format : ImageFormat.values()) {
            assertEquals(Optional.of(format), ImageFormat.forMediaType(format.mediaType()));
        }
    }

    /** An ISO-BMFF file-type box with these brands, followed by a few bytes of another box. */
    private static byte[] ftyp(String majorBrand, String... compatibleBrands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(16 + 4 * compatibleBrands.length).array());
        out.writeBytes(ascii("ftyp"));
        out.writeBytes(ascii(majorBrand));
        out.writeBytes(new byte[4]);
        for (String brand : compatibleBrands) {
            out.writeBytes(ascii(brand));
        }
        out.writeBytes(ascii("\0\0\0\u0008meta"));
        return out.toByteArray();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
