package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.train.EpochMetrics;
import dev.s4d.train.MetricsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** s4d curves: stages of one training on one plot, the summary lines, and refusals of what is not a run. */
class CurvesCommandTest {
    @TempDir
    Path dir;

    /** A run of {@code accuracies.length} epochs of {@code seconds} each, averaging from epoch {@code averageFrom} + 1. */
    private Path run(String name, double seconds, int averageFrom, double... accuracies) throws Exception {
        Path run = Files.createDirectories(dir.resolve(name));
        List<EpochMetrics> history = new ArrayList<>();
        for (int e = 1; e <= accuracies.length; e++) {
            Double avg = e > averageFrom ? accuracies[e - 1] + 0.01 : null;
            history.add(new EpochMetrics(e, 10L * e, 1.0, 0.5, 0.9, accuracies[e - 1], 1e-3, seconds, 50, avg == null ? null : 0.8, avg, null));
        }
        MetricsFiles.write(run, history);
        return run;
    }

    @Test
    void plotsStagesOneAfterAnotherAndSummarisesEach() throws Exception {
        Path first = run("stage1", 1800, 99, 0.50, 0.62, 0.60);
        Path second = run("stage2", 3600, 1, 0.70, 0.75);
        Path png = dir.resolve("curves.png");
        Cli.Result r = Cli.run("curves", first.toString(), second.toString(), "--target", "84", "--out", png.toString()).succeeds();
        assertThat(r.out()).contains(
                "stage1: epochs 1–3, 1.5 h; validation best 62.00% (epoch 2), last 60.00%",
                "stage2: epochs 1–2, 2.0 h; validation best 75.00% (epoch 2), last 75.00%; averaged weights, last 76.00% (1 epoch)",
                "5 epochs, 3.5 h in all; plot written to " + png);
        assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');

        Cli.run("curves", first.toString(), first.toString(), "--x", "epochs", "--out", png.toString()).succeeds();
    }

    @Test
    void stagesFollowEachOtherWhileOverlaidRunsAllStartAtZero() throws Exception {
        List<EpochMetrics> first = MetricsFiles.read(run("a", 1800, 99, 0.5, 0.6, 0.7));
        List<EpochMetrics> second = MetricsFiles.read(run("b", 3600, 99, 0.4, 0.5));
        assertThat(CurvesCommand.positions(List.of(first, second), true, false)).isDeepEqualTo(new double[][]{{0.5, 1.0, 1.5}, {2.5, 3.5}});
        assertThat(CurvesCommand.positions(List.of(first, second), false, false)).isDeepEqualTo(new double[][]{{1, 2, 3}, {4, 5}});
        assertThat(CurvesCommand.positions(List.of(first, second), true, true)).isDeepEqualTo(new double[][]{{0.5, 1.0, 1.5}, {1, 2}});
        assertThat(CurvesCommand.positions(List.of(first, second), false, true)).isDeepEqualTo(new double[][]{{1, 2, 3}, {1, 2}});

        Path png = dir.resolve("overlay.png");
        Cli.run("curves", dir.resolve("a").toString(), dir.resolve("b").toString(), "--overlay", "--target", "84", "--out", png.toString())
                .succeeds();
        assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void legendNamesTakeAsMuchOfEachPathAsTellsTheRunsApart() throws Exception {
        Path a = dir.resolve("scifar-reference/training");
        Path b = dir.resolve("scifar-reference2/training");
        Path c = dir.resolve("kd");
        assertThat(CurvesCommand.names(List.of(a, b, c))).containsExactly("scifar-reference/training", "scifar-reference2/training", "kd");
        assertThat(CurvesCommand.names(List.of(dir.resolve("x/y/training"), dir.resolve("z/y/training"))))
                .containsExactly("x/y/training", "z/y/training");
        assertThat(CurvesCommand.names(List.of(c, dir.resolve("./kd")))).containsExactly("kd", "kd (2)");
        assertThat(CurvesCommand.names(List.of(Path.of("/"), c))).containsExactly("/", "kd");

        Path first = run("first/training", 60, 99, 0.5, 0.6);
        Path second = run("second/training", 60, 99, 0.4);
        Path png = dir.resolve("named.png");
        assertThat(Cli.run("curves", first.toString(), second.toString(), "--out", png.toString()).succeeds().out())
                .contains("first/training: epochs 1–2", "second/training: epochs 1–1");
        assertThat(Cli.run("curves", first.toString(), second.toString(), "--label", "teacher 1", "--label", "teacher 2",
                "--out", png.toString()).succeeds().out()).contains("teacher 1: epochs 1–2", "teacher 2: epochs 1–1");
    }

    @Test
    void refusesWhatIsNotARunAndBadOptions() throws Exception {
        Path png = dir.resolve("curves.png");
        Path good = run("good", 60, 99, 0.5);
        Cli.run("curves", dir.resolve("empty").toString(), "--out", png.toString())
                .failsWith(1, "holds no metrics.jsonl: is it a run directory of s4d train?");
        Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
        Files.writeString(corrupt.resolve(MetricsFiles.JSONL), Files.readString(good.resolve(MetricsFiles.JSONL)) + "{\"epoch\": \"two\"\n");
        Cli.run("curves", corrupt.toString(), "--out", png.toString()).failsWith(1, "metrics.jsonl line 2 is not an epoch's metrics");
        Path noEpoch = Files.createDirectories(dir.resolve("noEpoch"));
        Files.writeString(noEpoch.resolve(MetricsFiles.JSONL), "{\"step\": 3, \"seconds\": 1}\n");
        Cli.run("curves", noEpoch.toString(), "--out", png.toString()).failsWith(1, "line 1 is not an epoch's metrics", "null");
        Path epochZero = Files.createDirectories(dir.resolve("epochZero"));
        Files.writeString(epochZero.resolve(MetricsFiles.JSONL),
                Files.readString(good.resolve(MetricsFiles.JSONL)).replace("\"epoch\":1,", "\"epoch\":0,"));
        Cli.run("curves", epochZero.toString(), "--out", png.toString()).failsWith(1, "line 1 gives epoch 0", "expected an epoch from 1");
        Cli.run("curves", good.toString(), "--x", "steps", "--out", png.toString()).failsWith(1, "--x must be hours or epochs, got steps");
        Cli.run("curves", good.toString(), "--target", "140", "--out", png.toString()).failsWith(1, "--target must be a percentage");
        Cli.run("curves", good.toString(), "--out", dir.resolve("no/such/dir.png").toString()).failsWith(1, "does not exist");
        Cli.run("curves", good.toString(), good.toString(), "--label", "one", "--out", png.toString())
                .failsWith(1, "--label was given 1 time(s) for 2 run(s)");
        Cli.run("curves", good.toString(), "--label", " ", "--out", png.toString()).failsWith(1, "--label must not be blank");
        assertThat(png).doesNotExist();
    }
}
