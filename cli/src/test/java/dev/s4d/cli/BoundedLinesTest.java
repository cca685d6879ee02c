package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BoundedLinesTest {

    private static BoundedLines of(byte[] bytes, int max) {
        return new BoundedLines(new ByteArrayInputStream(bytes), max);
    }

    @Test
    void linesEndAtNewlinesWithOrWithoutCarriageReturnAndTheLastNeedsNone() throws Exception {
        BoundedLines in = of("a\r\n\nb c\nlast".getBytes(StandardCharsets.UTF_8), 100);
        assertThat(in.next()).isEqualTo("a");
        assertThat(in.next()).isEmpty();
        assertThat(in.ready()).isTrue();
        assertThat(in.next()).isEqualTo("b c");
        assertThat(in.next()).isEqualTo("last");
        assertThat(in.ready()).isFalse();
        assertThat(in.next()).isNull();
        assertThat(in.next()).isNull();
    }

    @Test
    void aLineOverTheCapIsRefusedAndSkippedAndTheNextOneReads() throws Exception {
        BoundedLines in = of(("12345\n" + "x".repeat(1000) + "\n6\n").getBytes(StandardCharsets.UTF_8), 5);
        assertThat(in.next()).isEqualTo("12345");
        assertThatThrownBy(in::next).isInstanceOf(IllegalArgumentException.class).hasMessage("line longer than 5 bytes");
        assertThat(in.next()).isEqualTo("6");
        assertThat(in.next()).isNull();
    }

    @Test
    void bytesThatAreNotUtf8BecomeReplacementCharacters() throws Exception {
        BoundedLines in = of(new byte[]{'1', (byte) 0xff, '2', '\n', (byte) 0xc3, (byte) 0xa9, '\n'}, 100);
        assertThat(in.next()).isEqualTo("1\uFFFD2");
        assertThat(in.next()).isEqualTo("é");
    }
}
