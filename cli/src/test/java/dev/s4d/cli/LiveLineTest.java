package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LiveLineTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0.5, -1, 2e3      | 0",
            "0.5 -1 2e3        | 0",
            "  0.5,-1 ,  2e3   | 0",
            "left: 0.5 -1 2e3  | left",
            "s.1-x_2:0.5,-1,2e3| s.1-x_2"})
    void aTokenGoesToItsNamedOrTheDefaultStream(String line, String stream) {
        LiveLine l = LiveLine.parse(line, 3);
        assertThat(l.kind()).isEqualTo(LiveLine.Kind.TOKEN);
        assertThat(l.stream()).isEqualTo(stream);
        assertThat(l.token()).containsExactly(0.5f, -1f, 2000f);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"reset | RESET | 0", "a: reset | RESET | a", "a: close | CLOSE | a", "close | CLOSE | 0"})
    void resetAndCloseAreCommandsToAStream(String line, LiveLine.Kind kind, String stream) {
        LiveLine l = LiveLine.parse(line, 1);
        assertThat(l.kind()).isEqualTo(kind);
        assertThat(l.stream()).isEqualTo(stream);
        assertThat(l.token()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "# a comment", "  #0.5"})
    void blankLinesAndCommentsAreSkipped(String line) {
        assertThat(LiveLine.parse(line, 1).kind()).isEqualTo(LiveLine.Kind.SKIP);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0.5, 1           | expected a token of 3 numbers (the model's d_input), 'reset' or 'close', got 2 field(s)",
            "a:               | got 0 field(s)",
            "1, 2, 3, 4       | got 4 field(s)",
            "1, x, 3          | value 2 'x' is not a number",
            "1, NaN, 3        | value 2 'NaN' is not finite",
            "1, 2, Infinity   | value 3 'Infinity' is not finite",
            "1e39, 2, 3       | value 1 '1e39' is not finite",
            "a b: 1, 2, 3     | stream name 'a b' is not 1-64 letters",
            ": 1, 2, 3        | stream name '' is not",
            "a:b: 1, 2, 3     | got 4 field(s)",
            "rest             | got 1 field(s)"})
    void aLineThatIsNotATokenSaysWhatWasExpected(String line, String message) {
        assertThatThrownBy(() -> LiveLine.parse(line, 3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @org.junit.jupiter.api.Test
    void aHugeBadLineGivesAShortMessage() {
        String garbage = "x".repeat(1_000_000);
        assertThatThrownBy(() -> LiveLine.parse(garbage, 1)).hasMessageContaining("'xxxxx").satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
        assertThatThrownBy(() -> LiveLine.parse("1 2", 1)).hasMessageContaining("a token of 1 number (");
    }
}
