package dev.s4d.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Search order, the offline message, and downloads into the cache from a loopback server. */
class DataLocatorTest {
    @TempDir
    Path tmp;

    private final Path explicit = Path.of("explicit");
    private final Path env = Path.of("env");
    private final Path work = Path.of("project/work");   // ../shared/data from here is project/shared/data
    private final Path home = Path.of("home");

    private DataLocator.Builder builder() {
        return DataLocator.builder()
                .dataDir(tmp.resolve(explicit))
                .environment(TestFiles.env(DataLocator.ENV_DATA_DIR, tmp.resolve(env).toString()))
                .workingDirectory(tmp.resolve(work))
                .userHome(tmp.resolve(home))
                .debianFashionMnist(tmp.resolve("debian/fashion-mnist"))
                .log(null);
    }

    private Path mnistTestFilesIn(Path corpusDir, boolean gz) {
        byte[] images = TestFiles.idxImages(2, 28, 28, TestFiles.rampPixels(2));
        byte[] labels = TestFiles.idxLabels(new byte[] {7, 2});
        TestFiles.write(corpusDir.resolve("t10k-images-idx3-ubyte" + (gz ? ".gz" : "")), gz ? TestFiles.gzip(images) : images);
        TestFiles.write(corpusDir.resolve("t10k-labels-idx1-ubyte" + (gz ? ".gz" : "")), gz ? TestFiles.gzip(labels) : labels);
        return corpusDir;
    }

    @Test
    void searchesExplicitThenEnvironmentThenDevelopmentLayoutThenCache() throws IOException {
        Files.createDirectories(tmp.resolve("project/shared/data"));
        DataLocator locator = builder().build();
        assertThat(locator.searchPath(Corpus.MNIST)).extracting(DataLocator.Location::origin).containsExactly(
                "--data-dir", "S4D_DATA_DIR", "development layout (../shared/data)", "user cache");
        assertThat(locator.searchPath(Corpus.MNIST)).extracting(DataLocator.Location::directory).containsExactly(
                tmp.resolve("explicit/mnist"), tmp.resolve("env/mnist"), tmp.resolve("project/shared/data/mnist"),
                tmp.resolve("home/.cache/s4d/mnist"));

        Path cache = mnistTestFilesIn(tmp.resolve("home/.cache/s4d/mnist"), true);
        assertThat(locator.locate(Corpus.MNIST, Split.TEST).getFirst().getParent()).isEqualTo(cache);
        Path dev = mnistTestFilesIn(tmp.resolve("project/shared/data/mnist"), true);
        assertThat(locator.locate(Corpus.MNIST, Split.TEST).getFirst().getParent()).isEqualTo(dev);
        Path fromEnv = mnistTestFilesIn(tmp.resolve("env/mnist"), false);
        assertThat(locator.locate(Corpus.MNIST, Split.TEST)).containsExactly(
                fromEnv.resolve("t10k-images-idx3-ubyte"), fromEnv.resolve("t10k-labels-idx1-ubyte"));
        Path first = mnistTestFilesIn(tmp.resolve("explicit/mnist"), true);
        assertThat(locator.locate(Corpus.MNIST, Split.TEST)).containsExactly(
                first.resolve("t10k-images-idx3-ubyte.gz"), first.resolve("t10k-labels-idx1-ubyte.gz"));
        // and the files load
        assertThat(SequenceTask.SMNIST.load(Split.TEST, locator).labels()).containsExactly(7, 2);
    }

    @Test
    void developmentLayoutFromAModuleDirectoryAndRelativeEnvironment() throws IOException {
        Files.createDirectories(tmp.resolve("shared/data"));
        DataLocator locator = DataLocator.builder()
                .environment(TestFiles.env(DataLocator.ENV_DATA_DIR, "data-here"))
                .workingDirectory(tmp.resolve("project/core"))
                .userHome(tmp.resolve(home))
                .log(null)
                .build();
        assertThat(locator.searchPath(Corpus.CIFAR10)).extracting(DataLocator.Location::directory).containsExactly(
                tmp.resolve("project/core/data-here/cifar10"), tmp.resolve("shared/data/cifar10"), tmp.resolve("home/.cache/s4d/cifar10"));
    }

    @Test
    void filesOfOneSplitAreNeverMixedFromTwoDirectories() {
        Path complete = mnistTestFilesIn(tmp.resolve("env/mnist"), false);
        TestFiles.write(tmp.resolve("explicit/mnist/t10k-images-idx3-ubyte"), new byte[10]);  // labels missing here
        assertThat(builder().build().locate(Corpus.MNIST, Split.TEST))
                .allSatisfy(p -> assertThat(p.getParent()).isEqualTo(complete));
    }

    @Test
    void cacheFollowsAbsoluteXdgCacheHomeOnly() {
        DataLocator xdg = builder().environment(TestFiles.env("XDG_CACHE_HOME", tmp.resolve("xdg").toString())).build();
        assertThat(xdg.cacheRoot()).isEqualTo(tmp.resolve("xdg/s4d"));
        DataLocator relative = builder().environment(TestFiles.env("XDG_CACHE_HOME", "relative/cache")).build();
        assertThat(relative.cacheRoot()).isEqualTo(tmp.resolve("home/.cache/s4d"));
    }

    @Test
    void debianDirectoryOnlyForFashionMnistAndBeforeTheCache() {
        Path debian = tmp.resolve("debian/fashion-mnist");
        TestFiles.write(debian.resolve("train-images-idx3-ubyte.gz"), new byte[1]);
        TestFiles.write(debian.resolve("train-labels-idx1-ubyte.gz"), new byte[1]);
        DataLocator locator = builder().build();
        assertThat(locator.searchPath(Corpus.FASHION_MNIST)).extracting(DataLocator.Location::directory)
                .containsSubsequence(debian, tmp.resolve("home/.cache/s4d/fashion-mnist"));
        assertThat(locator.searchPath(Corpus.MNIST)).extracting(DataLocator.Location::directory).doesNotContain(debian);
        assertThat(locator.locate(Corpus.FASHION_MNIST, Split.TRAIN).getFirst()).isEqualTo(debian.resolve("train-images-idx3-ubyte.gz"));
    }

    @Test
    void offlineMessageListsFilesDirectoriesAndRemedies() {
        TestFiles.write(tmp.resolve("env/mnist/t10k-images-idx3-ubyte.gz"), new byte[1]);
        DataLocator locator = builder().build();
        assertThatThrownBy(() -> SequenceTask.PSMNIST.load(Split.TEST, locator))
                .isInstanceOfSatisfying(DataNotFoundException.class, e -> {
                    assertThat(e.neededFiles()).containsExactly("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
                    assertThat(e.searched()).hasSize(3);
                    assertThat(e.corpus()).isEqualTo(Corpus.MNIST);
                    assertThat(e.split()).isEqualTo(Split.TEST);
                })
                .hasMessageContaining("MNIST test files not found")
                .hasMessageContaining("  t10k-images-idx3-ubyte\n  t10k-labels-idx1-ubyte\n")
                .hasMessageContaining("--data-dir: " + tmp.resolve("explicit/mnist") + " (does not exist)")
                .hasMessageContaining("S4D_DATA_DIR: " + tmp.resolve("env/mnist") + " (missing t10k-labels-idx1-ubyte)")
                .hasMessageContaining("user cache: " + tmp.resolve("home/.cache/s4d/mnist") + " (does not exist)")
                .hasMessageContaining("Downloading is disabled (offline).")
                .hasMessageContaining("pass --data-dir DIR or set S4D_DATA_DIR=DIR")
                .hasMessageContaining("https://ossci-datasets.s3.amazonaws.com/mnist/")
                .hasMessageContaining("or allow downloading");
        String cifar = assertThrows(() -> DataLocator.builder().workingDirectory(tmp).userHome(tmp.resolve(home))
                .environment(Map.of()).log(null).build().locate(Corpus.CIFAR10, Split.TRAIN));
        assertThat(cifar).contains("data_batch_1.bin", "data_batch_5.bin", "(no --data-dir given)", "(S4D_DATA_DIR not set)",
                "extract the .bin files from https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
    }

    @Test
    void downloadsMissingIdxFilesIntoTheCacheOnce() throws IOException {
        byte[] images = TestFiles.idxImages(3, 28, 28, TestFiles.rampPixels(3));
        byte[] labels = TestFiles.idxLabels(new byte[] {1, 2, 3});
        try (LocalHttpServer server = new LocalHttpServer()) {
            server.serve("/mnist/t10k-images-idx3-ubyte.gz", TestFiles.gzip(images));
            server.serve("/mnist/t10k-labels-idx1-ubyte.gz", TestFiles.gzip(labels));
            DataLocator locator = builder().allowDownload(true)
                    .remote(Corpus.MNIST, new RemoteSource.GzipFiles(server.uri("/mnist/"), Map.of(
                            "t10k-images-idx3-ubyte", Downloader.Checksum.sha256OfGunzipped(DownloaderTest.sha256(images)),
                            "t10k-labels-idx1-ubyte", Downloader.Checksum.sha256OfGunzipped(DownloaderTest.sha256(labels)),
                            "train-images-idx3-ubyte", Downloader.Checksum.sha256OfGunzipped(DownloaderTest.sha256(images)))))
                    .downloader(new Downloader(java.net.http.HttpClient.newHttpClient(), null))
                    .build();
            Dataset ds = SequenceTask.SMNIST.load(Split.TEST, locator);
            assertThat(ds.labels()).containsExactly(1, 2, 3);
            assertThat(listing(tmp.resolve("home/.cache/s4d/mnist"))).containsExactly("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
            assertThat(server.requests.get()).isEqualTo(2);
            SequenceTask.SMNIST.load(Split.TEST, locator);
            assertThat(server.requests.get()).isEqualTo(2);

            // a failing download (404 for train) becomes the not-found message with the reason
            assertThatThrownBy(() -> locator.locate(Corpus.MNIST, Split.TRAIN))
                    .isInstanceOf(DataNotFoundException.class)
                    .hasMessageContaining("train-images-idx3-ubyte")
                    .hasMessageContaining("failed")
                    .hasMessageContaining("HTTP 404")
                    .hasCauseInstanceOf(DatasetException.class);
            // once the images are there, the labels (no checksum configured) are refused rather than fetched unverified
            server.serve("/mnist/train-images-idx3-ubyte.gz", TestFiles.gzip(images));
            server.serve("/mnist/train-labels-idx1-ubyte.gz", TestFiles.gzip(labels));
            int before = server.requests.get();
            assertThatThrownBy(() -> locator.locate(Corpus.MNIST, Split.TRAIN))
                    .isInstanceOf(DataNotFoundException.class)
                    .hasMessageContaining("train-labels-idx1-ubyte.gz: no checksum is known for this file; refusing to download it unverified");
            assertThat(server.requests.get()).isEqualTo(before + 1);
            assertThat(listing(tmp.resolve("home/.cache/s4d/mnist"))).containsExactly(
                    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz");
        }
    }

    @Test
    void downloadsAndExtractsTheCifarArchive() throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("cifar-10-batches-bin/batches.meta.txt", "airplane\n".getBytes());
        for (int b = 1; b <= 5; b++) members.put("cifar-10-batches-bin/data_batch_" + b + ".bin", TestFiles.cifarRecords(b, b + 1));
        members.put("cifar-10-batches-bin/test_batch.bin", TestFiles.cifarRecords(3, 8));
        byte[] tgz = TestFiles.gzip(TestFiles.tar(members));
        String md5 = RawBytes.hex(Downloader.newDigest("MD5").digest(tgz));
        try (LocalHttpServer server = new LocalHttpServer()) {
            server.serve("/c10.tar.gz", tgz);
            DataLocator locator = builder().allowDownload(true)
                    .remote(Corpus.CIFAR10, new RemoteSource.TarGzArchive(server.uri("/c10.tar.gz"), "c10.tar.gz",
                            Downloader.Checksum.md5(md5), 2L * CifarRecords.RECORD_SIZE))
                    .downloader(new Downloader(java.net.http.HttpClient.newHttpClient(), null))
                    .build();
            Dataset train = SequenceTask.SCIFAR.load(Split.TRAIN, locator);
            assertThat(train.labels()).containsExactly(1, 2, 2, 3, 3, 4, 4, 5, 5, 6);
            assertThat(listing(tmp.resolve("home/.cache/s4d/cifar10"))).containsExactly(
                    "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin");
            assertThat(SequenceTask.SCIFAR.load(Split.TEST, locator).labels()).containsExactly(3, 8);
            assertThat(server.requests.get()).isEqualTo(1);
        }
    }

    @Test
    void archiveMembersOfTheWrongSizeAreRejected() {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("test_batch.bin", TestFiles.cifarRecords(3));
        Path tarball = TestFiles.write(tmp.resolve("x.tar.gz"), TestFiles.gzip(TestFiles.tar(members)));
        Path target = tmp.resolve("out");
        assertThatThrownBy(() -> {
            Files.createDirectories(target);
            DataLocator.extract(tarball, Corpus.CIFAR10, 10_000L * CifarRecords.RECORD_SIZE, target);
        })
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("member test_batch.bin has 3073 bytes, expected 30730000 (10000 records)");
        assertThat(target.resolve("test_batch.bin")).doesNotExist();
    }

    private static String assertThrows(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        try {
            call.call();
        } catch (DataNotFoundException e) {
            return e.getMessage();
        } catch (Throwable t) {
            throw new AssertionError("expected DataNotFoundException, got " + t, t);
        }
        throw new AssertionError("expected DataNotFoundException");
    }

    private static List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
