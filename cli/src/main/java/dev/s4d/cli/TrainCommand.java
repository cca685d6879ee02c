package dev.s4d.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.data.Dataset;
import dev.s4d.data.SequenceTask;
import dev.s4d.data.Split;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.S4DModel;
import dev.s4d.train.Augmentation;
import dev.s4d.train.Checkpoint;
import dev.s4d.train.GradientSource;
import dev.s4d.train.GradientSources;
import dev.s4d.train.LearningRateSchedule;
import dev.s4d.train.TeacherFile;
import dev.s4d.train.TrainConfig;
import dev.s4d.train.TrainResult;
import dev.s4d.train.Trainer;
import dev.s4d.train.grad.Teacher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains a model, or continues training one from its checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model on a dataset's training split, validate after every epoch and test at the end.",
                "A new run takes its architecture as init does (--config, then the single options; d_input and classes"
                        + " default to the dataset's) and holds out --val-fraction of the training split for validation.",
                "--out DIR receives checkpoint.safetensors (every --checkpoint-every steps and at each epoch end),"
                        + " best.safetensors (best validation accuracy), last.safetensors, metrics.jsonl, metrics.csv,"
                        + " loss.png, accuracy.png and summary.json; with --average-last also averaged.safetensors.",
                "--init MODEL starts from a trained model's parameters (ours, or a reference PyTorch state_dict) with a"
                        + " fresh optimiser and schedule: fine-tuning, or more epochs for a finished run. The architecture is"
                        + " the model's; architecture options may repeat it, not change it.",
                "--resume continues the run in DIR where its checkpoint stopped, with the checkpoint's architecture and"
                        + " settings: options may repeat them, and only --threads may change (and --average-last, while no epoch"
                        + " of its window has ended). With the same thread count it takes exactly the steps the uninterrupted"
                        + " run would have taken."})
final class TrainCommand extends CliCommand {

    /** Makes the gradient code for a model. */
    interface GradientFactory {
        /** @param teacher the loaded models of {@code training.teachers()}, null when it names none */
        GradientSource create(ModelConfig config, TrainConfig training, Teacher teacher);
    }

    /** Where the command gets its gradient code; tests put a stand-in here. */
    static GradientFactory gradients = GradientSources::forModel;

    @Mixin
    DatasetMixin data;

    @Mixin
    ArchitectureMixin architecture;

    @Option(names = "--init", paramLabel = "MODEL", description = "Start from this model's parameters instead of a fresh initialisation"
            + " (a reference state_dict takes --prenorm, --readout and --discretization).")
    Path init;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory of the run (created if missing).")
    Path out;

    @Option(names = "--resume", description = "Continue the run whose checkpoint is in --out.")
    boolean resume;

    @Option(names = "--epochs", description = "Passes over the training samples (default 10).")
    Integer epochs;

    @Option(names = {"--batch", "--batch-size"}, description = "Samples per optimiser step (default 64).")
    Integer batch;

    @Option(names = "--lr", description = "Peak learning rate of all but the SSM group (default 0.01).")
    Double lr;

    @Option(names = "--lr-ssm", description = "Peak learning rate of log_dt, log_A_real and A_imag (default 0.001).")
    Double lrSsm;

    @Option(names = "--weight-decay", description = "AdamW weight decay outside the SSM group (default 0.01; none inside).")
    Double weightDecay;

    @Option(names = "--warmup", paramLabel = "STEPS", description = "Steps of linear warm-up before the schedule (default 0).")
    Integer warmup;

    @Option(names = "--schedule", paramLabel = "cosine|constant", description = "After the warm-up: cosine decay to 0 over the"
            + " remaining steps (the reference's), or constant at the peak rates, for stochastic weight averaging with --average-last"
            + " (default cosine).")
    String schedule;

    @Option(names = "--clip", paramLabel = "NORM", description = "Clip the global gradient norm to NORM (default: no clipping).")
    Double clip;

    @Option(names = "--dropout", description = "Dropout rate (default 0.1).")
    Double dropout;

    @Option(names = "--label-smoothing", paramLabel = "EPS", description = "Train against the target (1 − EPS)·one-hot + EPS/classes"
            + " instead of the one-hot label, as PyTorch's label_smoothing, in [0, 1) (default 0). The training loss reported is"
            + " then the smoothed one, the validation and test losses stay the plain cross-entropy.")
    Double labelSmoothing;

    @Option(names = "--batch-norm", negatable = true, description = "Loihi flavour: normalise each S4D layer's input with the"
            + " batch's mean and variance while training (with a learned scale and shift), as the paper group's Loihi examples"
            + " train; every model written has the norms folded into the encoder and the pointwise linears before them, so it"
            + " is an ordinary loihi model. With --init the norms start where the network computes the given model (default: off).")
    Boolean batchNorm;

    @Option(names = "--teacher", paramLabel = "MODEL", description = "Distil from this trained model (ours, or a reference PyTorch"
            + " state_dict): the loss blends in how far the model's probabilities are from the teacher's on the same augmented input."
            + " Repeat it for an ensemble, whose probabilities are averaged. On --resume, where the run's teachers are now (same bytes).")
    List<Path> teachers;

    @Option(names = "--distill-weight", paramLabel = "W", description = "Share of the loss that is the teachers', in (0, 1] (default 0.5"
            + " with --teacher): (1 − W)·cross-entropy against the label + W·T²·KL(teachers ‖ model) at temperature T. The training"
            + " loss reported is then that blend; validation and test losses stay the plain cross-entropy.")
    Double distillWeight;

    @Option(names = "--distill-temperature", paramLabel = "T", description = "Temperature of both softmaxes in the teachers' term,"
            + " positive (default 1); above 1 the wrong classes' ranking counts more.")
    Double distillTemperature;

    /** The --teacher files with their digests, read once; null without --teacher. */
    private List<TeacherFile> givenTeachers;

    @Option(names = "--seed", description = "Seed of initialisation, validation split, shuffling and dropout (default 0).")
    Long seed;

    @Option(names = "--augment", paramLabel = "none|OP[+OP…]", description = "What to do to each training image, OP one of: flip"
            + " (mirror it left to right with probability 1/2; suits scifar and sfashion), translate (move it by up to 1/8 of its width"
            + " across and down, 4 pixels for CIFAR, 3 for MNIST, filling with 0), cutout (set a square of half its width to 0, centred"
            + " anywhere), e.g. flip+translate+cutout; these need tokens that are pixels row by row, so not psmnist. And mixup (blend"
            + " each sample with another of its batch, keeping a share drawn from [1/2, 1] of itself; for distillation with"
            + " --distill-weight 1, the training accuracy then counts the bigger part's label). Default none.")
    String augment;

    @Option(names = "--average-last", paramLabel = "K", description = "Also keep the mean of the weights at the ends of the last K"
            + " epochs (stochastic weight averaging over the tail of the schedule) as averaged.safetensors, validated after each of"
            + " those epochs and tested at the end; 0: none (default 0).")
    Integer averageLast;

    @Option(names = "--stop-after", paramLabel = "EPOCH", description = "Stop once this many epochs of the schedule are done, as an"
            + " interruption would (the checkpoint is written; --resume continues): a long schedule in parts, or where a documented run stopped."
            + " Changes no step.")
    Integer stopAfter;

    @Option(names = "--val-fraction", description = "Share of the training split held out for validation, in [0, 1) (default 0.1).")
    Double valFraction;

    @Option(names = "--threads", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Steps between checkpoints within an epoch; 0: epoch ends only (default 100).")
    Integer checkpointEvery;

    @Override
    public Integer call() throws Exception {
        data.checkOptions();
        if (Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is not a directory");
        if (init != null && resume) throw new IllegalArgumentException("--init starts a new run and --resume continues one: give one of them");
        if (stopAfter != null && stopAfter < 1) throw new IllegalArgumentException("--stop-after must be an epoch, at least 1, got " + stopAfter);
        if (!resume && teachers == null && (distillWeight != null || distillTemperature != null)) {
            throw new IllegalArgumentException("--distill-weight and --distill-temperature set how to learn from a teacher: give one with --teacher");
        }
        givenTeachers = TeacherModels.read(teachers, "--teacher");
        Path checkpointFile = out.resolve(Trainer.CHECKPOINT);
        TrainResult result = resume ? resume(checkpointFile) : start(checkpointFile);
        report(result);
        return 0;
    }

    private TrainResult start(Path checkpointFile) throws Exception {
        if (Files.exists(checkpointFile)) {
            throw new IllegalArgumentException(out + " already holds a checkpoint: add --resume to continue that run, or choose another --out");
        }
        TrainConfig config = settings(TrainConfig.defaults());
        SequenceTask task = data.task();
        data.checkAugmentation(config.augment(), "--augment");
        S4DModel given = init == null ? null : CliFiles.loadModel(init, architecture.importOptions());
        ModelConfig modelConfig = given == null ? architecture.resolve(ArchitectureMixin.defaults(task.dInput(), task.nClasses()))
                : sameArchitecture(given.config(), "--init " + init + " holds");
        data.checkFits(modelConfig);
        // Before the data is read: a missing backward pass or teacher should not cost a dataset load.
        GradientSource source = gradients.create(modelConfig, config, teacher(config));
        S4DModel initial = given != null ? given : ModelInitializer.initialise(modelConfig, architecture.initOptions(config.seed()));
        Dataset train = data.load(Split.TRAIN);
        Dataset test = data.load(Split.TEST);
        out().printf(Locale.ROOT, "training %s%s on %s: %,d parameters; %d training samples, %.0f%% held out for validation;"
                        + " %d epochs of batch %d, seed %d, %d thread%s%n",
                InitCommand.describe(modelConfig), given == null ? "" : " from " + init, task.id(), initial.parameterCount(), train.size(), 100 * config.valFraction(),
                config.epochs(), config.batchSize(), config.seed(), config.threads(), config.threads() == 1 ? "" : "s");
        Trainer trainer = trainer(config, source, modelConfig);
        return given == null ? trainer.start(initial, train, test) : trainer.startFrom(given, train, test);
    }

    private TrainResult resume(Path checkpointFile) throws Exception {
        if (!Files.exists(checkpointFile)) throw new IllegalArgumentException("--resume: " + out + " holds no " + Trainer.CHECKPOINT);
        Checkpoint checkpoint = Checkpoint.read(checkpointFile);
        sameArchitecture(checkpoint.modelConfig(), "--resume continues the checkpoint's architecture:");
        TrainConfig config = resumedSettings(checkpoint.trainConfig(), checkpoint.epoch());
        data.checkFits(checkpoint.modelConfig());
        GradientSource source = gradients.create(checkpoint.modelConfig(), config, teacher(config));
        Dataset train = data.load(Split.TRAIN);
        Dataset test = data.load(Split.TEST);
        return trainer(config, source, checkpoint.modelConfig()).resume(checkpoint, train, test);
    }

    /**
     * The models of {@code config.teachers()}, from where --teacher says they are now, else where the run
     * found them (checked against the digests it recorded). Null when the run has no teacher.
     */
    private Teacher teacher(TrainConfig config) throws Exception {
        // Files given with --teacher were hashed a moment ago (and matched the run's on resume).
        return TeacherModels.load(config, givenTeachers == null, out());
    }

    private Trainer trainer(TrainConfig config, GradientSource source, ModelConfig model) {
        Trainer t = new Trainer(config, source, out,
                new ConsoleTrainListener(this, out, stopAfter == null ? config.epochs() : Math.min(stopAfter, config.epochs()), model));
        return stopAfter == null ? t : t.stoppingAfter(stopAfter);
    }

    /**
     * {@code given}, refusing architecture options that change it: the same command line plus --resume
     * (or with --init) should work, so options may repeat the architecture, not change it.
     */
    private ModelConfig sameArchitecture(ModelConfig given, String whose) throws Exception {
        ModelConfig asked = architecture.resolve(given);
        if (!asked.equals(given)) {
            throw new IllegalArgumentException(whose + " " + InitCommand.describe(given) + ", but the options ask for " + InitCommand.describe(asked));
        }
        return given;
    }

    /** {@code base} with every option that was given. */
    private TrainConfig settings(TrainConfig base) {
        return base.toBuilder()
                .epochs(or(epochs, base.epochs())).batchSize(or(batch, base.batchSize()))
                .lr(or(lr, base.lr())).lrSsm(or(lrSsm, base.lrSsm())).weightDecay(or(weightDecay, base.weightDecay()))
                .warmupSteps(or(warmup, base.warmupSteps())).clipNorm(or(clip, base.clipNorm())).dropout(or(dropout, base.dropout()))
                .labelSmoothing(or(labelSmoothing, base.labelSmoothing()))
                .batchNorm(or(batchNorm, base.batchNorm()))
                .teachers(givenTeachers == null ? base.teachers() : givenTeachers)
                .distillWeight(or(distillWeight, teachers != null && base.teachers().isEmpty() ? TeacherModels.DEFAULT_WEIGHT : base.distillWeight()))
                .distillTemperature(or(distillTemperature, base.distillTemperature()))
                .seed(or(seed, base.seed())).valFraction(or(valFraction, base.valFraction())).threads(or(threads, base.threads()))
                .checkpointEvery(or(checkpointEvery, base.checkpointEvery()))
                .augment(augment == null ? base.augment() : Augmentation.parse(augment)).averageLast(or(averageLast, base.averageLast()))
                .schedule(schedule == null ? base.schedule() : LearningRateSchedule.Decay.parse(schedule))
                .build();
    }

    /**
     * The checkpoint's settings; options may repeat them but not change them, except --threads and,
     * while no epoch of its window has ended, --average-last.
     */
    private TrainConfig resumedSettings(TrainConfig stored, int epochsDone) {
        TrainConfig asked = settings(stored);
        if (stored.mayResumeAs(asked, epochsDone)) return asked;
        if (stored.withThreads(asked.threads()).withAverageLast(asked.averageLast()).equals(asked)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--average-last can change on resume only while no epoch of"
                    + " its window has ended, but the run has completed %d of %d epochs and the window of %d epochs starts after epoch %d",
                    epochsDone, stored.epochs(), Math.max(stored.averageLast(), asked.averageLast()),
                    Math.min(stored.averageFrom(), asked.averageFrom())));
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode before = json.valueToTree(stored);
        JsonNode after = json.valueToTree(asked);
        List<String> changed = new ArrayList<>();
        before.properties().forEach(e -> {
            if (!e.getKey().equals("threads") && !e.getKey().equals("average_last") && !e.getValue().equals(after.get(e.getKey()))) {
                changed.add(e.getKey() + " " + e.getValue() + " → " + after.get(e.getKey()));
            }
        });
        if (!changed.isEmpty()) {
            throw new IllegalArgumentException("a resumed run keeps the settings it started with (only --threads and --average-last may change),"
                    + " but the options change "
                    + String.join(", ", changed));
        }
        return asked;
    }

    private static <T> T or(T given, T fallback) {
        return given == null ? fallback : given;
    }

    private void report(TrainResult r) {
        java.io.PrintWriter w = out();
        if (r.stopped()) {
            w.println("run written to " + out + " (" + r.steps() + " steps so far; add --resume to continue)");
            return;
        }
        if (r.bestValAccuracy() != null) {
            w.printf(Locale.ROOT, "best validation accuracy %.2f%% at epoch %d, saved as %s%n",
                    100 * r.bestValAccuracy(), r.bestEpoch(), out.resolve(Trainer.BEST));
        }
        if (r.testLast() != null) w.println("test, last model: " + r.testLast().describe());
        if (r.testBest() != null && r.bestEpoch() != r.history().getLast().epoch()) w.println("test, best model: " + r.testBest().describe());
        if (r.testAveraged() != null) {
            w.println("test, weights averaged over the last " + r.averagedEpochs() + " epochs (" + Trainer.AVERAGED + "): " + r.testAveraged().describe());
        }
        w.println("run written to " + out + " (" + r.steps() + " steps)");
    }
}
