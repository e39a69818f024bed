package io.pansaar.origin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Checks that a body whose magic number names an image format is built like that format, and reads
 * the dimensions it declares. Only headers, trailers and the lengths that chain the parts together
 * are read; no pixel is decoded. This catches a signature followed by garbage, a body cut short, zero
 * dimensions, and gives the pixel count a decoder would allocate for.
 */
public final class ImageStructure {

    private static final int PNG_SIGNATURE_LENGTH = 8;
    /** Length field, type and CRC around every PNG chunk's data. */
    private static final int PNG_CHUNK_OVERHEAD = 12;
    private static final int PNG_IHDR_LENGTH = 13;
    /** The largest value a PNG length, width or height may hold (the PNG specification, 7.1). */
    private static final long PNG_MAX_FIELD = 0x7FFF_FFFFL;

    private static final int JPEG_EOI = 0xD9;
    private static final int JPEG_SOS = 0xDA;
    private static final int JPEG_TEM = 0x01;
    /** A marker segment's length field, precision, height, width and component count. */
    private static final int JPEG_FRAME_HEADER_MIN_LENGTH = 8;

    /** "GIF89a", logical screen width and height, packed fields, background colour, aspect ratio. */
    private static final int GIF_HEADER_LENGTH = 13;
    private static final int GIF_TRAILER = 0x3B;
    private static final int GIF_EXTENSION = 0x21;
    private static final int GIF_IMAGE = 0x2C;
    /** Separator 2C, left, top, width, height (16 bits each) and packed fields. */
    private static final int GIF_IMAGE_DESCRIPTOR_LENGTH = 10;

    /** "RIFF", size, "WEBP". */
    private static final int RIFF_HEADER_LENGTH = 12;
    /** Four-character code and size in front of every RIFF chunk's data. */
    private static final int RIFF_CHUNK_HEADER_LENGTH = 8;
    private static final int VP8_FRAME_HEADER_LENGTH = 10;
    private static final int VP8L_HEADER_LENGTH = 5;
    private static final int VP8X_LENGTH = 10;
    private static final int VP8L_SIGNATURE = 0x2F;

    /** A box's 32-bit size and type; a 64-bit size follows when the 32-bit one is 1. */
    private static final int BOX_HEADER_LENGTH = 8;
    private static final int LARGE_BOX_HEADER_LENGTH = 16;
    /** The version and flags of a full box, in front of its content. */
    private static final int FULL_BOX_PREFIX = 4;
    /** Version and flags, then image width and height, 32 bits each. */
    private static final int ISPE_LENGTH = 12;

    private ImageStructure() {
    }

    /**
     * The dimensions {@code body} declares, once it is found built like a {@code format} image whose
     * magic number it already carries; empty only for an AVIF without an {@code ispe} property.
     */
    public static Optional<ImageDimensions> inspect(ImageFormat format, byte[] body) throws MalformedImageException {
        return switch (format) {
            case PNG -> Optional.of(png(body));
            case JPEG -> Optional.of(jpeg(body));
            case GIF -> Optional.of(gif(body));
            case WEBP -> Optional.of(webp(body));
            case AVIF -> avif(body);
        };
    }

    /**
     * IHDR must be the first chunk, 13 bytes long with a correct CRC and a non-zero width and height;
     * the chunks' lengths must chain from the signature to an IEND chunk that ends the file, with an
     * IDAT chunk on the way.
     */
    private static ImageDimensions png(byte[] body) throws MalformedImageException {
        int ihdrEnd = PNG_SIGNATURE_LENGTH + PNG_CHUNK_OVERHEAD + PNG_IHDR_LENGTH;
        require(body, ihdrEnd, "the IHDR chunk");
        long firstLength = u32be(body, PNG_SIGNATURE_LENGTH);
        String firstType = fourcc(body, PNG_SIGNATURE_LENGTH + 4);
        if (!firstType.equals("IHDR") || firstLength != PNG_IHDR_LENGTH) {
            throw malformed("the first chunk must be IHDR of 13 bytes, but it is '%s' of %,d bytes", firstType, firstLength);
        }
        CRC32 crc = new CRC32();
        crc.update(body, PNG_SIGNATURE_LENGTH + 4, 4 + PNG_IHDR_LENGTH);
        if (crc.getValue() != u32be(body, ihdrEnd - 4)) {
            throw malformed("the IHDR chunk's CRC does not match its content");
        }
        long width = u32be(body, PNG_SIGNATURE_LENGTH + 8);
        long height = u32be(body, PNG_SIGNATURE_LENGTH + 12);
        if (width == 0 || height == 0 || width > PNG_MAX_FIELD || height > PNG_MAX_FIELD) {
            throw malformed("IHDR declares %dx%d pixels; each must be 1 to %,d", width, height, PNG_MAX_FIELD);
        }
        int offset = PNG_SIGNATURE_LENGTH;
        boolean pixelData = false;
        while (true) {
            if (offset == body.length) {
                throw malformed("it ends without an IEND chunk (truncated)");
            }
            require(body, offset + 8, "a chunk header");
            long length = u32be(body, offset);
            String type = fourcc(body, offset + 4);
            long end = offset + PNG_CHUNK_OVERHEAD + length;
            if (length > PNG_MAX_FIELD || end > body.length) {
                throw malformed("the '%s' chunk at byte %,d declares %,d bytes of data, but the body ends %,d bytes"
                        + " after the chunk starts (truncated)", type, offset, length, body.length - offset);
            }
            pixelData |= type.equals("IDAT");
            if (type.equals("IEND")) {
                if (length != 0) {
                    throw malformed("the IEND chunk declares %,d bytes of data; it has none", length);
                }
                if (end != body.length) {
                    throw malformed("%,d bytes follow the IEND chunk, which must end the file", body.length - end);
                }
                break;
            }
            offset = (int) end;
        }
        if (!pixelData) {
            throw malformed("it has no IDAT chunk, so no pixel data");
        }
        return new ImageDimensions(width, height);
    }

    /**
     * Walks the marker segments from SOI: the frame header (SOFn) gives the dimensions, and each scan's
     * entropy-coded data is skipped byte by byte up to the next marker, until the EOI marker.
     *
     * <p>Tolerated, because real encoders and cameras write it and decoders accept it: any number of
     * 0xFF fill bytes before a marker (ITU T.81, B.1.1.2); application, comment, table and restart
     * segments in any order and number; several scans with tables between them (progressive JPEG);
     * and bytes after the EOI marker, where cameras pad files and phones append motion-photo videos
     * and further images (MPF), while the image itself is complete at its EOI. Not tolerated: a
     * missing EOI (a body cut short, which decoders show with a grey or missing bottom), and a height
     * of 0, which defers the height to a DNL marker that common decoders do not support.
     */
    private static ImageDimensions jpeg(byte[] body) throws MalformedImageException {
        int offset = 2;
        ImageDimensions frame = null;
        while (true) {
            if (offset >= body.length) {
                throw malformed("it ends without an EOI marker (truncated)");
            }
            if ((body[offset] & 0xFF) != 0xFF) {
                throw malformed("byte %,d should begin a marker but is %02X", offset, body[offset] & 0xFF);
            }
            while (offset < body.length && (body[offset] & 0xFF) == 0xFF) {
                offset++;
            }
            if (offset >= body.length) {
                throw malformed("it ends without an EOI marker (truncated)");
            }
            int marker = body[offset] & 0xFF;
            int segmentStart = offset + 1;
            if (marker == JPEG_EOI) {
                if (frame == null) {
                    throw malformed("the EOI marker comes before any frame header (SOFn)");
                }
                return frame;
            }
            if (marker == JPEG_TEM || isRestart(marker)) {
                offset = segmentStart;
                continue;
            }
            if (marker == 0x00 || marker == 0xD8) {
                throw malformed("byte %,d holds marker FF%02X, which cannot appear between segments", offset - 1, marker);
            }
            require(body, segmentStart + 2, String.format(Locale.ROOT, "the length of segment FF%02X", marker));
            int length = u16be(body, segmentStart);
            long end = (long) segmentStart + length;
            if (length < 2 || end > body.length) {
                throw malformed("segment FF%02X at byte %,d declares %,d bytes, but %,d remain (truncated)", marker,
                        offset - 1, length, body.length - segmentStart);
            }
            if (isStartOfFrame(marker) && frame == null) {
                frame = jpegFrame(body, marker, segmentStart, length);
            }
            offset = (int) end;
            if (marker == JPEG_SOS) {
                if (frame == null) {
                    throw malformed("a scan (SOS) begins before any frame header (SOFn)");
                }
                offset = endOfEntropyCodedData(body, offset);
            }
        }
    }

    private static ImageDimensions jpegFrame(byte[] body, int marker, int segmentStart, int length)
            throws MalformedImageException {
        if (length < JPEG_FRAME_HEADER_MIN_LENGTH) {
            throw malformed("frame header FF%02X is %d bytes long; it needs at least %d", marker, length,
                    JPEG_FRAME_HEADER_MIN_LENGTH);
        }
        int height = u16be(body, segmentStart + 3);
        int width = u16be(body, segmentStart + 5);
        if (width == 0 || height == 0) {
            throw malformed("frame header FF%02X declares %dx%d pixels", marker, width, height);
        }
        return new ImageDimensions(width, height);
    }

    /**
     * Where the entropy-coded data from {@code offset} ends: at the first 0xFF that is neither a stuffed
     * data byte (FF 00) nor a restart marker (FF D0 to FF D7), since only those two occur inside it.
     */
    private static int endOfEntropyCodedData(byte[] body, int offset) throws MalformedImageException {
        for (int i = offset; i + 1 < body.length; i++) {
            if ((body[i] & 0xFF) == 0xFF) {
                int next = body[i + 1] & 0xFF;
                if (next != 0x00 && !isRestart(next)) {
                    return i;
                }
                i++;
            }
        }
        throw malformed("it ends inside compressed data, without an EOI marker (truncated)");
    }

    /** SOF0 to SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static boolean isRestart(int marker) {
        return marker >= 0xD0 && marker <= 0xD7;
    }

    /**
     * The logical screen must be at least 1x1, and the blocks after it (extensions and images, each a
     * chain of length-prefixed sub-blocks) must chain to the trailer 0x3B as the last byte. Checking the
     * last byte alone would pass one truncation in 256. The dimensions are those of the logical screen,
     * grown to hold any frame that reaches past it, as browsers grow the canvas.
     */
    private static ImageDimensions gif(byte[] body) throws MalformedImageException {
        require(body, GIF_HEADER_LENGTH, "the logical screen descriptor");
        long width = u16le(body, 6);
        long height = u16le(body, 8);
        if (width == 0 || height == 0) {
            throw malformed("the logical screen is %dx%d pixels", width, height);
        }
        int offset = GIF_HEADER_LENGTH + colourTableLength(body[10]);
        while (true) {
            require(body, offset + 1L, "the blocks that end with the trailer 3B");
            int block = body[offset] & 0xFF;
            if (block == GIF_TRAILER) {
                if (offset != body.length - 1) {
                    throw malformed("%,d bytes follow the trailer 3B, which must end the file", body.length - 1 - offset);
                }
                return new ImageDimensions(width, height);
            }
            if (block == GIF_EXTENSION) {
                offset = endOfSubBlocks(body, offset + 2);
            } else if (block == GIF_IMAGE) {
                require(body, offset + GIF_IMAGE_DESCRIPTOR_LENGTH, "an image descriptor");
                width = Math.max(width, u16le(body, offset + 1) + (long) u16le(body, offset + 5));
                height = Math.max(height, u16le(body, offset + 3) + (long) u16le(body, offset + 7));
                // Past the descriptor and its local colour table comes the LZW code size, then the data.
                offset = endOfSubBlocks(body, offset + GIF_IMAGE_DESCRIPTOR_LENGTH + colourTableLength(body[offset + 9]) + 1);
            } else {
                throw malformed("byte %,d is %02X where an extension (21), an image (2C) or the trailer (3B) must begin",
                        offset, block);
            }
        }
    }

    /** The bytes of the colour table whose presence and size a GIF packed-fields byte announces. */
    private static int colourTableLength(byte packedFields) {
        return (packedFields & 0x80) == 0 ? 0 : 3 << ((packedFields & 0x07) + 1);
    }

    /** Where a chain of GIF sub-blocks (a length byte, that many bytes, ...) from {@code offset} ends, after its empty block. */
    private static int endOfSubBlocks(byte[] body, int offset) throws MalformedImageException {
        int position = offset;
        while (true) {
            require(body, position + 1L, "a chain of data sub-blocks");
            int length = body[position] & 0xFF;
            position += 1 + length;
            if (length == 0) {
                return position;
            }
        }
    }

    /**
     * The RIFF size must be the body's length less the 8 bytes before it, the chunks' sizes (each padded
     * to an even length) must chain to exactly that end, and the first chunk, VP8 (lossy), VP8L
     * (lossless) or VP8X (extended), gives the dimensions.
     */
    private static ImageDimensions webp(byte[] body) throws MalformedImageException {
        require(body, RIFF_HEADER_LENGTH + RIFF_CHUNK_HEADER_LENGTH, "the first chunk's header");
        long riffSize = u32le(body, 4);
        if (riffSize != body.length - 8L) {
            throw malformed("the RIFF header declares %,d bytes after its size field, but %,d follow", riffSize,
                    body.length - 8L);
        }
        int offset = RIFF_HEADER_LENGTH;
        while (offset < body.length) {
            require(body, offset + RIFF_CHUNK_HEADER_LENGTH, "a chunk header");
            long size = u32le(body, offset + 4);
            long end = offset + RIFF_CHUNK_HEADER_LENGTH + size + (size & 1);
            if (end > body.length) {
                throw malformed("the '%s' chunk at byte %,d declares %,d bytes, but %,d remain (truncated)",
                        fourcc(body, offset), offset, size, body.length - offset - RIFF_CHUNK_HEADER_LENGTH);
            }
            offset = (int) end;
        }
        String first = fourcc(body, RIFF_HEADER_LENGTH);
        long size = u32le(body, RIFF_HEADER_LENGTH + 4);
        int data = RIFF_HEADER_LENGTH + RIFF_CHUNK_HEADER_LENGTH;
        return switch (first) {
            case "VP8 " -> vp8(body, data, size);
            case "VP8L" -> vp8l(body, data, size);
            case "VP8X" -> vp8x(body, data, size);
            default -> throw malformed("the first chunk is '%s', not 'VP8 ', 'VP8L' or 'VP8X'", first);
        };
    }

    /** A key frame's tag (3 bytes, bit 0 clear), start code 9D 01 2A, then 14-bit width and height (RFC 6386, 9.1). */
    private static ImageDimensions vp8(byte[] body, int data, long size) throws MalformedImageException {
        if (size < VP8_FRAME_HEADER_LENGTH) {
            throw malformed("the VP8 chunk is %,d bytes long; its frame header alone needs %d", size, VP8_FRAME_HEADER_LENGTH);
        }
        if ((body[data] & 0x01) != 0) {
            throw malformed("the VP8 chunk does not start with a key frame");
        }
        if ((body[data + 3] & 0xFF) != 0x9D || (body[data + 4] & 0xFF) != 0x01 || (body[data + 5] & 0xFF) != 0x2A) {
            throw malformed("the VP8 key frame lacks its start code 9D 01 2A");
        }
        int width = u16le(body, data + 6) & 0x3FFF;
        int height = u16le(body, data + 8) & 0x3FFF;
        if (width == 0 || height == 0) {
            throw malformed("the VP8 frame declares %dx%d pixels", width, height);
        }
        return new ImageDimensions(width, height);
    }

    /** Signature 0x2F, then width - 1 and height - 1 in 14 bits each and a 3-bit version that must be 0. */
    private static ImageDimensions vp8l(byte[] body, int data, long size) throws MalformedImageException {
        if (size < VP8L_HEADER_LENGTH) {
            throw malformed("the VP8L chunk is %,d bytes long; its header alone needs %d", size, VP8L_HEADER_LENGTH);
        }
        if ((body[data] & 0xFF) != VP8L_SIGNATURE) {
            throw malformed("the VP8L chunk starts with %02X, not its signature 2F", body[data] & 0xFF);
        }
        long bits = u32le(body, data + 1);
        if (bits >>> 29 != 0) {
            throw malformed("the VP8L header declares version %d; only 0 exists", bits >>> 29);
        }
        return new ImageDimensions((bits & 0x3FFF) + 1, ((bits >>> 14) & 0x3FFF) + 1);
    }

    /** Flags, 3 reserved bytes, then canvas width - 1 and height - 1 in 24 bits each. */
    private static ImageDimensions vp8x(byte[] body, int data, long size) throws MalformedImageException {
        if (size < VP8X_LENGTH) {
            throw malformed("the VP8X chunk is %,d bytes long, not %d", size, VP8X_LENGTH);
        }
        return new ImageDimensions(u24le(body, data + 4) + 1L, u24le(body, data + 7) + 1L);
    }

    /**
     * The top-level boxes' sizes must add up to the body's length, and the boxes inside meta, iprp and
     * ipco to their container's. Since a body cut at a box boundary still adds up, there must be a meta
     * box (the image items) or a moov box (an image sequence), and the item locations (iloc) must lie
     * within the body. The dimensions are the largest {@code ispe} property's: a
     * file may hold several (the primary image, its alpha plane, grid tiles, a thumbnail), and linking
     * them to the primary item would mean reading the pitm and ipma tables, while the limit is about
     * the largest image a decoder may be asked to allocate.
     */
    private static Optional<ImageDimensions> avif(byte[] body) throws MalformedImageException {
        List<Box> top = boxes(body, 0, body.length, "the file");
        if (ofType(top, "meta").isEmpty() && ofType(top, "moov").isEmpty()) {
            throw malformed("it has neither a meta box with image items nor a moov box with an image sequence (truncated?)");
        }
        Optional<ImageDimensions> largest = Optional.empty();
        for (Box meta : ofType(top, "meta")) {
            require(body, meta.contentStart() + FULL_BOX_PREFIX, "the meta box's version and flags");
            List<Box> metaChildren = boxes(body, meta.contentStart() + FULL_BOX_PREFIX, meta.end(), "the meta box");
            Optional<Box> idat = ofType(metaChildren, "idat").stream().findFirst();
            for (Box iloc : ofType(metaChildren, "iloc")) {
                checkItemLocations(body, iloc, idat);
            }
            for (Box properties : ofType(metaChildren, "iprp")) {
                for (Box container : ofType(boxes(body, properties.contentStart(), properties.end(), "the iprp box"), "ipco")) {
                    for (Box ispe : ofType(boxes(body, container.contentStart(), container.end(), "the ipco box"), "ispe")) {
                        ImageDimensions dimensions = ispe(body, ispe);
                        if (largest.isEmpty() || dimensions.pixels() > largest.get().pixels()) {
                            largest = Optional.of(dimensions);
                        }
                    }
                }
            }
        }
        return largest;
    }

    /**
     * Every extent of an item stored in this file (construction method 0, offsets into the file) or in
     * the idat box (method 1) must end within it (ISO/IEC 14496-12, 8.11.3). Items in other files
     * (a data reference other than 0) or built from other items (method 2) have nothing here to check.
     */
    private static void checkItemLocations(byte[] body, Box iloc, Optional<Box> idat) throws MalformedImageException {
        int version = iloc.end() > iloc.contentStart() ? body[iloc.contentStart()] & 0xFF : -1;
        if (version < 0 || version > 2) {
            throw malformed("the iloc box at byte %,d has version %d; 0, 1 and 2 exist", iloc.start(), version);
        }
        BoxFields fields = new BoxFields(body, iloc.contentStart() + FULL_BOX_PREFIX, iloc.end(), "the iloc box");
        int sizes = (int) fields.read(1);
        int offsetSize = sizes >>> 4;
        int lengthSize = sizes & 0x0F;
        sizes = (int) fields.read(1);
        int baseOffsetSize = sizes >>> 4;
        int indexSize = version == 0 ? 0 : sizes & 0x0F;
        int idSize = version < 2 ? 2 : 4;
        long items = fields.read(idSize);
        for (long item = 0; item < items; item++) {
            long itemId = fields.read(idSize);
            int constructionMethod = version == 0 ? 0 : (int) (fields.read(2) & 0x0F);
            long dataReference = fields.read(2);
            long baseOffset = fields.read(baseOffsetSize);
            long extents = fields.read(2);
            // Extents of no bytes at all are all alike; reading 65,535 of them per item would only cost time.
            if (indexSize + offsetSize + lengthSize == 0) {
                extents = Math.min(extents, 1);
            }
            for (long extent = 0; extent < extents; extent++) {
                fields.read(indexSize);
                long start = baseOffset + fields.read(offsetSize);
                long length = fields.read(lengthSize);
                boolean inFile = dataReference == 0 && constructionMethod == 0;
                boolean inIdat = dataReference == 0 && constructionMethod == 1;
                long available = inFile ? body.length : idat.map(box -> (long) box.end() - box.contentStart()).orElse(0L);
                // A length of 0 means "to the end", which only needs the start to be there.
                if ((inFile || inIdat) && (start < 0 || length < 0 || length > available - start)) {
                    throw malformed("item %d's data lies at bytes %,d to %,d of %s, which has %,d (truncated)", itemId, start,
                            start + length, inFile ? "the body" : "the idat box", available);
                }
            }
        }
    }

    /** Reads the big-endian fields of a box one after another, failing at the box's end. */
    private static final class BoxFields {
        private final byte[] body;
        private final int end;
        private final String box;
        private int position;

        BoxFields(byte[] body, int start, int end, String box) {
            this.body = body;
            this.position = start;
            this.end = end;
            this.box = box;
        }

        /** The next field of {@code size} bytes (0, 1, 2, 4 or 8; a 0-byte field reads as 0). */
        long read(int size) throws MalformedImageException {
            if (size != 0 && size != 1 && size != 2 && size != 4 && size != 8) {
                throw malformed("%s declares a field of %d bytes; 0, 1, 2, 4 and 8 exist", box, size);
            }
            if (end - position < size) {
                throw malformed("%s ends inside its fields (truncated)", box);
            }
            long value = 0;
            for (int i = 0; i < size; i++) {
                value = (value << 8) | (body[position + i] & 0xFF);
            }
            position += size;
            return value;
        }
    }

    private static ImageDimensions ispe(byte[] body, Box ispe) throws MalformedImageException {
        if (ispe.end() - ispe.contentStart() < ISPE_LENGTH) {
            throw malformed("the ispe box at byte %,d holds %d bytes; it needs %d", ispe.start(),
                    ispe.end() - ispe.contentStart(), ISPE_LENGTH);
        }
        long width = u32be(body, ispe.contentStart() + FULL_BOX_PREFIX);
        long height = u32be(body, ispe.contentStart() + FULL_BOX_PREFIX + 4);
        if (width == 0 || height == 0) {
            throw malformed("the ispe box at byte %,d declares %dx%d pixels", ispe.start(), width, height);
        }
        return new ImageDimensions(width, height);
    }

    /**
     * One ISO-BMFF box: where it starts, where its content starts (after the header), and where it ends.
     */
    private record Box(String type, int start, int contentStart, int end) {
    }

    /**
     * The boxes that fill {@code from} to {@code to} exactly; fails when their sizes run past {@code to}
     * or leave bytes over. A size of 0 means "to the end of the container".
     */
    private static List<Box> boxes(byte[] body, int from, int to, String container) throws MalformedImageException {
        List<Box> found = new ArrayList<>();
        int offset = from;
        while (offset < to) {
            if (to - offset < BOX_HEADER_LENGTH) {
                throw malformed("%s ends with %d bytes too few for a box header (truncated)", container, to - offset);
            }
            long size = u32be(body, offset);
            String type = fourcc(body, offset + 4);
            int header = BOX_HEADER_LENGTH;
            if (size == 1) {
                if (to - offset < LARGE_BOX_HEADER_LENGTH) {
                    throw malformed("the '%s' box at byte %,d is cut off in its 64-bit size (truncated)", type, offset);
                }
                size = u64be(body, offset + 8);
                header = LARGE_BOX_HEADER_LENGTH;
            } else if (size == 0) {
                size = to - offset;
            }
            if (size < header || size > to - offset) {
                throw malformed("the '%s' box at byte %,d declares %,d bytes, but %s has %,d left from there%s", type,
                        offset, size, container, to - offset, size > to - offset ? " (truncated)" : "");
            }
            int end = (int) (offset + size);
            found.add(new Box(type, offset, offset + header, end));
            offset = end;
        }
        return found;
    }

    private static List<Box> ofType(List<Box> boxes, String type) {
        return boxes.stream().filter(box -> box.type().equals(type)).toList();
    }

    private static void require(byte[] body, long length, String what) throws MalformedImageException {
        if (body.length < length) {
            throw malformed("it ends after %,d bytes, before the end of %s (truncated)", body.length, what);
        }
    }

    private static MalformedImageException malformed(String format, Object... arguments) {
        return new MalformedImageException(String.format(Locale.ROOT, format, arguments));
    }

    /** Four bytes as a chunk or box type, with anything but printable ASCII shown as '?'. */
    private static String fourcc(byte[] body, int offset) {
        byte[] type = new byte[4];
        for (int i = 0; i < 4; i++) {
            byte value = body[offset + i];
            type[i] = value >= 0x20 && value < 0x7F ? value : (byte) '?';
        }
        return new String(type, StandardCharsets.US_ASCII);
    }

    private static int u16be(byte[] body, int offset) {
        return ((body[offset] & 0xFF) << 8) | (body[offset + 1] & 0xFF);
    }

    private static long u32be(byte[] body, int offset) {
        return ((long) u16be(body, offset) << 16) | u16be(body, offset + 2);
    }

    /** A 64-bit box size; one above {@link Long#MAX_VALUE} reads as that maximum, which no container holds either. */
    private static long u64be(byte[] body, int offset) {
        long size = (u32be(body, offset) << 32) | u32be(body, offset + 4);
        return size < 0 ? Long.MAX_VALUE : size;
    }

    private static int u16le(byte[] body, int offset) {
        return (body[offset] & 0xFF) | ((body[offset + 1] & 0xFF) << 8);
    }

    private static int u24le(byte[] body, int offset) {
        return u16le(body, offset) | ((body[offset + 2] & 0xFF) << 16);
    }

    private static long u32le(byte[] body, int offset) {
        return u24le(body, offset) | ((long) (body[offset + 3] & 0xFF) << 24);
    }
}
