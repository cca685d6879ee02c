package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.loihi.quant.Calibration;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModelFiles;
import dev.s4d.loihi.quant.Quantizer;
import dev.s4d.model.S4DModel;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code s4d live} end to end: standard input and files, both engines, the chip's cost report, refusals. */
class LiveCommandTest {
    @TempDir
    static Path models;

    static Path tiny;
    static Path quantised;

    @TempDir
    Path dir;

    @BeforeAll
    static void models() throws Exception {
        tiny = Cli.tinyModel(models, "tiny.safetensors");
        S4DModel m = CliFiles.loadModel(tiny);
        float[][] calibration = new float[4][50];
        for (int i = 0; i < calibration.length; i++) for (int t = 0; t < 50; t++) calibration[i][t] = (float) Math.sin(0.3 * t + i);
        quantised = models.resolve("tiny-q.safetensors");
        QuantizedModelFiles.save(Quantizer.quantize(m, Calibration.of(m, 1).run(calibration, n -> { }), QuantConfig.defaults()), quantised);
    }

    private static Cli.Result withStdin(String input, String... args) {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            return Cli.run(args);
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void standardInputTokensGetOnePredictionEachInTheOrderSent() {
        Cli.Result r = withStdin("0.1\n0.2\nright: 0.3\n# done\n0.4\n", "live", "--model", tiny.toString()).succeeds();
        List<String[]> rows = r.out().lines().map(l -> l.split("\t")).toList();
        assertThat(rows).extracting(row -> row[0] + "#" + row[1]).containsExactly("0#1", "0#2", "right#1", "0#3");
        for (String[] row : rows) {
            assertThat(Integer.parseInt(row[2])).isBetween(0, 9);
            // The winner's softmax probability: at least 1/classes, at most 1.
            assertThat(Double.parseDouble(row[3])).isBetween(0.1, 1.0);
        }
        assertThat(r.err()).contains("s4d live: 4 token(s) on 2 stream(s), 0 line(s) refused; engine step p50");
    }

    @Test
    void theSameTokensFromAFileGiveTheSamePredictionsAsJsonLines() throws Exception {
        Path in = dir.resolve("tokens.txt");
        Files.writeString(in, "0.1\n0.2\nright: 0.3\n0.4\n");
        String text = withStdin("0.1\n0.2\nright: 0.3\n0.4\n", "live", "--model", tiny.toString()).succeeds().out();
        Cli.Result r = Cli.run("live", "--model", tiny.toString(), "--input", in.toString(), "--format", "jsonl", "--streams", "2").succeeds();
        List<String> lines = r.out().lines().toList();
        List<String> textLines = text.lines().toList();
        assertThat(lines).hasSize(4);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode p = json.readTree(lines.get(i));
            String[] row = textLines.get(i).split("\t");
            assertThat(p.get("stream").asText()).isEqualTo(row[0]);
            assertThat(p.get("token").asText()).isEqualTo(row[1]);
            assertThat(p.get("class").asText()).isEqualTo(row[2]);
            assertThat(p.get("p").asDouble()).isCloseTo(Double.parseDouble(row[3]), org.assertj.core.data.Offset.offset(1e-4));
            assertThat(p.get("logits")).hasSize(10);
        }
    }

    @Test
    void aQuantisedModelRunsInTheFixedPointEngineAndReportsTheChipCostOfTheTokens() throws Exception {
        Path report = dir.resolve("live-report.json");
        StringBuilder in = new StringBuilder();
        for (int t = 0; t < 30; t++) in.append("a: ").append(Math.sin(0.2 * t)).append("\nb: ").append(Math.cos(0.2 * t)).append('\n');
        Cli.Result r = withStdin(in.toString(), "live", "--model", quantised.toString(), "--report", report.toString()).succeeds();
        assertThat(r.out().lines()).hasSize(60);
        assertThat(r.err()).contains("60 token(s) on 2 stream(s)", "modelled on Loihi 2 for these tokens", "cores", "energy",
                "report written to " + report);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.get("tokens").asLong()).isEqualTo(60);
        assertThat(json.get("accuracy").isNull()).isTrue();
        assertThat(json.get("energy_uj_per_token").asDouble()).isPositive();
    }

    /** The shipped sMNIST models, fed five bundled test digits pixel by pixel as five interleaved named streams. */
    @Test
    void theShippedModelsReadBundledDigitsLiveAsTheOfflineEngineDoes() throws Exception {
        Path floatModel = Path.of("../models/smnist-loihi.safetensors");
        Path chipModel = Path.of("../models/smnist-loihi-q.safetensors");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(floatModel) && Files.exists(chipModel), "no shipped sMNIST models");
        dev.s4d.data.Dataset digits = dev.s4d.data.Datasets.bundledMnistDigits().slice(0, 5);
        Path in = dir.resolve("digits.txt");
        StringBuilder lines = new StringBuilder();
        for (int t = 0; t < 784; t++) {
            for (int k = 0; k < 5; k++) lines.append("digit").append(k).append(": ").append(digits.sequence(k)[t]).append('\n');
        }
        Files.writeString(in, lines);
        float[][] offline = Classifier.of("conv", CliFiles.loadModel(floatModel)).logits(
                java.util.stream.IntStream.range(0, 5).mapToObj(digits::sequence).toArray(float[][]::new));
        for (Path model : List.of(floatModel, chipModel)) {
            List<String[]> rows = Cli.run("live", "--model", model.toString(), "--input", in.toString()).succeeds()
                    .out().lines().map(l -> l.split("\t")).toList();
            assertThat(rows).hasSize(5 * 784);
            for (int k = 0; k < 5; k++) {
                String[] last = rows.get(rows.size() - 5 + k);
                assertThat(last[0] + "#" + last[1]).isEqualTo("digit" + k + "#784");
                assertThat(Integer.parseInt(last[2])).as("%s, digit %d", model, k)
                        .isEqualTo(Classifier.argmax(offline[k])).isEqualTo(digits.label(k));
            }
        }
    }

    @Test
    void stateCarriesTheStreamsOverToTheNextRunAsIfTheInputHadNeverStopped() throws Exception {
        StringBuilder first = new StringBuilder();
        StringBuilder second = new StringBuilder();
        for (int t = 0; t < 6; t++) {
            StringBuilder to = t < 3 ? first : second;
            to.append("a: ").append(Math.sin(t)).append("\nb: ").append(Math.cos(t)).append('\n');
        }
        second.append("c: 0.5\n");
        Path state = dir.resolve("streams.state");
        // The fixed-point engine gives the same integers however tokens are grouped into steps, so outputs compare exactly.
        String whole = withStdin(first.toString() + second, "live", "--model", quantised.toString()).succeeds().out();
        Cli.Result r1 = withStdin(first.toString(), "live", "--model", quantised.toString(), "--state", state.toString()).succeeds();
        assertThat(r1.err()).contains("2 stream(s) saved to " + state);
        Cli.Result r2 = withStdin(second.toString(), "live", "--model", quantised.toString(), "--state", state.toString()).succeeds();
        assertThat(r2.err()).contains("2 stream(s) restored from " + state, "3 stream(s) saved to " + state);
        assertThat(r1.out() + r2.out()).isEqualTo(whole);
        assertThat(r2.out().lines().findFirst().orElseThrow()).startsWith("a\t4\t");
        assertThat(LiveStateFile.read(state)).containsOnlyKeys("a", "b", "c");

        // --emit end with --state: the sequences go on, so nothing ends at the end of the input.
        Path endState = dir.resolve("end.state");
        assertThat(withStdin(first.toString(), "live", "--model", quantised.toString(), "--emit", "end", "--state", endState.toString())
                .succeeds().out()).isEmpty();

        // Another model's state, a file that is not a state file, and TCP clients are refused before any token is read.
        Cli.run("live", "--model", tiny.toString(), "--state", state.toString(), "--input", state.toString())
                .failsWith(1, "cannot restore " + state + ": stream 'a':");
        Cli.run("live", "--model", tiny.toString(), "--state", tiny.toString())
                .failsWith(1, tiny.toString(), "not an s4d live state file (no s4d.kind in its metadata, expected 'live-state')");
        Files.write(endState, new byte[]{1, 2, 3});
        Cli.run("live", "--model", tiny.toString(), "--state", endState.toString()).failsWith(1, "truncated");
        Cli.run("live", "--model", tiny.toString(), "--state", state.toString(), "--listen", "0")
                .failsWith(1, "--state and --listen exclude each other");
        assertThat(LiveStateFile.read(state)).containsOnlyKeys("a", "b", "c");
    }

    @Test
    void badLinesAreReportedAndSkippedAndTheExitCodeSaysSo() {
        Cli.Result r = withStdin("0.1\nx\n0.2, 0.3\n" + "9".repeat(LiveServer.MAX_LINE + 1) + "\n0.4\n", "live", "--model", tiny.toString());
        assertThat(r.code()).isEqualTo(1);
        r.assertNoStackTrace();
        assertThat(r.out().lines()).hasSize(2);
        assertThat(r.err()).contains("line 2: value 1 'x' is not a number; line skipped",
                "line 3: expected a token of 1 number (the model's d_input)", "line 4: line longer than 65536 bytes; line skipped",
                "2 token(s) on 1 stream(s), 3 line(s) refused");
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingIsRead() throws Exception {
        Cli.run("live", "--model", tiny.toString(), "--format", "csv").failsWith(1, "unknown --format 'csv', expected text or jsonl");
        Cli.run("live", "--model", tiny.toString(), "--streams", "0").failsWith(1, "--streams must be at least 1, got 0");
        Cli.run("live", "--model", tiny.toString(), "--emit", "last").failsWith(1, "unknown --emit 'last', expected token or end");
        Cli.run("live", "--model", tiny.toString(), "--input", dir.resolve("none.txt").toString()).failsWith(1, "input file", "none.txt");
        Cli.run("live", "--model", tiny.toString(), "--sigma-delta", "0.1").failsWith(1, "--sigma-delta needs a quantised model");
        Path report = dir.resolve("r.json");
        Cli.run("live", "--model", tiny.toString(), "--report", report.toString()).failsWith(1, "--report needs a quantised model");
        assertThat(report).doesNotExist();
        Cli.Result empty = withStdin("", "live", "--model", quantised.toString(), "--report", report.toString()).succeeds();
        assertThat(empty.err()).contains("0 token(s) on 0 stream(s)", "no token was read", "not written");
        assertThat(report).doesNotExist();
    }
}
