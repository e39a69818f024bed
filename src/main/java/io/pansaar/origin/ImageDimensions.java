package io.pansaar.origin;

/**
 * The width and height an image declares in its header, in pixels.
 *
 * @param width pixels across, at least 1
 * @param height pixels down, at least 1
 */
public record ImageDimensions(long width, long height) {

    public ImageDimensions {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("an image is at least 1x1 pixels, not " + width + "x" + height);
        }
    }

    /** Width times height, or {@link Long#MAX_VALUE} when that overflows (an AVIF may declare 2^32 - 1 each way). */
    public long pixels() {
        return width > Long.MAX_VALUE / height ? Long.MAX_VALUE : width * height;
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
