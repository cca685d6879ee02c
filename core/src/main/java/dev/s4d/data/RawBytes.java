package dev.s4d.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a dataset file fully into memory, decompressing it when it is gzip data.
 *
 * <p>Compression is recognised by the gzip magic bytes (1f 8b), not by the file name: users rename
 * files, and some mirrors serve decompressed content under a {@code .gz} name.
 */
final class RawBytes {
    static final int GZIP_MAGIC_0 = 0x1f;
    static final int GZIP_MAGIC_1 = 0x8b;

    private RawBytes() {
    }

    /** Bytes of a file or resource, and whether they were gunzipped (sizes in messages then refer to the decompressed data). */
    record Content(byte[] bytes, boolean gunzipped) {
    }

    /** The file's content, gunzipped if it starts with the gzip magic. */
    static Content read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(file.toString(), in);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file, "file not found");
        } catch (IOException e) {
            throw new DatasetException(file, "could not read: " + e, e);
        }
    }

    /** The stream's content, gunzipped if it starts with the gzip magic; {@code source} names it in messages. */
    static Content read(String source, InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 != GZIP_MAGIC_0 || b1 != GZIP_MAGIC_1) {
            return new Content(in.readAllBytes(), false);
        }
        // GZIPInputStream signals a damaged member with ZipException and a cut-off one with EOFException;
        // both mean the same to a user: the download or copy is broken.
        try (GZIPInputStream gz = new GZIPInputStream(in, 1 << 16)) {
            return new Content(gz.readAllBytes(), true);
        } catch (ZipException | EOFException e) {
            throw new DatasetException(source, "corrupt gzip data (the file starts with the gzip magic 1f 8b but does not decompress: "
                    + e.getMessage() + "); download or copy it again", e);
        }
    }

    static boolean isGzip(byte[] data) {
        return data.length >= 2 && (data[0] & 0xff) == GZIP_MAGIC_0 && (data[1] & 0xff) == GZIP_MAGIC_1;
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
