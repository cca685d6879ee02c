package dev.s4d.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX parsing: valid files raw and gzip, and each kind of damage reported with file, expectation and finding. */
class IdxReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsRawAndGzipIdentically() {
        byte[] images = TestFiles.idxImages(3, 28, 28, TestFiles.rampPixels(3));
        Path raw = TestFiles.write(dir.resolve("imgs"), images);
        Path gz = TestFiles.write(dir.resolve("imgs.gz"), TestFiles.gzip(images));
        IdxImages a = IdxReader.readImages(raw);
        IdxImages b = IdxReader.readImages(gz);
        assertThat(a.count()).isEqualTo(3);
        assertThat(a.rows()).isEqualTo(28);
        assertThat(a.pixel(2, 1, 3)).isEqualTo((2 + 28 + 3) & 0xff);
        assertThat(b.pixel(2, 1, 3)).isEqualTo(a.pixel(2, 1, 3));
    }

    @Test
    void detectsGzipByMagicNotByName() {
        byte[] labels = TestFiles.idxLabels(new byte[] {1, 2, 3});
        // compressed content under a plain name, and plain content under a .gz name
        Path gzNoSuffix = TestFiles.write(dir.resolve("labels"), TestFiles.gzip(labels));
        Path rawWithSuffix = TestFiles.write(dir.resolve("labels.gz"), labels);
        assertThat(IdxReader.readLabels(gzNoSuffix, 10)).containsExactly(1, 2, 3);
        assertThat(IdxReader.readLabels(rawWithSuffix, 10)).containsExactly(1, 2, 3);
    }

    @Test
    void truncatedImagesNameFileAndSizes() {
        byte[] full = TestFiles.idxImages(10, 28, 28, TestFiles.rampPixels(10));
        Path f = TestFiles.write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(full, full.length - 100));
        assertThatThrownBy(() -> IdxReader.readImages(f))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("10 images of 28x28")
                .hasMessageContaining("needs 7856 bytes")
                .hasMessageContaining("file has 7756 bytes")
                .hasMessageContaining("truncated");
    }

    @Test
    void truncatedGzipContentSaysDecompressed() {
        byte[] full = TestFiles.idxImages(2, 28, 28, TestFiles.rampPixels(2));
        Path f = TestFiles.write(dir.resolve("x.gz"), TestFiles.gzip(Arrays.copyOf(full, 1000)));
        assertThatThrownBy(() -> IdxReader.readImages(f))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("decompressed data has 1000 bytes");
    }

    @Test
    void headerShorterThanSixteenBytes() {
        Path f = TestFiles.write(dir.resolve("tiny"), new byte[] {0, 0, 8, 3, 0});
        assertThatThrownBy(() -> IdxReader.readImages(f))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("16-byte header")
                .hasMessageContaining("only 5 bytes");
    }

    @Test
    void wrongMagicNamesBothNumbers() {
        Path f = TestFiles.write(dir.resolve("labels-as-images"), TestFiles.idxLabels(new byte[20]));
        assertThatThrownBy(() -> IdxReader.readImages(f))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("expected magic number 2051 (0x00000803)")
                .hasMessageContaining("found 2049 (0x00000801)")
                .hasMessageContaining("IDX labels file");
        Path g = TestFiles.write(dir.resolve("junk"), "this is not an idx file".getBytes());
        assertThatThrownBy(() -> IdxReader.readLabels(g, 10))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("expected magic number 2049");
    }

    @Test
    void badGzip() {
        byte[] gz = TestFiles.gzip(TestFiles.idxLabels(new byte[5000]));
        Path cut = TestFiles.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> IdxReader.readLabels(cut, 10))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(cut.toString())
                .hasMessageContaining("corrupt gzip data");
        byte[] garbled = gz.clone();
        for (int i = 10; i < garbled.length - 8; i++) garbled[i] ^= 0x5a;
        Path bad = TestFiles.write(dir.resolve("garbled.gz"), garbled);
        assertThatThrownBy(() -> IdxReader.readLabels(bad, 10))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("corrupt gzip data");
    }

    @Test
    void labelOutOfRange() {
        Path f = TestFiles.write(dir.resolve("labels"), TestFiles.idxLabels(new byte[] {3, 9, 11, 0}));
        assertThatThrownBy(() -> IdxReader.readLabels(f, 10))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("label 11 at index 2")
                .hasMessageContaining("range 0..9");
    }

    @Test
    void labelCountDisagreesWithSize() {
        byte[] labels = TestFiles.idxLabels(new byte[] {1, 2, 3, 4});
        Path f = TestFiles.write(dir.resolve("labels"), Arrays.copyOf(labels, labels.length + 3));
        assertThatThrownBy(() -> IdxReader.readLabels(f, 10))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("declares 4 labels, which needs 12 bytes, but the file has 15 bytes")
                .hasMessageContaining("trailing data");
    }

    @Test
    void imagesAndLabelsCountsMustAgree() {
        Path images = TestFiles.write(dir.resolve("images"), TestFiles.idxImages(3, 28, 28, TestFiles.rampPixels(3)));
        Path labels = TestFiles.write(dir.resolve("labels"), TestFiles.idxLabels(new byte[] {1, 2}));
        assertThatThrownBy(() -> Datasets.fromIdx(SequenceTask.SMNIST, images, labels))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(images.toString())
                .hasMessageContaining("3 images")
                .hasMessageContaining(labels.toString())
                .hasMessageContaining("2 labels");
    }

    @Test
    void imageSizeMustMatchTask() {
        Path images = TestFiles.write(dir.resolve("images"), TestFiles.idxImages(2, 32, 32, new byte[2 * 1024]));
        Path labels = TestFiles.write(dir.resolve("labels"), TestFiles.idxLabels(new byte[] {1, 2}));
        assertThatThrownBy(() -> Datasets.fromIdx(SequenceTask.SMNIST, images, labels))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("expected 28x28 images")
                .hasMessageContaining("found 32x32");
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope");
        assertThatThrownBy(() -> IdxReader.readImages(f))
                .isInstanceOf(DatasetException.class)
                .hasMessage(f + ": file not found");
    }
}
