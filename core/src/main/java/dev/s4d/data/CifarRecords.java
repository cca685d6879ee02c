package dev.s4d.data;

/**
 * CIFAR-10 binary records held as they are on disk: per image 1 label byte, then 1024 red, 1024
 * green and 1024 blue bytes, each plane row-major over the 32×32 image.
 *
 * @param source  human-readable origin (the files read), for messages
 * @param count   number of records
 * @param records {@code count × 3073} bytes
 */
public record CifarRecords(String source, int count, byte[] records) {
    /** Bytes per record: one label byte and 3 × 32 × 32 pixel bytes. */
    public static final int RECORD_SIZE = 3073;
    /** Pixel bytes per record (R, G and B planes). */
    public static final int IMAGE_SIZE = 3072;

    /** Label of record {@code i}, 0..9. */
    public int label(int i) {
        return records[i * RECORD_SIZE] & 0xff;
    }

    /** Index in {@link #records()} of the first (red, top-left) pixel of record {@code i}. */
    public int pixelOffset(int i) {
        return i * RECORD_SIZE + 1;
    }
}
