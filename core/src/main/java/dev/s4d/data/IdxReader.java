package dev.s4d.data;

import java.nio.file.Path;

/**
 * Parses MNIST-format IDX files: images (magic 2051 = 0x00000803, unsigned bytes, 3 dimensions) and
 * labels (magic 2049 = 0x00000801, unsigned bytes, 1 dimension), raw or gzip-compressed.
 *
 * <p>Every inconsistency (wrong magic, a size that does not match the header's counts, a label
 * outside the class range) is reported as a {@link DatasetException} naming the file, what was
 * expected and what was found. Sizes are checked exactly because a truncated download is the
 * common failure and should not pass as a shorter dataset.
 */
public final class IdxReader {
    /** Magic number of an IDX file of unsigned-byte images (type 0x08, 3 dimensions). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned-byte labels (type 0x08, 1 dimension). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int IMAGES_HEADER = 16;
    private static final int LABELS_HEADER = 8;

    private IdxReader() {
    }

    /** Reads an IDX image file (raw or gzip). */
    public static IdxImages readImages(Path file) {
        return parseImages(file.toString(), RawBytes.read(file));
    }

    /**
     * Reads an IDX label file (raw or gzip) and checks every label is in {@code 0..nClasses-1}.
     *
     * @return the labels, one byte each
     */
    public static byte[] readLabels(Path file, int nClasses) {
        return parseLabels(file.toString(), RawBytes.read(file), nClasses);
    }

    /** Parses the (already decompressed) bytes of an image file; {@code source} names it in messages. */
    static IdxImages parseImages(String source, RawBytes.Content content) {
        byte[] data = content.bytes();
        requireHeader(source, content, IMAGES_HEADER, "images");
        int magic = readInt(data, 0);
        if (magic != IMAGES_MAGIC) throw wrongMagic(source, magic, IMAGES_MAGIC, "images");
        int count = readInt(data, 4);
        int rows = readInt(data, 8);
        int cols = readInt(data, 12);
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new DatasetException(source, "IDX header declares " + count + " images of " + rows + "x" + cols
                    + "; expected a non-negative count and positive sizes");
        }
        long expected = IMAGES_HEADER + (long) count * rows * cols;
        if (expected != data.length) {
            throw new DatasetException(source, "IDX header declares " + count + " images of " + rows + "x" + cols
                    + ", which needs " + expected + " bytes, but the " + contentWord(content) + " has " + data.length
                    + " bytes" + truncationHint(expected, data.length));
        }
        return new IdxImages(source, count, rows, cols, data, IMAGES_HEADER);
    }

    /** Parses the (already decompressed) bytes of a label file; {@code source} names it in messages. */
    static byte[] parseLabels(String source, RawBytes.Content content, int nClasses) {
        byte[] data = content.bytes();
        requireHeader(source, content, LABELS_HEADER, "labels");
        int magic = readInt(data, 0);
        if (magic != LABELS_MAGIC) throw wrongMagic(source, magic, LABELS_MAGIC, "labels");
        int count = readInt(data, 4);
        if (count < 0) {
            throw new DatasetException(source, "IDX header declares " + count + " labels; expected a non-negative count");
        }
        long expected = LABELS_HEADER + (long) count;
        if (expected != data.length) {
            throw new DatasetException(source, "IDX header declares " + count + " labels, which needs " + expected
                    + " bytes, but the " + contentWord(content) + " has " + data.length + " bytes"
                    + truncationHint(expected, data.length));
        }
        byte[] labels = new byte[count];
        System.arraycopy(data, LABELS_HEADER, labels, 0, count);
        for (int i = 0; i < count; i++) {
            int label = labels[i] & 0xff;
            if (label >= nClasses) {
                throw new DatasetException(source, "label " + label + " at index " + i + " is outside the expected range 0.."
                        + (nClasses - 1));
            }
        }
        return labels;
    }

    private static void requireHeader(String source, RawBytes.Content content, int headerSize, String kind) {
        byte[] data = content.bytes();
        if (data.length < headerSize) {
            throw new DatasetException(source, "truncated: an IDX " + kind + " file needs a " + headerSize
                    + "-byte header, but the " + contentWord(content) + " has only " + data.length + " bytes");
        }
    }

    private static DatasetException wrongMagic(String source, int found, int expected, String kind) {
        String hint = "";
        if (found == IMAGES_MAGIC) hint = " (this is an IDX images file)";
        else if (found == LABELS_MAGIC) hint = " (this is an IDX labels file)";
        else if ((found >>> 16) == ((RawBytes.GZIP_MAGIC_0 << 8) | RawBytes.GZIP_MAGIC_1)) hint = " (gzip inside gzip?)";
        return new DatasetException(source, String.format(
                "not an IDX %s file: expected magic number %d (0x%08x), found %d (0x%08x)%s",
                kind, expected, expected, found, found, hint));
    }

    private static String contentWord(RawBytes.Content content) {
        // For gzip files the sizes compared are those of the decompressed data, and the message must say so.
        return content.gunzipped() ? "decompressed data" : "file";
    }

    private static String truncationHint(long expected, long found) {
        return found < expected ? " (truncated?)" : " (trailing data?)";
    }

    private static int readInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }
}
