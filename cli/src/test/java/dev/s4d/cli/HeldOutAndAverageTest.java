package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.Parameters;
import dev.s4d.train.Checkpoint;
import dev.s4d.train.MeanPoolLinearGradients;
import dev.s4d.train.MetricsFiles;
import dev.s4d.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code s4d eval --held-out RUN} (the samples a training run validated on) and {@code s4d average},
 * on a run of the train module's stand-in gradient source over the first 40 sMNIST samples.
 */
class HeldOutAndAverageTest {

    @TempDir
    static Path shared;

    static Path run;

    @TempDir
    Path dir;

    private static String dataDir() {
        var data = Cli.sharedData();
        assumeTrue(data.isPresent(), "needs the shared MNIST copy in ../shared/data");
        return data.get().toString();
    }

    @BeforeAll
    static void train() {
        if (Cli.sharedData().isEmpty()) return;
        TrainCommand.gradients = (config, training, teacher) -> new MeanPoolLinearGradients(config, training.dropout());
        run = shared.resolve("run");
        // 40 samples with a quarter held out, so the held-out accuracy is not a coarse 0/4 .. 4/4.
        Cli.run("train", "--dataset", "smnist", "--limit", "40", "--data-dir", dataDir(), "--offline", "--out", run.toString(),
                "--batch", "8", "--d-model", "8", "--d-state", "4", "--layers", "1", "--threads", "1", "--epochs", "2",
                "--val-fraction", "0.25", "--seed", "3").succeeds();
    }

    @AfterAll
    static void restoreTheRealGradientSource() {
        TrainCommand.gradients = dev.s4d.train.GradientSources::forModel;
    }

    private static Cli.Result eval(Path model, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("eval", "--model", model.toString(), "--dataset", "smnist",
                "--data-dir", dataDir(), "--offline"));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void heldOutIsWhatTheRunValidatedOn() throws Exception {
        dataDir();
        Path predictions = dir.resolve("p.jsonl");
        Cli.Result r = eval(run.resolve(Trainer.LAST), "--limit", "40", "--held-out", run.toString(),
                "--predictions", predictions.toString()).succeeds();
        // The last model is the model after the last epoch, whose validation the metrics recorded.
        ObjectMapper json = new ObjectMapper();
        List<String> metrics = Files.readAllLines(run.resolve(MetricsFiles.JSONL));
        double valAccuracy = json.readTree(metrics.getLast()).get("val_acc").asDouble();
        assertThat(r.out()).contains("smnist train, held out by " + run + ", 10 samples, conv engine: accuracy "
                + String.format(Locale.ROOT, "%.2f%% (%d/10)", 100 * valAccuracy, Math.round(10 * valAccuracy)));
        int[] expected = Trainer.split(Checkpoint.read(run.resolve(Trainer.CHECKPOINT)).trainConfig(), 40)[1];
        int[] written = Files.readAllLines(predictions).stream().mapToInt(l -> {
            try {
                JsonNode n = json.readTree(l);
                return n.get("index").asInt();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toArray();
        assertThat(written).containsExactly(expected);
        assertThat(Arrays.stream(expected).max().getAsInt()).isLessThan(40);
    }

    @Test
    void heldOutRefusesAnotherDataOrNoRun() {
        dataDir();
        Path model = run.resolve(Trainer.LAST);
        eval(model, "--limit", "30", "--held-out", run.toString())
                .failsWith(1, "--held-out " + run + " trained on smnist with 40 training samples", "but this reads smnist with 30", "give the run's --limit");
        eval(model, "--limit", "40", "--held-out", dir.toString()).failsWith(1, "holds no checkpoint.safetensors");
        eval(model, "--limit", "40", "--held-out", run.toString(), "--split", "train").failsWith(1, "--held-out reads the training split");
        Cli.run("eval", "--model", model.toString(), "--dataset", "psmnist", "--data-dir", dataDir(), "--offline", "--limit", "40",
                "--held-out", run.toString()).failsWith(1, "trained on smnist, not psmnist");
    }

    @Test
    void averageIsTheWeightedMeanOfTheParameters() throws Exception {
        Path a = Cli.tinyModel(dir, "a.safetensors", "--seed", "1");
        Path b = Cli.tinyModel(dir, "b.safetensors", "--seed", "2");
        Path same = dir.resolve("same.safetensors");
        Cli.run("average", a.toString(), a.toString(), "--out", same.toString()).succeeds();
        assertThat(ModelFiles.load(same).parameters().asMap()).isEqualTo(ModelFiles.load(a).parameters().asMap());

        Path mix = dir.resolve("mix.safetensors");
        Cli.Result r = Cli.run("average", a.toString(), b.toString(), "--weights", "1,3", "--out", mix.toString()).succeeds();
        assertThat(r.out()).contains(mix + " = 0.2500 × " + a + " + 0.7500 × " + b, "loihi H=8 N=4");
        Parameters pa = ModelFiles.load(a).parameters();
        Parameters pb = ModelFiles.load(b).parameters();
        Parameters pm = ModelFiles.load(mix).parameters();
        for (String name : pa.names()) {
            float[] x = pa.get(name).data();
            float[] y = pb.get(name).data();
            float[] m = pm.get(name).data();
            for (int i = 0; i < m.length; i++) assertThat(m[i]).as(name).isEqualTo((float) (0.25 * x[i] + 0.75 * y[i]));
        }
    }

    @Test
    void averageRefusesMismatchedModelsAndWeights() {
        Path a = Cli.tinyModel(dir, "a.safetensors");
        Path other = Cli.tinyModel(dir, "other.safetensors", "--flavour", "reference");
        Path out = dir.resolve("out.safetensors");
        Cli.run("average", a.toString(), other.toString(), "--out", out.toString())
                .failsWith(1, other + " is reference H=8", "only models of one architecture can be averaged");
        Cli.run("average", a.toString(), a.toString(), "--weights", "1", "--out", out.toString()).failsWith(1, "gives 1 weights for 2 models");
        Cli.run("average", a.toString(), a.toString(), "--weights", "1,-1", "--out", out.toString()).failsWith(1, "finite and >= 0, got -1.0");
        Cli.run("average", a.toString(), a.toString(), "--weights", "0,0", "--out", out.toString()).failsWith(1, "all 0");
        Cli.run("average", a.toString(), "--out", out.toString()).failsWith(2, "MODEL");
        assertThat(out).doesNotExist();
    }
}
