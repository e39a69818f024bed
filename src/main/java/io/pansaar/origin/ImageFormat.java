package io.pansaar.origin;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The image formats Pansaar accepts from an origin, each with its media type and the magic number
 * that identifies its bytes. An origin's Content-Type header alone is not trusted: the body must
 * start like the format the header names.
 */
public enum ImageFormat {

    JPEG("image/jpeg", "JPEG"),
    PNG("image/png", "PNG"),
    GIF("image/gif", "GIF"),
    WEBP("image/webp", "WebP"),
    AVIF("image/avif", "AVIF");

    private static final byte[] JPEG_MAGIC = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    private static final byte[] GIF87A = ascii("GIF87a");
    private static final byte[] GIF89A = ascii("GIF89a");
    private static final byte[] RIFF = ascii("RIFF");
    private static final byte[] WEBP_FOURCC = ascii("WEBP");
    private static final byte[] FTYP = ascii("ftyp");
    private static final byte[] AVIF_BRAND = ascii("avif");
    private static final byte[] AVIF_SEQUENCE_BRAND = ascii("avis");
    /** size, "ftyp", major brand, minor version: the fixed part of an ISO-BMFF file-type box. */
    private static final int FTYP_FIXED_BYTES = 16;

    private final String mediaType;
    private final String displayName;

    ImageFormat(String mediaType, String displayName) {
        this.mediaType = mediaType;
        this.displayName = displayName;
    }

    /** The media type stored with an image of this format, such as {@code image/png}. */
    public String mediaType() {
        return mediaType;
    }

    /** The format's usual name, such as {@code WebP}, for messages. */
    public String displayName() {
        return displayName;
    }

    /** The format a Content-Type header value names (parameters and case ignored), if it is one of these. */
    public static Optional<ImageFormat> forMediaType(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        String bare = stripParameters(contentType);
        for (ImageFormat format : values()) {
            if (format.mediaType.equals(bare)) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }

    /** A Content-Type header value without its parameters, trimmed and in lower case. */
    public static String stripParameters(String contentType) {
        int semicolon = contentType.indexOf(';');
        String bare = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
        return bare.trim().toLowerCase(Locale.ROOT);
    }

    /** The format whose magic number {@code body} starts with, or empty when it is none of these. */
    public static Optional<ImageFormat> detect(byte[] body) {
        if (body == null) {
            return Optional.empty();
        }
        if (startsWith(body, 0, JPEG_MAGIC)) {
            return Optional.of(JPEG);
        }
        if (startsWith(body, 0, PNG_MAGIC)) {
            return Optional.of(PNG);
        }
        if (startsWith(body, 0, GIF87A) || startsWith(body, 0, GIF89A)) {
            return Optional.of(GIF);
        }
        if (startsWith(body, 0, RIFF) && startsWith(body, 8, WEBP_FOURCC)) {
            return Optional.of(WEBP);
        }
        if (isAvif(body)) {
            return Optional.of(AVIF);
        }
        return Optional.empty();
    }

    /**
     * AVIF is an ISO-BMFF file whose leading {@code ftyp} box names {@code avif} (still image) or
     * {@code avis} (sequence) as its major brand or among its compatible brands. HEIF and MP4 files
     * have the same box with other brands, so the brands must be read, not only the box type.
     */
    private static boolean isAvif(byte[] body) {
        if (body.length < FTYP_FIXED_BYTES || !startsWith(body, 4, FTYP)) {
            return false;
        }
        long boxSize = ((body[0] & 0xFFL) << 24) | ((body[1] & 0xFFL) << 16) | ((body[2] & 0xFFL) << 8) | (body[3] & 0xFFL);
        // A box that claims fewer bytes than its fixed part, or more than the body holds, is corrupt or truncated.
        if (boxSize < FTYP_FIXED_BYTES || boxSize > body.length || (boxSize - FTYP_FIXED_BYTES) % 4 != 0) {
            return false;
        }
        if (isAvifBrand(body, 8)) {
            return true;
        }
        for (int offset = FTYP_FIXED_BYTES; offset < boxSize; offset += 4) {
            if (isAvifBrand(body, offset)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isAvifBrand(byte[] body, int offset) {
        return startsWith(body, offset, AVIF_BRAND) || startsWith(body, offset, AVIF_SEQUENCE_BRAND);
    }

    private static boolean startsWith(byte[] body, int offset, byte[] expected) {
        if (body.length < offset + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (body[offset + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
