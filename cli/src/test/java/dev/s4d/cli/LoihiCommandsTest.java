package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** quantize, loihi and ablate on a tiny loihi model and real sMNIST samples (when the shared data is present), and their refusals. */
class LoihiCommandsTest {

    @TempDir
    static Path models;

    static Path tiny;
    static Path quantised;

    @TempDir
    Path dir;

    private static String dataDir() {
        var data = Cli.sharedData();
        assumeTrue(data.isPresent(), "no shared data directory (../shared/data or ../../shared/data) with mnist/");
        return data.get().toString();
    }

    private static Cli.Result run(String command, String... extra) {
        List<String> args = new ArrayList<>(List.of(command, "--dataset", "smnist", "--data-dir", dataDir()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    @BeforeAll
    static void models() {
        tiny = Cli.tinyModel(models, "tiny.safetensors");
        quantised = models.resolve("tiny-q.safetensors");
        if (Cli.sharedData().isPresent()) {
            run("quantize", "--model", tiny.toString(), "--limit", "40", "--calibration", "16", "--out", quantised.toString()).succeeds();
        }
    }

    @Test
    void quantizePrintsTheFormatsAndWritesAQuantisedModel() {
        Path out = dir.resolve("q.safetensors");
        Cli.Result r = run("quantize", "--model", tiny.toString(), "--limit", "20", "--calibration", "8", "--weight-bits", "6",
                "--rounding", "floor", "--out", out.toString()).succeeds();
        assertThat(r.out()).contains("6-bit weights", "rounding floor", "formats from 8 calibration sequences", "block 1", "written to " + out);
        assertThat(r.err()).contains("calibrate");
        assertThat(out).exists();
        // A quantised file is not a float model: the float commands say what it is and where it belongs.
        Cli.run("eval", "--model", out.toString(), "--dataset", "smnist", "--data-dir", dataDir(), "--limit", "2")
                .failsWith(1, "is a quantised model", "s4d loihi --model " + out);
        Cli.run("stream", "--model", out.toString(), "--dataset", "smnist", "--data-dir", dataDir(), "--limit", "2")
                .failsWith(1, "is a quantised model", "--stream for token by token");
    }

    @Test
    void loihiReportsAccuracyAndTheCostModelAsTextAndJson() throws Exception {
        Path report = dir.resolve("report.json");
        Cli.Result r = run("loihi", "--model", quantised.toString(), "--limit", "6", "--streams", "4", "--report", report.toString()).succeeds();
        assertThat(r.out()).contains("smnist test, 6 samples, fixed-point engine: accuracy", "cores", "latency", "throughput",
                "energy", "sparsity", "saturations", "paper: Loihi 2 vs Jetson (published)", "report written to " + report);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        for (String key : List.of("accuracy", "cores", "chips", "latency_steps", "latency_us", "tokens_per_s", "energy_uj_per_token",
                "sparsity", "saturations", "comparison")) {
            assertThat(json.has(key)).as("report key %s in %s", key, json).isTrue();
        }
        assertThat(json.get("latency_steps").asInt()).isEqualTo(3 * 1 + 2);
        assertThat(json.get("sparsity").has("relu1")).isTrue();
    }

    @Test
    void benchOnAQuantisedModelAddsTheFixedPointRows() {
        dataDir();
        Cli.Result r = Cli.run("bench", "--model", quantised.toString(), "--only", "single", "--repeats", "1", "--peak-gflops", "100")
                .succeeds();
        assertThat(r.out()).contains("loihi H=8", "recurrent, 1 stream, 1 thread", "fixed-point, 1 stream, 1 thread");
        r = Cli.run("bench", "--model", quantised.toString(), "--only", "streams", "--streams", "3", "--repeats", "1",
                "--peak-gflops", "100").succeeds();
        assertThat(r.out()).contains("recurrent, 3 streams", "fixed-point, 3 streams");
    }

    @Test
    void sigmaDeltaAtThresholdZeroKeepsTheAccuracy() {
        Cli.Result plain = run("loihi", "--model", quantised.toString(), "--limit", "5").succeeds();
        Cli.Result delta = run("loihi", "--model", quantised.toString(), "--limit", "5", "--sigma-delta").succeeds();
        assertThat(delta.out()).contains("sigma-delta threshold 0.0");
        assertThat(accuracyLine(delta.out()).replace(", sigma-delta threshold 0.0", "")).isEqualTo(accuracyLine(plain.out()));
    }

    private static String accuracyLine(String out) {
        return out.lines().filter(l -> l.contains("fixed-point engine")).findFirst().orElseThrow();
    }

    @Test
    void streamModeReportsThisCpusStepLatency() {
        Cli.Result r = run("loihi", "--model", quantised.toString(), "--limit", "3", "--stream", "--streams", "2").succeeds();
        assertThat(r.out()).contains("this CPU, integer engine: step p50", "for 2 stream(s)");
    }

    @Test
    void infoDescribesAQuantisedModel() {
        dataDir();
        Cli.Result r = Cli.run("info", quantised.toString()).succeeds();
        assertThat(r.out()).contains("(quantised for the fixed-point engine)", "8-bit weights", "block 1",
                "neuron graph", "5 steps from token to logits", "Loihi 2 mapping", "cores on 1 chip(s)");
    }

    @Test
    void demoRunsTheQuantisedModelToo() {
        dataDir();
        Cli.Result r = Cli.run("demo", "--digits", "4", "--model", tiny.toString(), "--quantized", quantised.toString()).succeeds();
        assertThat(r.out()).contains("fixed-point engine accuracy", "integers only, 4 streams", "as Loihi 2 would run it (modelled");
    }

    @Test
    void ablateWritesTablesAndPlots() throws Exception {
        Path out = dir.resolve("ablation");
        Cli.Result r = run("ablate", "--model", tiny.toString(), "--limit", "4", "--calibration", "8", "--coefficient-bits", "8,16",
                "--state-bits", "16,24", "--weight-bits", "4,8", "--thresholds", "0,0.1", "--out", out.toString()).succeeds();
        assertThat(r.out()).contains("| coefficient_bits |", "| state_bits |", "| weight_bits |", "| sigma_delta |", "| off |");
        for (String f : List.of("ablation.md", "ablation.json", "ablation-widths.png", "ablation-sigma-delta.png")) {
            assertThat(out.resolve(f)).isNotEmptyFile();
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve("ablation.json").toFile());
        assertThat(json.get("points")).hasSize(2 + 2 + 2 + 1 + 2);
    }

    @Test
    void quantisationAwareFineTuningRunsTheTrainerThenQuantises() throws Exception {
        Path out = dir.resolve("qaft.safetensors");
        Cli.Result r = run("quantize", "--model", tiny.toString(), "--limit", "24", "--calibration", "8", "--qaft-epochs", "1",
                "--qaft-batch", "8", "--qaft-seed", "7", "--qaft-dropout", "0", "--qaft-augment", "translate", "--out", out.toString()).succeeds();
        assertThat(r.out()).contains("quantisation-aware fine-tuning: 1 epochs", "dropout 0.0, label smoothing 0.0, augment translate", "seed 7", "written to " + out);
        Path run = dir.resolve("qaft.safetensors.qaft");
        assertThat(run.resolve("last.safetensors")).exists();
        // The seed reaches the run's settings, and with them its validation split.
        JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        assertThat(summary.get("train_config").get("seed").asLong()).isEqualTo(7);
        assertThat(summary.get("train_config").get("dropout").asDouble()).isZero();
        assertThat(summary.get("train_config").get("augment").asText()).isEqualTo("translate");
        // The run is kept, so a second start is refused rather than silently overwritten.
        run("quantize", "--model", tiny.toString(), "--limit", "24", "--qaft-epochs", "1", "--out", out.toString())
                .failsWith(1, "already holds a fine-tuning checkpoint", "--resume");
    }

    /** A teacher reaches the fine-tuning run: its log names it, its settings keep it, and a resume must bring it again. */
    @Test
    void fineTuningDistilsFromItsTeachers() throws Exception {
        Path out = dir.resolve("kd.safetensors");
        String[] taught = {"--model", tiny.toString(), "--limit", "24", "--calibration", "8", "--qaft-epochs", "1", "--qaft-batch", "8",
                "--qaft-teacher", tiny.toString(), "--qaft-distill-weight", "0.8", "--qaft-distill-temperature", "2", "--out", out.toString()};
        Cli.Result r = run("quantize", taught).succeeds();
        assertThat(r.out()).contains("distilling from 1 teacher at weight 0.8, temperature 2.0: " + tiny, "written to " + out);
        JsonNode settings = new ObjectMapper().readTree(dir.resolve("kd.safetensors.qaft").resolve("summary.json").toFile()).get("train_config");
        assertThat(settings.get("distill_weight").asDouble()).isEqualTo(0.8);
        assertThat(settings.get("teachers").get(0).get("path").asText()).isEqualTo(tiny.toString());
        List<String> untaught = new ArrayList<>(List.of(taught));
        untaught.subList(untaught.indexOf("--qaft-teacher"), untaught.indexOf("--out")).clear();
        untaught.add("--resume");
        run("quantize", untaught.toArray(String[]::new)).failsWith(1, "a resumed run keeps its settings");
    }

    @Test
    void badInputsGetClearErrors() throws Exception {
        Path reference = Cli.tinyModel(dir, "reference.safetensors", "--flavour", "reference");
        run("quantize", "--model", reference.toString(), "--limit", "4", "--out", dir.resolve("x").toString())
                .failsWith(1, "reference-flavour model", "--flavour loihi");
        run("quantize", "--model", tiny.toString(), "--weight-bits", "1", "--out", dir.resolve("x").toString())
                .failsWith(1, "weight_bits must be in [2, 16], got 1");
        run("quantize", "--model", tiny.toString(), "--rounding", "up", "--out", dir.resolve("x").toString())
                .failsWith(1, "unknown rounding 'up', expected one of [nearest, floor, toward_zero]");
        run("quantize", "--model", tiny.toString(), "--resume", "--out", dir.resolve("x").toString())
                .failsWith(1, "--resume continues a fine-tuning run");
        Cli.run("quantize", "--model", tiny.toString(), "--dataset", "psmnist", "--offline", "--data-dir", dir.toString(), "--qaft-epochs", "1",
                "--qaft-augment", "flip", "--out", dir.resolve("x").toString()).failsWith(1, "--qaft-augment flip works on image rows, but the tokens of psmnist");
        run("quantize", "--model", tiny.toString(), "--qaft-epochs", "1", "--qaft-augment", "mirror", "--out", dir.resolve("x").toString())
                .failsWith(1, "expected none or one or more of [flip, translate, cutout, mixup]");
        run("quantize", "--model", tiny.toString(), "--qaft-teacher", tiny.toString(), "--out", dir.resolve("x").toString())
                .failsWith(1, "--qaft-teacher teaches fine-tuning: give --qaft-epochs too");
        run("quantize", "--model", tiny.toString(), "--qaft-epochs", "1", "--qaft-distill-weight", "0.5", "--out", dir.resolve("x").toString())
                .failsWith(1, "give one with --qaft-teacher");
        run("quantize", "--model", tiny.toString(), "--qaft-epochs", "1", "--qaft-teacher", dir.resolve("none").toString(), "--out", dir.resolve("x").toString())
                .failsWith(1, "--qaft-teacher " + dir.resolve("none") + " is not a file");
        run("quantize", "--model", tiny.toString(), "--qaft-epochs", "1", "--qaft-teacher", tiny.toString(), "--qaft-distill-weight", "0",
                "--out", dir.resolve("x").toString()).failsWith(1, "but distill_weight 0");
        run("loihi", "--model", tiny.toString(), "--limit", "2").failsWith(1, tiny.toString());
        Path corrupt = dir.resolve("corrupt.safetensors");
        Files.write(corrupt, new byte[]{1, 2, 3});
        run("loihi", "--model", corrupt.toString()).failsWith(1, corrupt.toString());
        run("loihi", "--model", quantised.toString(), "--streams", "0").failsWith(1, "--streams must be at least 1, got 0");
        run("loihi", "--model", quantised.toString(), "--sigma-delta", "-1", "--limit", "2").failsWith(1, "threshold");
        run("ablate", "--model", tiny.toString(), "--thresholds", "-0.5", "--out", dir.resolve("a").toString())
                .failsWith(1, "--thresholds must be finite and >= 0, got -0.5");
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(dir.resolve("a")).doesNotExist();
    }
}
