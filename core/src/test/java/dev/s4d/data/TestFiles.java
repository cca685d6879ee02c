package dev.s4d.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Builders of small dataset files (IDX, CIFAR records, gzip, tar) for tests and the bundled-digits generator. */
final class TestFiles {
    private TestFiles() {
    }

    /** An IDX image file: magic 2051, count, rows, cols, then the pixels. */
    static byte[] idxImages(int count, int rows, int cols, byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length)
                .putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols).put(pixels).array();
    }

    /** An IDX label file: magic 2049, count, then the labels. */
    static byte[] idxLabels(byte[] labels) {
        return ByteBuffer.allocate(8 + labels.length).putInt(IdxReader.LABELS_MAGIC).putInt(labels.length).put(labels).array();
    }

    /** {@code n} 28x28 images whose pixel p of image i is {@code (i + p) & 0xff}. */
    static byte[] rampPixels(int n) {
        byte[] px = new byte[n * 784];
        for (int i = 0; i < n; i++) for (int p = 0; p < 784; p++) px[i * 784 + p] = (byte) (i + p);
        return px;
    }

    /** CIFAR records with the given labels; pixel j of record i is {@code (i * 7 + j) & 0xff}. */
    static byte[] cifarRecords(int... labels) {
        byte[] out = new byte[labels.length * CifarRecords.RECORD_SIZE];
        for (int i = 0; i < labels.length; i++) {
            int base = i * CifarRecords.RECORD_SIZE;
            out[base] = (byte) labels[i];
            for (int j = 0; j < CifarRecords.IMAGE_SIZE; j++) out[base + 1 + j] = (byte) (i * 7 + j);
        }
        return out;
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A ustar archive of regular files, in the map's iteration order, ending with two zero blocks. */
    static byte[] tar(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            byte[] h = new byte[512];
            put(h, 0, f.getKey());
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", f.getValue().length));
            put(h, 136, "00000000000");
            h[156] = '0';
            put(h, 257, "ustar");
            h[263] = '0';
            h[264] = '0';
            for (int i = 148; i < 156; i++) h[i] = ' ';
            int sum = 0;
            for (byte b : h) sum += b & 0xff;
            put(h, 148, String.format("%06o", sum));
            h[154] = 0;
            h[155] = ' ';
            out.writeBytes(h);
            out.writeBytes(f.getValue());
            out.writeBytes(new byte[(512 - f.getValue().length % 512) % 512]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }

    static Path write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shared read-only data directory of the development layout, or {@code null} when absent. */
    static Path sharedData() {
        Path cwd = Path.of("").toAbsolutePath();
        for (String rel : new String[] {"../shared/data", "../../shared/data"}) {
            Path p = cwd.resolve(rel).normalize();
            if (Files.isDirectory(p)) return p;
        }
        return null;
    }

    static Map<String, String> env(String... kv) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
}
