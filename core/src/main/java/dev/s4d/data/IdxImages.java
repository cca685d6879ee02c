package dev.s4d.data;

/**
 * The content of an IDX image file: {@code count} images of {@code rows × cols} unsigned bytes,
 * stored image after image, each row-major, exactly as in the file (no copy of the pixels is made).
 *
 * @param source human-readable origin (file path or resource name), for messages
 * @param count  number of images
 * @param rows   image height
 * @param cols   image width
 * @param pixels the pixel bytes, {@code count × rows × cols} of them starting at {@code offset}
 * @param offset index in {@code pixels} of the first pixel (the IDX header is left in place)
 */
public record IdxImages(String source, int count, int rows, int cols, byte[] pixels, int offset) {

    /** Bytes per image. */
    public int imageSize() {
        return rows * cols;
    }

    /** Pixel {@code (r, c)} of image {@code i} as an int in 0..255. */
    public int pixel(int i, int r, int c) {
        return pixels[offset + i * imageSize() + r * cols + c] & 0xff;
    }
}
