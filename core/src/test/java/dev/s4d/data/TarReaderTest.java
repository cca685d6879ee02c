package dev.s4d.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The minimal tar reader: entries and contents, skipping unread members, and damaged archives. */
class TarReaderTest {

    private static byte[] archive() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("dir/first.txt", "hello".getBytes(StandardCharsets.US_ASCII));
        files.put("dir/second.bin", new byte[700]);
        files.put("third", "x".repeat(512).getBytes(StandardCharsets.US_ASCII));
        return TestFiles.tar(files);
    }

    @Test
    void readsEntriesAndSkipsUnreadContent() throws IOException {
        TarReader tar = new TarReader(new ByteArrayInputStream(archive()));
        TarReader.Entry e = tar.next();
        assertThat(e.name()).isEqualTo("dir/first.txt");
        assertThat(e.baseName()).isEqualTo("first.txt");
        assertThat(e.size()).isEqualTo(5);
        assertThat(e.isRegularFile()).isTrue();
        assertThat(new String(tar.content().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        e = tar.next();
        assertThat(e.name()).isEqualTo("dir/second.bin");
        // second.bin not read: next() must skip its 700 bytes and padding
        e = tar.next();
        assertThat(e.name()).isEqualTo("third");
        assertThat(tar.content().readAllBytes()).hasSize(512);
        assertThat(tar.next()).isNull();
        assertThat(tar.next()).isNull();
    }

    @Test
    void corruptHeaderFailsTheChecksum() {
        byte[] bad = archive();
        bad[3] ^= 1;  // inside the first name
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(bad)).next())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("corrupt tar header: checksum");
    }

    @Test
    void truncatedArchive() throws IOException {
        byte[] cut = Arrays.copyOf(archive(), 512 + 512 + 300);  // inside second.bin's header
        TarReader tar = new TarReader(new ByteArrayInputStream(cut));
        tar.next();
        assertThatThrownBy(tar::next).isInstanceOf(EOFException.class).hasMessageContaining("truncated tar archive");
    }
}
