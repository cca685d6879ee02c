package dev.s4d.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * Fetches one file over HTTP(S) into place, safely: the body goes to a temporary file next to the
 * target, its checksum is verified, and only then is it renamed (atomically where the file system
 * allows) to the target name. A failed or mismatching download leaves nothing behind, so a later
 * run never mistakes a partial file for a dataset.
 *
 * <p>Progress (bytes so far / total, percentage and rate) is written to the given stream, normally
 * standard error, at most a few times per second.
 */
public final class Downloader {

    /**
     * The expected digest of a download.
     *
     * @param algorithm          a {@link MessageDigest} algorithm name ({@code SHA-256}, {@code MD5})
     * @param hex                expected digest, lower-case hex
     * @param ofGunzippedContent whether the digest is of the gunzipped content rather than of the
     *                           downloaded bytes (the MNIST checksums we have are of the
     *                           uncompressed files)
     */
    public record Checksum(String algorithm, String hex, boolean ofGunzippedContent) {
        public Checksum {
            Objects.requireNonNull(algorithm);
            hex = hex.toLowerCase(Locale.ROOT);
        }

        /** SHA-256 of the downloaded bytes. */
        public static Checksum sha256(String hex) {
            return new Checksum("SHA-256", hex, false);
        }

        /** SHA-256 of the downloaded gzip file's decompressed content. */
        public static Checksum sha256OfGunzipped(String hex) {
            return new Checksum("SHA-256", hex, true);
        }

        /** MD5 of the downloaded bytes: some datasets publish only MD5 (it guards against corruption, not tampering). */
        public static Checksum md5(String hex) {
            return new Checksum("MD5", hex, false);
        }

        @Override
        public String toString() {
            return algorithm + (ofGunzippedContent ? " (of the decompressed content) " : " ") + hex;
        }
    }

    private static final long PROGRESS_INTERVAL_NANOS = 250_000_000L;

    private final HttpClient client;
    private final PrintStream progress;

    /**
     * @param client   the HTTP client (it should follow redirects)
     * @param progress where progress lines go, or {@code null} for silence
     */
    public Downloader(HttpClient client, PrintStream progress) {
        this.client = Objects.requireNonNull(client);
        this.progress = progress;
    }

    /** A downloader with a default client (redirects followed, 30 s connect timeout) reporting to {@code progress}. */
    public static Downloader standard(PrintStream progress) {
        HttpClient client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        return new Downloader(client, progress);
    }

    /**
     * Downloads {@code source} to {@code target}, creating its directory, replacing an existing file
     * only once the new one is complete and verified.
     *
     * @throws DatasetException on an HTTP error status, a network failure, or a checksum mismatch;
     *                          the target is then left untouched and no temporary file remains
     */
    public void download(URI source, Path target, Checksum checksum) {
        Objects.requireNonNull(checksum, "checksum");
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, target.getFileName() + ".", ".part");
            String actual = fetch(source, tmp, checksum);
            if (!actual.equals(checksum.hex())) {
                throw new DatasetException(source.toString(), "checksum mismatch: expected " + checksum
                        + ", found " + actual + " (download corrupted, or the server's file changed); nothing was saved");
            }
            moveIntoPlace(tmp, target);
            tmp = null;
        } catch (IOException e) {
            throw new DatasetException(source.toString(), "download failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException(source.toString(), "download interrupted", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the .part name marks it as incomplete anyway
                }
            }
        }
    }

    /** Streams the body into {@code tmp}; returns the hex digest the checksum is about. */
    private String fetch(URI source, Path tmp, Checksum checksum) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(source).GET().header("User-Agent", "s4d-java").build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest digest = newDigest(checksum.algorithm());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new DatasetException(source.toString(), "HTTP " + response.statusCode() + " (expected 200 OK)"
                        + (response.statusCode() == 404 ? ": the file is not on the server" : ""));
            }
            long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            String label = target(source);
            long start = System.nanoTime();
            long lastReport = start;
            long done = 0;
            byte[] buf = new byte[1 << 16];
            try (OutputStream out = Files.newOutputStream(tmp)) {
                for (int n; (n = body.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    if (!checksum.ofGunzippedContent()) digest.update(buf, 0, n);
                    done += n;
                    long now = System.nanoTime();
                    if (now - lastReport >= PROGRESS_INTERVAL_NANOS) {
                        report(label, done, total, now - start, false);
                        lastReport = now;
                    }
                }
            }
            report(label, done, total, System.nanoTime() - start, true);
            if (total >= 0 && done != total) {
                throw new DatasetException(source.toString(), "connection ended after " + done + " of " + total + " bytes");
            }
        }
        if (checksum.ofGunzippedContent()) {
            try (InputStream gz = new GZIPInputStream(Files.newInputStream(tmp), 1 << 16)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = gz.read(buf)) > 0; ) digest.update(buf, 0, n);
            } catch (IOException e) {
                throw new DatasetException(source.toString(), "expected gzip data, but the download does not decompress: " + e.getMessage(), e);
            }
        }
        return RawBytes.hex(digest.digest());
    }

    private void report(String label, long done, long total, long nanos, boolean last) {
        if (progress == null) return;
        double seconds = Math.max(nanos / 1e9, 1e-3);
        String size = total >= 0
                ? String.format(Locale.ROOT, "%s / %s (%d%%)", bytes(done), bytes(total), total == 0 ? 100 : 100 * done / total)
                : bytes(done);
        progress.print(String.format(Locale.ROOT, "\r%s: %s at %s/s", label, size, bytes((long) (done / seconds))));
        if (last) progress.println();
        progress.flush();
    }

    private static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024.0));
    }

    private static String target(URI source) {
        String path = source.getPath();
        return path == null || path.isEmpty() ? source.toString() : path.substring(path.lastIndexOf('/') + 1);
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unknown digest algorithm " + algorithm, e);
        }
    }
}
