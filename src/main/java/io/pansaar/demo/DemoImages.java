package io.pansaar.demo;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/** Draws the demo origin's images: a PNG per key, the same bytes for the same key and version. */
final class DemoImages {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private DemoImages() {
    }

    /** A gradient PNG whose colours come from the key and version, sized by the key's segment. */
    static byte[] png(String key, long version) {
        int width;
        int height;
        if (key.startsWith("banners/")) {
            width = 600;
            height = 150;
        } else if (key.startsWith("thumbnails/")) {
            width = 160;
            height = 120;
        } else {
            width = 64;
            height = 64;
        }
        CRC32 seed = new CRC32();
        seed.update((key + "#" + version).getBytes(StandardCharsets.UTF_8));
        int colour = (int) seed.getValue();
        return encode(width, height, colour);
    }

    private static byte[] encode(int width, int height, int colour) {
        int red = (colour >> 16) & 0xff;
        int green = (colour >> 8) & 0xff;
        int blue = colour & 0xff;
        ByteArrayOutputStream pixels = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(pixels)) {
            byte[] row = new byte[1 + width * 3];
            for (int y = 0; y < height; y++) {
                row[0] = 0; // filter type: none
                for (int x = 0; x < width; x++) {
                    row[1 + x * 3] = (byte) (red + x);
                    row[2 + x * 3] = (byte) (green + y);
                    row[3 + x * 3] = (byte) (blue + x * y);
                }
                deflate.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(png)) {
            out.write(PNG_SIGNATURE);
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            DataOutputStream headerOut = new DataOutputStream(header);
            headerOut.writeInt(width);
            headerOut.writeInt(height);
            headerOut.write(new byte[] {8, 2, 0, 0, 0}); // 8-bit RGB, deflate, no filter set, no interlace
            chunk(out, "IHDR", header.toByteArray());
            chunk(out, "IDAT", pixels.toByteArray());
            chunk(out, "IEND", new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
