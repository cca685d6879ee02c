package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.s4d.io.ImportOptions;
import dev.s4d.io.ModelFiles;
import dev.s4d.model.Discretization;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.train.Checkpoint;
import dev.s4d.train.MeanPoolLinearGradients;
import dev.s4d.train.EpochMetrics;
import dev.s4d.train.MetricsFiles;
import dev.s4d.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code s4d train} with the train module's stand-in gradient source (the real backward pass is
 * wired in {@code GradientSources}), on the first samples of the shared sMNIST copy.
 */
class TrainCommandTest {

    @TempDir
    Path dir;

    @AfterEach
    void restoreTheRealGradientSource() {
        TrainCommand.gradients = dev.s4d.train.GradientSources::forModel;
    }

    private static void useStandIn() {
        TrainCommand.gradients = (config, training, teacher) -> new MeanPoolLinearGradients(config, training.dropout());
    }

    private static Path mnist() {
        Optional<Path> data = Cli.sharedData();
        assumeTrue(data.isPresent(), "needs the shared MNIST copy in ../shared/data");
        return data.get();
    }

    /** The first 40 samples of each split (4 held out for validation), batches of 8: 5 steps per epoch. */
    private static String[] args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--dataset", "smnist", "--limit", "40", "--data-dir", mnist().toString(),
                "--offline", "--out", out.toString(), "--batch", "8", "--checkpoint-every", "3"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** A fresh run of a small model. */
    private static String[] fresh(Path out, String epochs) {
        return args(out, "--d-model", "8", "--d-state", "4", "--layers", "1", "--threads", "1", "--epochs", epochs);
    }

    @Test
    void trainsValidatesTestsAndWritesTheRunDirectory() throws Exception {
        useStandIn();
        Path out = dir.resolve("run");
        Cli.Result r = Cli.run(fresh(out, "2")).succeeds();
        assertThat(r.out()).contains("training loihi H=8 N=4 layers=1 d_input=1 classes=10 on smnist", "40 training samples",
                "epoch 1 (step 5): train loss", "epoch 2 (step 10)", "validation loss", "best validation accuracy",
                "test, last model: accuracy", "run written to " + out + " (10 steps)");
        assertThat(r.out().lines().filter(l -> l.startsWith("epoch ") && l.contains(" (step ")))
                .satisfiesExactly(first -> assertThat(first).containsPattern("samples/s; 1 epoch to go, about 0:\\d\\d$"),
                        last -> assertThat(last).endsWith("samples/s"));
        assertThat(r.err()).contains("epoch 1/2 [", "36/36 samples", "/s  ETA", "loss ", "lr ", "validate [", "test [");
        for (String file : new String[]{Trainer.CHECKPOINT, Trainer.BEST, Trainer.LAST, Trainer.SUMMARY,
                MetricsFiles.JSONL, MetricsFiles.CSV, TrainingPlots.LOSS, TrainingPlots.ACCURACY}) {
            assertThat(out.resolve(file)).as(file).isNotEmptyFile();
        }
        byte[] png = Files.readAllBytes(out.resolve(TrainingPlots.LOSS));
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        assertThat(Files.readAllLines(out.resolve(MetricsFiles.JSONL))).hasSize(2);
        ModelConfig trained = ModelFiles.load(out.resolve(Trainer.LAST)).config();
        assertThat(trained).isEqualTo(ModelConfig.loihi(1, 8, 4, 1, 10));
        assertThat(Checkpoint.read(out.resolve(Trainer.CHECKPOINT)).step()).isEqualTo(10);
    }

    @Test
    void resumeContinuesFromTheCheckpointAndRefusesOtherSettings() throws Exception {
        useStandIn();
        Path out = dir.resolve("run");
        Cli.run(fresh(out, "1")).succeeds();

        Cli.run(fresh(out, "1")).failsWith(1, "already holds a checkpoint", "--resume");
        Cli.run(args(out, "--resume", "--lr", "0.02")).failsWith(1, "a resumed run keeps the settings it started with", "lr 0.01 → 0.02");
        Cli.run(args(out, "--resume", "--d-model", "16"))
                .failsWith(1, "--resume continues the checkpoint's architecture: loihi H=8 N=4", "the options ask for loihi H=16 N=4");
        Cli.run(args(out, "--resume", "--epochs", "2")).failsWith(1, "epochs 1 → 2");

        // A finished run resumes to its end at once; the first command line plus --resume works, and threads may change.
        Cli.Result again = Cli.run(args(out, "--d-model", "8", "--d-state", "4", "--layers", "1", "--epochs", "1",
                "--resume", "--threads", "2")).succeeds();
        assertThat(again.out()).contains("resuming at step 5 (epoch 2, batch 1)", "run written to " + out + " (5 steps)");
    }

    @Test
    void stopAfterEndsAtAnEpochAndResumeContinues() throws Exception {
        useStandIn();
        Path out = dir.resolve("run");
        Cli.Result r = Cli.run(args(out, "--d-model", "8", "--d-state", "4", "--layers", "1", "--threads", "1", "--epochs", "2",
                "--stop-after", "1")).succeeds();
        assertThat(r.out()).contains("epoch 1 (step 5)", "stopped after epoch 1 of 2 as asked", "5 steps so far; add --resume to continue")
                .doesNotContain("test, last model").doesNotContain("to go");
        Cli.Result rest = Cli.run(args(out, "--resume")).succeeds();
        assertThat(rest.out()).contains("resuming at step 5 (epoch 2, batch 1)", "test, last model", "(10 steps)");
        Cli.run(args(dir.resolve("zero"), "--stop-after", "0")).failsWith(1, "--stop-after must be an epoch, at least 1, got 0");
    }

    @Test
    void averageLastKeepsTheMeanOfTheLastEpochsWeights() throws Exception {
        useStandIn();
        Path out = dir.resolve("run");
        Cli.Result r = Cli.run(args(out, "--d-model", "8", "--d-state", "4", "--layers", "1", "--threads", "1", "--epochs", "2",
                "--average-last", "2")).succeeds();
        assertThat(r.out()).contains("epoch 1: weights of the last 1 epoch averaged, validation accuracy",
                "epoch 2: weights of the last 2 epochs averaged", "test, weights averaged over the last 2 epochs (averaged.safetensors): accuracy");
        assertThat(out.resolve(Trainer.AVERAGED)).isNotEmptyFile();
        assertThat(Files.readAllLines(out.resolve(MetricsFiles.CSV)).get(2)).doesNotEndWith(",,");

        // Its window has ended, so a resume cannot change it; nor can a window be longer than the run.
        Cli.run(args(out, "--resume", "--average-last", "1"))
                .failsWith(1, "--average-last can change on resume only while no epoch of its window has ended", "completed 2 of 2 epochs");
        Cli.run(args(dir.resolve("long"), "--epochs", "2", "--average-last", "3")).failsWith(1, "average_last must be in [0, epochs] = [0, 2], got 3");
        assertThat(dir.resolve("long")).doesNotExist();
    }

    @Test
    void initStartsANewRunFromATrainedModel() throws Exception {
        useStandIn();
        Path first = dir.resolve("first");
        Cli.run(fresh(first, "1")).succeeds();
        Path model = first.resolve(Trainer.LAST);

        // The model's architecture and a fresh schedule (5 more steps); its parameters are where they start,
        // so with both learning rates 0 they are where they end.
        Path more = dir.resolve("more");
        Cli.Result r = Cli.run(args(more, "--init", model.toString(), "--epochs", "1", "--threads", "1", "--lr", "0", "--lr-ssm", "0"))
                .succeeds();
        assertThat(r.out()).contains("training loihi H=8 N=4 layers=1 d_input=1 classes=10 from " + model, "run written to " + more + " (5 steps)");
        assertThat(ModelFiles.load(more.resolve(Trainer.LAST)).parameters().asMap())
                .isEqualTo(ModelFiles.load(model).parameters().asMap());
        Path moved = dir.resolve("moved");
        Cli.run(args(moved, "--init", model.toString(), "--epochs", "1", "--threads", "1")).succeeds();
        assertThat(ModelFiles.load(moved.resolve(Trainer.LAST)).parameters().asMap())
                .isNotEqualTo(ModelFiles.load(model).parameters().asMap());

        Cli.run(args(dir.resolve("other"), "--init", model.toString(), "--d-model", "16"))
                .failsWith(1, "--init " + model + " holds loihi H=8 N=4", "the options ask for loihi H=16 N=4");
        Cli.run(args(more, "--init", model.toString(), "--resume")).failsWith(1, "--init starts a new run and --resume continues one");
        Cli.run(args(dir.resolve("none"), "--init", dir.resolve("missing.safetensors").toString())).failsWith(1, "missing.safetensors");
        assertThat(dir.resolve("other")).doesNotExist();
    }

    @Test
    void initReadsAReferenceStateDictWithTheOptionsItCannotStateItself() throws Exception {
        useStandIn();
        // A state_dict saved by the reference PyTorch model (core's golden files): shapes only, so the
        // discretisation comes from the option, and the run's model keeps it.
        Path stateDict = Path.of("..", "core", "src", "test", "resources", "golden", "reference_bilinear.safetensors");
        assumeTrue(Files.exists(stateDict), "needs core's golden files beside this module");
        Path out = dir.resolve("ft");
        Cli.run(args(out, "--init", stateDict.toString(), "--discretization", "bilinear", "--epochs", "1", "--threads", "1",
                "--lr", "0", "--lr-ssm", "0")).succeeds();
        S4DModel imported = ModelFiles.load(stateDict, new ImportOptions(false, Readout.MEAN, Discretization.BILINEAR));
        S4DModel trained = ModelFiles.load(out.resolve(Trainer.LAST));
        assertThat(trained.config()).isEqualTo(imported.config());
        assertThat(trained.parameters().asMap()).isEqualTo(imported.parameters().asMap());
    }

    @Test
    void resumeWithoutACheckpointIsRefused() {
        useStandIn();
        Cli.run(args(dir.resolve("empty"), "--resume")).failsWith(1, "--resume", "holds no checkpoint.safetensors");
    }

    @Test
    void theRealBackwardPassTrainsASmallModelEndToEnd() throws Exception {
        Path out = dir.resolve("real");
        Cli.run(fresh(out, "1")).succeeds();
        assertThat(out.resolve("last.safetensors")).exists();
        assertThat(ModelFiles.load(out.resolve("last.safetensors")).config().dModel()).isEqualTo(8);
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize(1);
    }

    /** Label smoothing reaches the real gradient code (another training loss than without) and stays with the run. */
    @Test
    void labelSmoothingReachesTheTrainingLossAndIsKeptOnResume() throws Exception {
        Path plain = dir.resolve("plain");
        Path smoothed = dir.resolve("smoothed");
        String[] small = {"--d-model", "8", "--d-state", "4", "--layers", "1", "--threads", "1", "--epochs", "2", "--stop-after", "1"};
        Cli.run(args(plain, small)).succeeds();
        Cli.run(args(smoothed, concat(small, "--label-smoothing", "0.3"))).succeeds();
        EpochMetrics a = MetricsFiles.read(plain).get(0);
        EpochMetrics b = MetricsFiles.read(smoothed).get(0);
        // Same seed, model and batches: only the loss's target differs.
        assertThat(b.trainLoss()).isNotEqualTo(a.trainLoss());
        Cli.run(args(smoothed, "--resume", "--label-smoothing", "0.1")).failsWith(1, "label_smoothing 0.3 → 0.1");
        Cli.run(args(smoothed, "--resume")).succeeds();
        assertThat(MetricsFiles.read(smoothed)).hasSize(2);
        assertThat(Files.readString(smoothed.resolve(Trainer.SUMMARY))).contains("\"label_smoothing\" : 0.3");
    }

    /** --batch-norm trains γ and β of the loihi flavour, writes folded plain models and stays with the run; other flavours refuse it. */
    @Test
    void batchNormsTrainTheLoihiFlavourAndFoldIntoItsModels() throws Exception {
        Path out = dir.resolve("normed");
        String[] small = {"--flavour", "loihi", "--d-model", "8", "--d-state", "4", "--layers", "2", "--threads", "1", "--epochs", "2"};
        Cli.run(args(out, concat(small, "--batch-norm", "--stop-after", "1"))).succeeds();
        Cli.run(args(out, "--resume", "--no-batch-norm")).failsWith(1, "batch_norm true → false");
        Cli.run(args(out, "--resume")).succeeds();
        S4DModel last = ModelFiles.load(out.resolve(Trainer.LAST));
        assertThat(last.parameters().names()).isEqualTo(S4DModel.expectedShapes(last.config()).keySet());
        assertThat(Files.readString(out.resolve(Trainer.SUMMARY))).contains("\"batch_norm\" : true");
        Cli.run(args(dir.resolve("ref"), "--flavour", "reference", "--d-model", "8", "--d-state", "4", "--layers", "1", "--threads", "1",
                "--epochs", "1", "--batch-norm")).failsWith(1, "batch normalisation is for the loihi flavour");
        assertThat(dir.resolve("ref").resolve(Trainer.CHECKPOINT)).doesNotExist();
    }

    /**
     * A teacher reaches the real gradient code (another training loss than without), is named in the log,
     * stays with the run, may be found elsewhere on resume but not replaced, and a distilled run resumed
     * from its checkpoint ends with the weights of the uninterrupted one.
     */
    @Test
    void distillationReachesTheLossAndItsTeacherStaysWithTheRun() throws Exception {
        Cli.run(fresh(dir.resolve("teacher-run"), "1")).succeeds();
        Path teacher = dir.resolve("teacher.safetensors");
        Files.copy(dir.resolve("teacher-run").resolve(Trainer.LAST), teacher);
        String[] small = {"--d-model", "8", "--d-state", "4", "--layers", "1", "--threads", "1", "--epochs", "2"};
        String[] taught = concat(small, "--teacher", teacher.toString(), "--distill-weight", "0.7", "--distill-temperature", "2");

        Path whole = dir.resolve("whole");
        Cli.Result r = Cli.run(args(whole, taught)).succeeds();
        assertThat(r.out()).contains("distilling from 1 teacher at weight 0.7, temperature 2.0: " + teacher);
        Path plain = dir.resolve("plain");
        Cli.run(args(plain, small)).succeeds();
        // Same seed, model and batches: only the loss differs.
        assertThat(MetricsFiles.read(whole).get(0).trainLoss()).isNotEqualTo(MetricsFiles.read(plain).get(0).trainLoss());
        assertThat(Files.readString(whole.resolve(Trainer.SUMMARY))).contains("\"distill_weight\" : 0.7", "\"distill_temperature\" : 2.0",
                "\"path\" : \"" + teacher + "\"");

        Path parts = dir.resolve("parts");
        Cli.run(args(parts, concat(taught, "--stop-after", "1"))).succeeds();
        Path moved = dir.resolve("moved.safetensors");
        Files.move(teacher, moved);
        Cli.run(args(parts, "--resume")).failsWith(1, "teacher " + teacher + " is missing", "give its current place with --teacher");
        Cli.run(args(parts, "--resume", "--teacher", dir.resolve("teacher-run").resolve(Trainer.BEST).toString(),
                "--teacher", moved.toString())).failsWith(1, "a resumed run keeps the settings", "teachers");
        Path other = dir.resolve("other.safetensors");
        Files.copy(plain.resolve(Trainer.LAST), other);
        Cli.run(args(parts, "--resume", "--teacher", other.toString())).failsWith(1, "a resumed run keeps the settings", "teachers");
        Cli.run(args(parts, "--resume", "--teacher", moved.toString())).succeeds();
        assertThat(ModelFiles.load(parts.resolve(Trainer.LAST)).parameters().asMap())
                .isEqualTo(ModelFiles.load(whole.resolve(Trainer.LAST)).parameters().asMap());
        assertThat(MetricsFiles.read(parts).stream().map(EpochMetrics::trainLoss).toList())
                .isEqualTo(MetricsFiles.read(whole).stream().map(EpochMetrics::trainLoss).toList());
    }

    @Test
    void badTeachersAreRefusedBeforeAnythingIsWritten() throws Exception {
        Path teacher = dir.resolve("t.safetensors");
        ModelFiles.save(ModelInitializer.initialise(ModelConfig.loihi(1, 8, 4, 1, 3), new InitOptions(InitOptions.AInit.LIN, 0.001, 0.1, 3)), teacher);
        Path run = dir.resolve("run");
        String[] small = {"--d-model", "8", "--d-state", "4", "--layers", "1", "--threads", "1", "--epochs", "1"};
        Cli.run(args(run, concat(small, "--distill-weight", "0.5"))).failsWith(1, "give one with --teacher");
        Cli.run(args(run, concat(small, "--teacher", dir.resolve("none.safetensors").toString()))).failsWith(1, "none.safetensors is not a file");
        Cli.run(args(run, concat(small, "--teacher", teacher.toString(), "--distill-weight", "1.5")))
                .failsWith(1, "distill_weight must be in [0, 1], got 1.5");
        Cli.run(args(run, concat(small, "--teacher", teacher.toString(), "--distill-temperature", "0")))
                .failsWith(1, "distill_temperature must be a positive number");
        Cli.run(args(run, concat(small, "--teacher", teacher.toString())))
                .failsWith(1, "the teacher reads 1 features per token into 3 classes, the student 1 into 10");
        Cli.run(args(run, concat(small, "--augment", "mixup", "--teacher", teacher.toString(), "--distill-weight", "0.9")))
                .failsWith(1, "mixup needs teachers that take the whole loss (distill_weight 1), got distill_weight 0.9");
        assertThat(run).doesNotExist();
    }

    @Test
    void dyingReLUsAreCountedAndReportedOnce() throws Exception {
        // Every channel of the only layer dead from the start: encoder a constant 1, no kernel, D = -1,
        // so the S4D output is -1 on every token and nothing reaches the ReLU's far side.
        S4DModel base = ModelInitializer.initialise(ModelConfig.loihi(1, 8, 4, 1, 10), new InitOptions(InitOptions.AInit.LIN, 0.001, 0.1, 3));
        Map<String, Tensor> p = new LinkedHashMap<>(base.parameters().asMap());
        p.put("encoder.weight", new Tensor(new int[]{8, 1}, new float[8]));
        p.put("encoder.bias", new Tensor(new int[]{8}, filled(8, 1)));
        p.put("s4_layers.0.kernel.C", new Tensor(new int[]{8, 2, 2}, new float[32]));
        p.put("s4_layers.0.D", new Tensor(new int[]{8}, filled(8, -1)));
        Path dead = dir.resolve("dead.safetensors");
        ModelFiles.save(new S4DModel(base.config(), new Parameters(p)), dead);

        Path out = dir.resolve("dead");
        Cli.Result r = Cli.run(args(out, "--init", dead.toString(), "--epochs", "2", "--threads", "1", "--lr", "0.001")).succeeds();
        assertThat(r.out()).contains("silent channels 8, ", "note: layer 0 has 8 of 8 channels silent on the validation samples: dead ReLUs");
        assertThat(r.out().split("note: layer", -1)).hasSize(2);
        assertThat(MetricsFiles.read(out)).allSatisfy(m -> assertThat(m.valSilentChannels()).containsExactly(8));

        // A healthy fresh model draws no note.
        assertThat(Cli.run(fresh(dir.resolve("alive"), "1")).succeeds().out()).contains("silent channels ").doesNotContain("note:");
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --epochs        | 0    | epochs must be at least 1, got 0
            --batch         | 0    | batch_size must be at least 1, got 0
            --lr            | -1   | lr must be a finite number >= 0, got -1.0
            --val-fraction  | 1    | val_fraction must be in [0, 1), got 1.0
            --dropout       | 1.5  | dropout must be in [0, 1), got 1.5
            --label-smoothing | 1  | label_smoothing must be in [0, 1), got 1.0
            --threads       | 0    | threads must be at least 1, got 0
            --d-state       | 3    | d_state must be even
            --checkpoint-every | -1 | checkpoint_every must be non-negative
            --augment       | crop | unknown augmentation 'crop', expected none or one or more of [flip, translate, cutout, mixup]
            --schedule      | step | unknown schedule 'step', expected one of [cosine, constant]
            """)
    void badValuesAreRefusedWithTheReason(String option, String value, String message) {
        useStandIn();
        Cli.run("train", "--dataset", "smnist", "--offline", "--out", dir.resolve("run").toString(), option, value)
                .failsWith(1, message);
        assertThat(dir.resolve("run")).doesNotExist();
    }

    @Test
    void aConstantScheduleHoldsThePeakRateAndIsKeptOnResume() throws Exception {
        useStandIn();
        Path out = dir.resolve("constant");
        Cli.run(args(out, "--d-model", "8", "--d-state", "4", "--layers", "1", "--epochs", "2", "--lr", "0.004", "--schedule", "constant"))
                .succeeds();
        assertThat(Files.readString(out.resolve(Trainer.SUMMARY))).contains("\"schedule\" : \"constant\"");
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) assertThat(line).contains("\"lr\":0.004");
        Cli.run(args(out, "--resume", "--schedule", "cosine")).failsWith(1, "schedule \"constant\" → \"cosine\"");
    }

    @Test
    void augmentIsKeptInTheRunAndRefusedWhereTokensHaveNoRows() throws Exception {
        useStandIn();
        Path out = dir.resolve("run");
        Cli.run(args(out, "--d-model", "8", "--d-state", "4", "--layers", "1", "--epochs", "1", "--augment", "flip")).succeeds();
        assertThat(Files.readString(out.resolve(Trainer.SUMMARY))).contains("\"augment\" : \"flip\"");
        Cli.run(args(out, "--resume")).succeeds();
        Cli.run(args(out, "--resume", "--augment", "none")).failsWith(1, "augment \"flip\" → \"none\"");

        Path permuted = dir.resolve("permuted");
        Cli.run("train", "--dataset", "psmnist", "--offline", "--augment", "flip", "--out", permuted.toString())
                .failsWith(1, "--augment flip works on image rows, but the tokens of psmnist are not pixels row by row");
        Cli.run("train", "--dataset", "psmnist", "--offline", "--augment", "flip+translate", "--out", permuted.toString())
                .failsWith(1, "--augment flip+translate works on image rows");
        assertThat(permuted).doesNotExist();
    }

    @Test
    void anUnknownTaskIsNamed() {
        Cli.run("train", "--dataset", "mnist", "--out", dir.resolve("run").toString()).failsWith(1, "unknown task 'mnist'", "smnist");
    }

    @Test
    void outMustBeADirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Cli.run("train", "--dataset", "smnist", "--out", file.toString()).failsWith(1, "--out " + file + " is not a directory");
    }
}
