package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void plainModePrintsAtMostOneLinePerTenthAndNoCarriageReturns() {
        StringWriter text = new StringWriter();
        try (ProgressBar bar = new ProgressBar("job", 1000, "items", new PrintWriter(text), false)) {
            for (int i = 0; i < 1000; i++) bar.advance(1);
        }
        assertThat(text.toString()).doesNotContain("\r");
        assertThat(text.toString().lines()).hasSizeBetween(10, 11).last().asString().contains("100%", "1000/1000 items");
    }

    @Test
    void inPlaceModeRedrawsOneLineAndEndsIt() {
        StringWriter text = new StringWriter();
        try (ProgressBar bar = new ProgressBar("job", 2, "items", new PrintWriter(text), true)) {
            bar.suffix("a long suffix that goes away");
            bar.advance(1);
            bar.suffix("");
            bar.advance(1);
        }
        String[] draws = text.toString().split("\r");
        assertThat(draws[draws.length - 1]).endsWith("\n").contains("100%");
        // The second draw is shorter; it must cover the first one entirely.
        assertThat(draws[2].stripTrailing().length()).isLessThan(draws[1].length());
        assertThat(draws[2].length() - 1).isGreaterThanOrEqualTo(draws[1].length());
    }
}
