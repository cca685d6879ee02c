package dev.s4d.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CIFAR-10 binary batches: concatenation of files, and damaged files reported with the file name. */
class CifarReaderTest {
    @TempDir
    Path dir;

    @Test
    void concatenatesBatchesInOrder() {
        Path a = TestFiles.write(dir.resolve("a.bin"), TestFiles.cifarRecords(3, 8));
        Path b = TestFiles.write(dir.resolve("b.bin"), TestFiles.cifarRecords(0));
        CifarRecords r = CifarReader.read(List.of(a, b));
        assertThat(r.count()).isEqualTo(3);
        assertThat(r.label(0)).isEqualTo(3);
        assertThat(r.label(1)).isEqualTo(8);
        assertThat(r.label(2)).isEqualTo(0);
        // first pixel of the third record comes from b's first record: (0 * 7 + 0)
        assertThat(r.records()[r.pixelOffset(2)]).isEqualTo((byte) 0);
        assertThat(r.records()[r.pixelOffset(1) + 5] & 0xff).isEqualTo(7 + 5);
    }

    @Test
    void truncatedBatch() {
        byte[] records = TestFiles.cifarRecords(1, 2, 3);
        Path f = TestFiles.write(dir.resolve("data_batch_1.bin"), Arrays.copyOf(records, records.length - 10));
        assertThatThrownBy(() -> CifarReader.read(List.of(f)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("3073-byte records")
                .hasMessageContaining("found 9209 bytes = 2 records and 3063 bytes left over")
                .hasMessageContaining("truncated");
    }

    @Test
    void emptyBatch() {
        Path f = TestFiles.write(dir.resolve("test_batch.bin"), new byte[0]);
        assertThatThrownBy(() -> CifarReader.read(List.of(f)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("whole, non-zero number")
                .hasMessageContaining("found 0 bytes");
    }

    @Test
    void labelOutOfRange() {
        Path f = TestFiles.write(dir.resolve("test_batch.bin"), TestFiles.cifarRecords(1, 11));
        assertThatThrownBy(() -> CifarReader.read(List.of(f)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("label 11 in record 1 (byte offset 3073)")
                .hasMessageContaining("range 0..9");
    }

    @Test
    void missingBatch() {
        Path f = dir.resolve("data_batch_9.bin");
        assertThatThrownBy(() -> CifarReader.read(List.of(f)))
                .isInstanceOf(DatasetException.class)
                .hasMessage(f + ": file not found");
    }
}
