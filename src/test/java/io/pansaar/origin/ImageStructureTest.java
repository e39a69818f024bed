package io.pansaar.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.pansaar.testing.TestImages;

class ImageStructureTest {

    /** The default of {@code pansaar.origin.max-pixels}, which the huge declarations below must exceed. */
    private static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    // --- Every format -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void aRealImageOfEveryFormatPassesWithItsDimensions(ImageFormat format) throws MalformedImageException {
        ImageDimensions expected = switch (format) {
            case PNG -> new ImageDimensions(1, 1);
            case JPEG, GIF -> new ImageDimensions(2, 2);
            case WEBP, AVIF -> new ImageDimensions(4, 4);
        };
        assertEquals(Optional.of(expected), ImageStructure.inspect(format, TestImages.of(format)));
    }

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void everyTruncationAfterTheMagicNumberFails(ImageFormat format) {
        byte[] image = TestImages.of(format);
        List<Integer> accepted = new ArrayList<>();
        for (int length = magicLength(format, image); length < image.length; length++) {
            try {
                ImageStructure.inspect(format, Arrays.copyOf(image, length));
                accepted.add(length);
            } catch (MalformedImageException expected) {
                // Each cut must land here; the ones that do not are collected and reported below.
            }
        }
        assertEquals(List.of(), accepted, "cuts of the " + image.length + "-byte " + format + " that passed");
    }

    @ParameterizedTest
    @EnumSource(ImageFormat.class)
    void garbageAfterTheMagicNumberFails(ImageFormat format) {
        byte[] image = TestImages.of(format);
        int magic = magicLength(format, image);
        Random random = new Random(format.ordinal());
        for (int attempt = 0; attempt < 200; attempt++) {
            byte[] garbage = Arrays.copyOf(image, magic + 1 + random.nextInt(4_000));
            byte[] noise = new byte[garbage.length - magic];
            random.nextBytes(noise);
            System.arraycopy(noise, 0, garbage, magic, noise.length);
            assertMalformed(format, garbage, "");
        }
    }

    // --- PNG --------------------------------------------------------------------------------------

    @Test
    void aPngOfAnySizeAndHugeDeclaredDimensionsIsReadAsDeclared() throws MalformedImageException {
        assertEquals(Optional.of(new ImageDimensions(1, 1)), ImageStructure.inspect(ImageFormat.PNG, TestImages.png(1_048_576)));
        ImageDimensions huge = ImageStructure.inspect(ImageFormat.PNG, TestImages.pngDeclaring(100_000, 100_000)).orElseThrow();
        assertEquals(new ImageDimensions(100_000, 100_000), huge);
        assertTrue(huge.pixels() > DEFAULT_MAX_PIXELS);
    }

    @Test
    void aPngWithZeroOrOutOfRangeDimensionsFails() {
        assertMalformed(ImageFormat.PNG, TestImages.pngDeclaring(0, 10), "IHDR declares 0x10 pixels");
        assertMalformed(ImageFormat.PNG, TestImages.pngDeclaring(10, 0), "IHDR declares 10x0 pixels");
        assertMalformed(ImageFormat.PNG, TestImages.pngDeclaring(-1, 10), "IHDR declares 4294967295x10 pixels");
    }

    @Test
    void aPngWhoseFirstChunkIsNotIhdrFails() {
        byte[] png = TestImages.png(300);
        png[12] = 'i';
        assertMalformed(ImageFormat.PNG, png, "the first chunk must be IHDR of 13 bytes, but it is 'iHDR' of 13 bytes");
        png = TestImages.png(300);
        ByteBuffer.wrap(png).putInt(8, 14);
        assertMalformed(ImageFormat.PNG, png, "but it is 'IHDR' of 14 bytes");
    }

    @Test
    void aPngWithADamagedIhdrFails() {
        byte[] png = TestImages.png(300);
        png[20]++;
        assertMalformed(ImageFormat.PNG, png, "the IHDR chunk's CRC does not match its content");
    }

    @Test
    void aPngWithBytesAfterIendFails() {
        byte[] png = TestImages.png(300);
        assertMalformed(ImageFormat.PNG, Arrays.copyOf(png, png.length + 3), "3 bytes follow the IEND chunk");
    }

    @Test
    void aPngWhoseChunkRunsPastTheEndFails() {
        byte[] png = TestImages.png(300);
        int tEXt = indexOf(png, "tEXt") - 4;
        ByteBuffer.wrap(png).putInt(tEXt, 100_000);
        assertMalformed(ImageFormat.PNG, png, "the 'tEXt' chunk at byte 33 declares 100,000 bytes of data");
    }

    @Test
    void aPngWithoutPixelDataFails() {
        byte[] png = TestImages.png(300);
        png[indexOf(png, "IDAT")] = 'X';
        assertMalformed(ImageFormat.PNG, png, "no IDAT chunk");
    }

    // --- JPEG -------------------------------------------------------------------------------------

    @Test
    void aProgressiveJpegPasses() throws MalformedImageException {
        assertEquals(Optional.of(new ImageDimensions(40, 30)), ImageStructure.inspect(ImageFormat.JPEG, progressiveJpeg(40, 30)));
    }

    @Test
    void aJpegWithFillBytesAndAThumbnailInItsExifSegmentPasses() throws MalformedImageException {
        byte[] jpeg = TestImages.jpeg();
        // An APP1 segment holding a whole JPEG, EOI included, as an EXIF thumbnail does; then fill bytes before the next marker.
        byte[] thumbnail = TestImages.jpeg();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1});
        out.writeBytes(ByteBuffer.allocate(2).putShort((short) (2 + thumbnail.length)).array());
        out.writeBytes(thumbnail);
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        out.write(jpeg, 2, jpeg.length - 2);
        byte[] withExif = out.toByteArray();

        assertEquals(Optional.of(new ImageDimensions(2, 2)), ImageStructure.inspect(ImageFormat.JPEG, withExif));
        assertMalformed(ImageFormat.JPEG, Arrays.copyOf(withExif, 4 + 2 + thumbnail.length), "without an EOI marker");
    }

    @Test
    void aJpegFollowedByAnAppendedVideoOrPaddingPasses() throws MalformedImageException {
        byte[] jpeg = TestImages.jpeg();
        byte[] motionPhoto = concat(jpeg, ascii("\0\0\0\u0018ftypmp42\0\0\0\0mp42isom"), new byte[5_000]);
        byte[] padded = concat(jpeg, new byte[512]);

        assertEquals(Optional.of(new ImageDimensions(2, 2)), ImageStructure.inspect(ImageFormat.JPEG, motionPhoto));
        assertEquals(Optional.of(new ImageDimensions(2, 2)), ImageStructure.inspect(ImageFormat.JPEG, padded));
    }

    @Test
    void aJpegsDeclaredDimensionsAreReadUpToTheFormatsMaximum() throws MalformedImageException {
        byte[] jpeg = withJpegDimensions(TestImages.jpeg(), 65_535, 65_535);
        ImageDimensions declared = ImageStructure.inspect(ImageFormat.JPEG, jpeg).orElseThrow();
        assertEquals(new ImageDimensions(65_535, 65_535), declared);
        assertTrue(declared.pixels() > DEFAULT_MAX_PIXELS);
    }

    @Test
    void aJpegWithAZeroDimensionFails() {
        assertMalformed(ImageFormat.JPEG, withJpegDimensions(TestImages.jpeg(), 2, 0), "declares 2x0 pixels");
        assertMalformed(ImageFormat.JPEG, withJpegDimensions(TestImages.jpeg(), 0, 2), "declares 0x2 pixels");
    }

    @Test
    void aJpegWithoutEoiFails() {
        byte[] jpeg = TestImages.jpeg();
        assertMalformed(ImageFormat.JPEG, Arrays.copyOf(jpeg, jpeg.length - 2),
                "ends inside compressed data, without an EOI marker");
    }

    @Test
    void aJpegWhoseScanComesBeforeItsFrameHeaderFails() {
        byte[] jpeg = TestImages.jpeg();
        int frame = segmentOffset(jpeg, 0xC0);
        jpeg[frame + 1] = (byte) 0xDA;
        assertMalformed(ImageFormat.JPEG, jpeg, "a scan (SOS) begins before any frame header (SOFn)");
    }

    @Test
    void aJpegWithABrokenSegmentChainFails() {
        byte[] jpeg = TestImages.jpeg();
        int frame = segmentOffset(jpeg, 0xC0);
        jpeg[frame] = 0x12;
        assertMalformed(ImageFormat.JPEG, jpeg, "byte " + String.format("%,d", frame) + " should begin a marker but is 12");
        jpeg = TestImages.jpeg();
        ByteBuffer.wrap(jpeg).putShort(frame + 2, (short) 0xFFF0);
        assertMalformed(ImageFormat.JPEG, jpeg, "segment FFC0 at byte " + frame + " declares 65,520 bytes");
    }

    // --- GIF --------------------------------------------------------------------------------------

    @Test
    void aGifFrameLargerThanItsScreenGrowsTheDimensions() throws MalformedImageException {
        byte[] gif = TestImages.gif();
        ByteBuffer.wrap(gif).order(ByteOrder.LITTLE_ENDIAN).putShort(6, (short) 1).putShort(8, (short) 1);
        assertEquals(Optional.of(new ImageDimensions(2, 2)), ImageStructure.inspect(ImageFormat.GIF, gif));
    }

    @Test
    void aGifsDeclaredScreenIsReadUpToTheFormatsMaximum() throws MalformedImageException {
        byte[] gif = TestImages.gif();
        ByteBuffer.wrap(gif).order(ByteOrder.LITTLE_ENDIAN).putShort(6, (short) 0xFFFF).putShort(8, (short) 0xFFFF);
        ImageDimensions declared = ImageStructure.inspect(ImageFormat.GIF, gif).orElseThrow();
        assertEquals(new ImageDimensions(65_535, 65_535), declared);
        assertTrue(declared.pixels() > DEFAULT_MAX_PIXELS);
    }

    @Test
    void aGifWithAZeroScreenDimensionFails() {
        byte[] gif = TestImages.gif();
        ByteBuffer.wrap(gif).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) 0);
        assertMalformed(ImageFormat.GIF, gif, "the logical screen is 2x0 pixels");
    }

    @Test
    void aGifWithBytesAfterItsTrailerOrAStrayBlockFails() {
        byte[] gif = TestImages.gif();
        assertMalformed(ImageFormat.GIF, Arrays.copyOf(gif, gif.length + 1), "1 bytes follow the trailer 3B");
        gif[gif.length - 1] = 0x42;
        assertMalformed(ImageFormat.GIF, gif, "is 42 where an extension (21), an image (2C) or the trailer (3B) must begin");
    }

    // --- WebP -------------------------------------------------------------------------------------

    @Test
    void aLosslessAndAnExtendedWebpGiveTheirDimensions() throws MalformedImageException {
        // VP8L: signature 2F, then (width - 1) | (height - 1) << 14 in little-endian bits, version 0.
        int bits = (300 - 1) | ((200 - 1) << 14);
        byte[] lossless = riff(chunk("VP8L", new byte[] {0x2F, (byte) bits, (byte) (bits >>> 8), (byte) (bits >>> 16),
                (byte) (bits >>> 24), 0, 0}));
        // VP8X: flags, three reserved bytes, then canvas width - 1 and height - 1 in 24 bits each.
        byte[] extended = riff(chunk("VP8X", new byte[] {0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF}), chunk("ALPH", new byte[3]));

        assertEquals(Optional.of(new ImageDimensions(300, 200)), ImageStructure.inspect(ImageFormat.WEBP, lossless));
        ImageDimensions huge = ImageStructure.inspect(ImageFormat.WEBP, extended).orElseThrow();
        assertEquals(new ImageDimensions(16_777_216, 16_777_216), huge);
        assertTrue(huge.pixels() > DEFAULT_MAX_PIXELS);
    }

    @Test
    void aWebpWhoseRiffSizeDisagreesWithItsLengthFails() {
        byte[] webp = TestImages.webp();
        ByteBuffer.wrap(webp).order(ByteOrder.LITTLE_ENDIAN).putInt(4, webp.length - 8 + 2);
        assertMalformed(ImageFormat.WEBP, webp, "the RIFF header declares 86 bytes after its size field, but 84 follow");
        assertMalformed(ImageFormat.WEBP, Arrays.copyOf(TestImages.webp(), 100),
                "declares 84 bytes after its size field, but 92 follow");
    }

    @Test
    void aWebpWhoseChunkRunsPastTheRiffEndFails() {
        byte[] webp = TestImages.webp();
        ByteBuffer.wrap(webp).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 0x50);
        assertMalformed(ImageFormat.WEBP, webp, "the 'VP8 ' chunk at byte 12 declares 80 bytes, but 72 remain");
    }

    @Test
    void aWebpWithZeroDimensionsOrAnUnknownFirstChunkFails() {
        byte[] webp = TestImages.webp();
        webp[26] = 0;
        webp[27] = 0;
        assertMalformed(ImageFormat.WEBP, webp, "the VP8 frame declares 0x4 pixels");
        webp = TestImages.webp();
        webp[23] = 0;
        assertMalformed(ImageFormat.WEBP, webp, "lacks its start code 9D 01 2A");
        webp = TestImages.webp();
        System.arraycopy(ascii("ABCD"), 0, webp, 12, 4);
        assertMalformed(ImageFormat.WEBP, webp, "the first chunk is 'ABCD', not 'VP8 ', 'VP8L' or 'VP8X'");
    }

    // --- AVIF -------------------------------------------------------------------------------------

    @Test
    void anAvifsIspeIsReadUpToItsFullRange() throws MalformedImageException {
        byte[] avif = TestImages.avif();
        int ispe = indexOf(avif, "ispe") + 4 + 4;
        ByteBuffer.wrap(avif).putInt(ispe, -1).putInt(ispe + 4, -1);
        ImageDimensions declared = ImageStructure.inspect(ImageFormat.AVIF, avif).orElseThrow();
        assertEquals(new ImageDimensions(4_294_967_295L, 4_294_967_295L), declared);
        assertEquals(Long.MAX_VALUE, declared.pixels());
    }

    @Test
    void anAvifWithoutIspeHasNoDimensions() throws MalformedImageException {
        byte[] avif = TestImages.avif();
        System.arraycopy(ascii("free"), 0, avif, indexOf(avif, "ispe"), 4);
        assertEquals(Optional.empty(), ImageStructure.inspect(ImageFormat.AVIF, avif));
    }

    @Test
    void anAvifWithAZeroIspeDimensionFails() {
        byte[] avif = TestImages.avif();
        ByteBuffer.wrap(avif).putInt(indexOf(avif, "ispe") + 4 + 4, 0);
        assertMalformed(ImageFormat.AVIF, avif, "declares 0x4 pixels");
    }

    @Test
    void anAvifWithLargeOrOpenEndedBoxSizesPasses() throws MalformedImageException {
        byte[] avif = TestImages.avif();
        int mdat = indexOf(avif, "mdat") - 4;
        ByteBuffer.wrap(avif).putInt(mdat, 0);
        assertEquals(Optional.of(new ImageDimensions(4, 4)), ImageStructure.inspect(ImageFormat.AVIF, avif),
                "size 0: to the end");

        byte[] original = TestImages.avif();
        int mdatSize = ByteBuffer.wrap(original).getInt(mdat);
        byte[] large = concat(Arrays.copyOf(original, mdat), ByteBuffer.allocate(16).putInt(1).put(ascii("mdat"))
                .putLong(mdatSize + 8L).array(), Arrays.copyOfRange(original, mdat + 8, original.length));
        assertEquals(Optional.of(new ImageDimensions(4, 4)), ImageStructure.inspect(ImageFormat.AVIF, large), "64-bit size");
    }

    @Test
    void anAvifWhoseBoxSizesDoNotAddUpFails() {
        byte[] avif = TestImages.avif();
        assertMalformed(ImageFormat.AVIF, Arrays.copyOf(avif, avif.length + 4),
                "the file ends with 4 bytes too few for a box header");
        int mdat = indexOf(avif, "mdat") - 4;
        ByteBuffer.wrap(avif).putInt(mdat, ByteBuffer.wrap(avif).getInt(mdat) + 1);
        assertMalformed(ImageFormat.AVIF, avif,
                "the 'mdat' box at byte 274 declares 62 bytes, but the file has 61 left from there (truncated)");
        avif = TestImages.avif();
        int ipco = indexOf(avif, "ipco") - 4;
        ByteBuffer.wrap(avif).putInt(ipco, ByteBuffer.wrap(avif).getInt(ipco) + 4);
        assertMalformed(ImageFormat.AVIF, avif, "but the iprp box has");
    }

    @Test
    void anAvifCutAtABoxBoundaryFailsOnItsItemLocations() {
        byte[] avif = TestImages.avif();
        byte[] withoutMediaData = Arrays.copyOf(avif, indexOf(avif, "mdat") - 4);
        assertMalformed(ImageFormat.AVIF, withoutMediaData,
                "item 1's data lies at bytes 282 to 335 of the body, which has 274 (truncated)");
    }

    // --- Helpers ----------------------------------------------------------------------------------

    private static void assertMalformed(ImageFormat format, byte[] body, String expected) {
        MalformedImageException malformed = assertThrows(MalformedImageException.class,
                () -> ImageStructure.inspect(format, body));
        assertTrue(malformed.getMessage().contains(expected), malformed.getMessage());
    }

    /** The bytes {@link ImageFormat#detect} needs to name the format. */
    private static int magicLength(ImageFormat format, byte[] image) {
        return switch (format) {
            case JPEG -> 3;
            case PNG -> 8;
            case GIF -> 6;
            case WEBP -> 12;
            case AVIF -> ByteBuffer.wrap(image).getInt();
        };
    }

    /** The offset of the first marker segment {@code FF marker} in a JPEG's header, found by walking the segments. */
    private static int segmentOffset(byte[] jpeg, int marker) {
        int offset = 2;
        while ((jpeg[offset + 1] & 0xFF) != marker) {
            offset += 2 + (((jpeg[offset + 2] & 0xFF) << 8) | (jpeg[offset + 3] & 0xFF));
        }
        return offset;
    }

    private static byte[] withJpegDimensions(byte[] jpeg, int width, int height) {
        int frame = segmentOffset(jpeg, 0xC0);
        ByteBuffer.wrap(jpeg).putShort(frame + 5, (short) height).putShort(frame + 7, (short) width);
        return jpeg;
    }

    private static byte[] progressiveJpeg(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < width; x++) {
            image.setRGB(x, x * height / width, 0x3366CC);
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam parameters = writer.getDefaultWriteParam();
        parameters.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), parameters);
        } catch (IOException e) {
            fail(e);
        } finally {
            writer.dispose();
        }
        byte[] jpeg = out.toByteArray();
        assertTrue(segmentOffset(jpeg, 0xC2) > 0, "ImageIO wrote a progressive frame header (SOF2)");
        return jpeg;
    }

    private static byte[] riff(byte[]... chunks) {
        byte[] content = concat(chunks);
        return concat(ascii("RIFF"), ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + content.length).array(),
                ascii("WEBP"), content);
    }

    /** A RIFF chunk, padded to an even length. */
    private static byte[] chunk(String type, byte[] data) {
        return concat(ascii(type), ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(data.length).array(), data,
                new byte[data.length % 2]);
    }

    private static int indexOf(byte[] body, String type) {
        byte[] needle = ascii(type);
        for (int i = 0; i + needle.length <= body.length; i++) {
            if (Arrays.equals(body, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("no '" + type + "' in the image");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
