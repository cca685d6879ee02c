package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LiveOutputTest {

    @Test
    void fixedDecimalsAgreeWithPrintf() {
        SplittableRandom rng = new SplittableRandom(8);
        for (int i = 0; i < 100_000; i++) {
            double p = i < 4 ? new double[]{0, 1, 0.99999, 0.00005}[i] : rng.nextDouble();
            assertThat(LiveOutput.fixed(new StringBuilder(), p, 4).toString()).isEqualTo(String.format(Locale.ROOT, "%.4f", p));
            assertThat(LiveOutput.fixed(new StringBuilder(), p, 6).toString()).isEqualTo(String.format(Locale.ROOT, "%.6f", p));
        }
    }

    @Test
    void aPredictionIsTheWinnerAndItsSoftmaxProbability() {
        StringWriter text = new StringWriter();
        StringWriter json = new StringWriter();
        float[] logits = {9, 1, 2, 3, 1000, 999};
        new LiveOutput(new PrintWriter(text), LiveOutput.Format.TEXT).prediction("s", 7, logits, 3, 3);
        new LiveOutput(new PrintWriter(json), LiveOutput.Format.JSONL).prediction("s", 7, logits, 3, 3);
        // Logits 3, 1000, 999: class 1 with e^0 / (e^-997 + e^0 + e^-1), which large logits must not overflow.
        double p = 1 / (1 + Math.exp(-1) + Math.exp(-997));
        assertThat(text.toString()).isEqualTo(String.format(Locale.ROOT, "s\t7\t1\t%.4f%n", p));
        assertThat(json.toString()).isEqualTo(String.format(Locale.ROOT, "{\"stream\":\"s\",\"token\":7,\"class\":1,\"p\":%.6f,"
                + "\"logits\":[3.0,1000.0,999.0]}%n", p));
    }
}
