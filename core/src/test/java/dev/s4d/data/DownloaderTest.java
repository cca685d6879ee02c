package dev.s4d.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The downloader against a loopback server: success, checksum mismatch, HTTP errors, and nothing left behind on failure. */
class DownloaderTest {
    @TempDir
    Path dir;

    private LocalHttpServer server;
    private final ByteArrayOutputStream progressBytes = new ByteArrayOutputStream();
    private Downloader downloader;
    private final byte[] content = new byte[300_000];

    @BeforeEach
    void start() {
        new Random(1).nextBytes(content);
        server = new LocalHttpServer();
        server.serve("/files/a.bin", content);
        server.serve("/files/a.bin.gz", TestFiles.gzip(content));
        downloader = Downloader.standard(new PrintStream(progressBytes, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void downloadsVerifiesAndReportsProgress() throws IOException {
        Path target = dir.resolve("cache/sub/a.bin");
        downloader.download(server.uri("/files/a.bin"), target, Downloader.Checksum.sha256(sha256(content)));
        assertThat(Files.readAllBytes(target)).isEqualTo(content);
        assertThat(listing(target.getParent())).containsExactly("a.bin");
        String progress = progressBytes.toString(StandardCharsets.UTF_8);
        assertThat(progress).contains("a.bin: ").contains("293.0 KiB / 293.0 KiB (100%)").contains("/s").endsWith("\n");
    }

    @Test
    void verifiesDecompressedContentAndMd5() throws IOException {
        Path gz = dir.resolve("a.bin.gz");
        downloader.download(server.uri("/files/a.bin.gz"), gz, Downloader.Checksum.sha256OfGunzipped(sha256(content)));
        assertThat(Files.readAllBytes(gz)).isEqualTo(TestFiles.gzip(content));
        Path plain = dir.resolve("b.bin");
        downloader.download(server.uri("/files/a.bin"), plain, Downloader.Checksum.md5(RawBytes.hex(
                Downloader.newDigest("MD5").digest(content))));
        assertThat(plain).exists();
        // a body that is not gzip cannot satisfy a checksum of gunzipped content
        Path notGzip = dir.resolve("c.gz");
        assertThatThrownBy(() -> downloader.download(server.uri("/files/a.bin"), notGzip, Downloader.Checksum.sha256OfGunzipped(sha256(content))))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("does not decompress");
        assertThat(notGzip).doesNotExist();
    }

    @Test
    void checksumMismatchLeavesNoFileBehind() throws IOException {
        Path target = dir.resolve("a.bin");
        String wrong = "0".repeat(64);
        assertThatThrownBy(() -> downloader.download(server.uri("/files/a.bin"), target, Downloader.Checksum.sha256(wrong)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(server.uri("/files/a.bin").toString())
                .hasMessageContaining("checksum mismatch")
                .hasMessageContaining("expected SHA-256 " + wrong)
                .hasMessageContaining("found " + sha256(content));
        assertThat(listing(dir)).isEmpty();
    }

    @Test
    void failedDownloadKeepsAnExistingFile() throws IOException {
        Path target = TestFiles.write(dir.resolve("a.bin"), "old".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> downloader.download(server.uri("/files/a.bin"), target, Downloader.Checksum.sha256("1".repeat(64))))
                .isInstanceOf(DatasetException.class);
        assertThat(Files.readString(target)).isEqualTo("old");
        assertThat(listing(dir)).containsExactly("a.bin");
    }

    @Test
    void http404NamesTheAddressAndStatus() throws IOException {
        URI missing = server.uri("/files/missing.bin");
        Path target = dir.resolve("missing.bin");
        assertThatThrownBy(() -> downloader.download(missing, target, Downloader.Checksum.sha256("0".repeat(64))))
                .isInstanceOf(DatasetException.class)
                .hasMessage(missing + ": HTTP 404 (expected 200 OK): the file is not on the server");
        assertThat(listing(dir)).isEmpty();
    }

    @Test
    void connectionRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI closed = URI.create("http://127.0.0.1:" + port + "/x");
        assertThatThrownBy(() -> downloader.download(closed, dir.resolve("x"), Downloader.Checksum.sha256("0".repeat(64))))
                .isInstanceOf(DatasetException.class)
                .hasMessageStartingWith(closed + ": download failed");
        assertThat(listing(dir)).isEmpty();
    }

    static String sha256(byte[] data) {
        return RawBytes.hex(Downloader.newDigest("SHA-256").digest(data));
    }

    private static java.util.List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
