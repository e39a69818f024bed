package io.pansaar.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import javax.imageio.ImageIO;

import io.pansaar.origin.ImageFormat;

/**
 * Small, valid images of every accepted format, and an HTML page, for tests. The PNG can be made
 * to any size, so tests can exercise byte limits with a real image.
 */
public final class TestImages {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    /** Length field, type and CRC around every PNG chunk's data. */
    private static final int PNG_CHUNK_OVERHEAD = 12;
    private static final byte[] TEXT_KEYWORD = "Comment\0".getBytes(StandardCharsets.ISO_8859_1);

    private TestImages() {
    }

    /** A 1x1 PNG of {@code size} bytes (or its smallest form, about 70 bytes, when {@code size} is smaller). */
    public static byte[] png(int size) {
        return png(size, 0);
    }

    /**
     * A 1x1 PNG of {@code size} bytes whose pixel colour comes from {@code variant}, so two variants
     * are different images. A text chunk pads it to the size.
     */
    public static byte[] png(int size, int variant) {
        return png(size, variant, 1, 1);
    }

    /**
     * A PNG whose IHDR declares {@code width} x {@code height} pixels, with every chunk and CRC in place
     * but pixel data for one pixel only: built like a PNG for any header check, yet no decoder's image.
     */
    public static byte[] pngDeclaring(int width, int height) {
        return png(0, 0, width, height);
    }

    private static byte[] png(int size, int variant, int width, int height) {
        byte[] header = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0).array();
        // One scanline: filter type 0, then the pixel's red, green and blue.
        byte[] scanline = {0, (byte) variant, (byte) (variant >>> 8), (byte) (variant >>> 16)};
        byte[] pixels = deflate(scanline);
        int smallest = PNG_SIGNATURE.length + 3 * PNG_CHUNK_OVERHEAD + header.length + pixels.length;
        int padding = size - smallest - PNG_CHUNK_OVERHEAD - TEXT_KEYWORD.length;
        ByteArrayOutputStream png = new ByteArrayOutputStream(Math.max(size, smallest));
        png.writeBytes(PNG_SIGNATURE);
        writeChunk(png, "IHDR", header);
        if (padding >= 0) {
            byte[] text = Arrays.copyOf(TEXT_KEYWORD, TEXT_KEYWORD.length + padding);
            Arrays.fill(text, TEXT_KEYWORD.length, text.length, (byte) 'x');
            writeChunk(png, "tEXt", text);
        }
        writeChunk(png, "IDAT", pixels);
        writeChunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    /** A 2x2 baseline JPEG. */
    public static byte[] jpeg() {
        return encode("jpeg", BufferedImage.TYPE_INT_RGB);
    }

    /** A 2x2 GIF (GIF89a). */
    public static byte[] gif() {
        return encode("gif", BufferedImage.TYPE_BYTE_INDEXED);
    }

    /** A 4x4 lossy WebP, made with cwebp. */
    public static byte[] webp() {
        return resource("/images/tiny.webp");
    }

    /** A 4x4 AVIF still image, made with avifenc. */
    public static byte[] avif() {
        return resource("/images/tiny.avif");
    }

    /** A valid image of {@code format}. */
    public static byte[] of(ImageFormat format) {
        return switch (format) {
            case JPEG -> jpeg();
            case PNG -> png(100);
            case GIF -> gif();
            case WEBP -> webp();
            case AVIF -> avif();
        };
    }

    /** An HTML error page, as origins and proxies send in place of an image. */
    public static byte[] html() {
        return """
                <!DOCTYPE html>
                <html><head><title>Oops</title></head>
                <body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>
                """.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] encode(String formatName, int imageType) {
        BufferedImage image = new BufferedImage(2, 2, imageType);
        image.setRGB(0, 0, 0xFF0000);
        image.setRGB(1, 1, 0x0000FF);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, formatName, out)) {
                throw new IllegalStateException("this JDK has no ImageIO writer for " + formatName);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] resource(String name) {
        try (InputStream in = TestImages.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater();
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[256];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    private static void writeChunk(ByteArrayOutputStream png, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        png.writeBytes(typeBytes);
        png.writeBytes(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
