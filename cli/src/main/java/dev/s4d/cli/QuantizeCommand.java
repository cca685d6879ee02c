package dev.s4d.cli;

import dev.s4d.data.Dataset;
import dev.s4d.data.Split;
import dev.s4d.io.ModelFiles;
import dev.s4d.loihi.quant.Calibration;
import dev.s4d.loihi.quant.QaftGradients;
import dev.s4d.loihi.quant.QuantBlock;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.QuantizedModelFiles;
import dev.s4d.loihi.quant.Quantizer;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.S4DModel;
import dev.s4d.train.Augmentation;
import dev.s4d.train.Checkpoint;
import dev.s4d.train.GradientSource;
import dev.s4d.train.GradientSources;
import dev.s4d.train.TeacherFile;
import dev.s4d.train.TrainConfig;
import dev.s4d.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Float model → the chip's integer formats, by post-training quantisation, optionally after quantisation-aware fine-tuning. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantise a loihi-flavour model to the chip's integer formats (docs/LOIHI_ARITHMETIC.md).",
                "Post-training quantisation: the formats are chosen from the value ranges of --calibration training"
                        + " sequences of --dataset. With --qaft-epochs E the float model is first fine-tuned for E epochs with"
                        + " its weights, C and D fake-quantised in the forward pass (straight-through gradients); that run"
                        + " lives in --qaft-dir (checkpointed, continued with --resume) and its last model is quantised.",
                "Run the result with: s4d loihi --model OUT --dataset D"})
final class QuantizeCommand extends CliCommand {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Float model file (loihi flavour).")
    Path model;

    @Mixin
    DatasetMixin data;

    @Mixin
    QuantMixin quant;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Quantised model file to write.")
    Path out;

    @Option(names = "--qaft-epochs", paramLabel = "E", description = "Epochs of quantisation-aware fine-tuning before quantising (default 0: none).")
    int qaftEpochs;

    @Option(names = "--qaft-lr", description = "Peak learning rate of fine-tuning outside the SSM group (default 0.001).")
    double qaftLr = 1e-3;

    @Option(names = "--qaft-lr-ssm", description = "Peak learning rate of fine-tuning for log_dt, log_A_real, A_imag (default 0.0001).")
    double qaftLrSsm = 1e-4;

    @Option(names = "--qaft-batch", description = "Samples per fine-tuning step (default 64).")
    int qaftBatch = 64;

    // Default 0, train's default: a model trained with another --seed held out other images for
    // validation, and fine-tuning with seed 0 would validate on some of its training images.
    @Option(names = "--qaft-seed", paramLabel = "SEED", description = "Seed of fine-tuning's validation split, shuffling and dropout"
            + " (default 0, as train's); give the float run's --seed so that its validation images stay held out.")
    long qaftSeed;

    @Option(names = "--qaft-dropout", description = "Dropout rate of fine-tuning (default 0.1, as train's); give the float run's --dropout.")
    double qaftDropout = TrainConfig.defaults().dropout();

    @Option(names = "--qaft-label-smoothing", paramLabel = "EPS", description = "Label smoothing of fine-tuning's loss, as train's"
            + " --label-smoothing (default 0); give the float run's.")
    double qaftLabelSmoothing = TrainConfig.defaults().labelSmoothing();

    @Option(names = "--qaft-augment", paramLabel = "none|OP[+OP…]", description = "What fine-tuning does to each training image, as"
            + " train's --augment (default none); give the float run's --augment.")
    String qaftAugment = "none";

    @Option(names = "--qaft-teacher", paramLabel = "MODEL", description = "Distil during fine-tuning from this trained model, as train's"
            + " --teacher (repeat it for an ensemble); give the float run's teachers, so that fine-tuning keeps what they taught."
            + " On --resume, the same files again.")
    List<Path> qaftTeachers;

    @Option(names = "--qaft-distill-weight", paramLabel = "W", description = "The teachers' share of fine-tuning's loss, as train's"
            + " --distill-weight (default 0.5 with --qaft-teacher).")
    Double qaftDistillWeight;

    @Option(names = "--qaft-distill-temperature", paramLabel = "T", description = "Temperature of the teachers' term, as train's"
            + " --distill-temperature (default 1).")
    Double qaftDistillTemperature;

    @Option(names = "--qaft-dir", paramLabel = "DIR", description = "Directory of the fine-tuning run (default: OUT with .qaft appended).")
    Path qaftDir;

    @Option(names = "--resume", description = "Continue the fine-tuning run in --qaft-dir where its checkpoint stopped.")
    boolean resume;

    @Option(names = "--threads", description = "Worker threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        data.checkOptions();
        if (qaftEpochs < 0) throw new IllegalArgumentException("--qaft-epochs must be at least 0, got " + qaftEpochs);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        if (resume && qaftEpochs == 0) throw new IllegalArgumentException("--resume continues a fine-tuning run: give --qaft-epochs too");
        if (qaftTeachers != null && qaftEpochs == 0) throw new IllegalArgumentException("--qaft-teacher teaches fine-tuning: give --qaft-epochs too");
        if (qaftTeachers == null && (qaftDistillWeight != null || qaftDistillTemperature != null)) {
            throw new IllegalArgumentException("--qaft-distill-weight and --qaft-distill-temperature set how fine-tuning learns from a teacher:"
                    + " give one with --qaft-teacher");
        }
        Augmentation augment = Augmentation.parse(qaftAugment);
        data.checkAugmentation(augment, "--qaft-augment");
        QuantConfig q = quant.resolve();
        CliFiles.requireWritable(out, "quantised model");
        S4DModel m = CliFiles.loadModel(model);
        data.checkFits(m.config());
        if (m.config().flavour() != BlockFlavour.LOIHI) {
            throw new IllegalArgumentException(model + " is a " + m.config().flavour().id() + "-flavour model; only the loihi flavour"
                    + " (ReLU blocks without norm or residual) runs on the chip: train one with --flavour loihi");
        }
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        TrainConfig config = qaftEpochs == 0 ? null : fineTuning(workers, augment);
        // Before the data is read: a bad teacher should not cost a dataset load.
        GradientSource source = config == null ? null
                : new QaftGradients(GradientSources.forModel(m.config(), config, TeacherModels.load(config, false, out())), m.config(), q);
        Dataset train = data.load(Split.TRAIN);
        if (config != null) m = fineTune(m, config, source, train);

        Calibration.Ranges ranges;
        int samples = Math.min(q.calibrationSamples(), train.size());
        try (ProgressBar bar = progress("calibrate", samples, "samples")) {
            ranges = Calibration.of(m, workers).run(train, samples, n -> bar.advance(1));
        }
        QuantizedModel qm = Quantizer.quantize(m, ranges, q);
        QuantizedModelFiles.save(qm, out);
        describe(qm, ranges.samples(), out());
        out().println("written to " + out);
        return 0;
    }

    /** The fine-tuning run's settings, from the --qaft options. */
    private TrainConfig fineTuning(int workers, Augmentation augment) throws java.io.IOException {
        TrainConfig.Builder b = TrainConfig.builder().epochs(qaftEpochs).batchSize(qaftBatch).lr(qaftLr).lrSsm(qaftLrSsm)
                .dropout(qaftDropout).labelSmoothing(qaftLabelSmoothing).augment(augment).seed(qaftSeed).threads(workers);
        List<TeacherFile> teachers = TeacherModels.read(qaftTeachers, "--qaft-teacher");
        if (teachers != null) {
            b.teachers(teachers).distillWeight(qaftDistillWeight != null ? qaftDistillWeight : TeacherModels.DEFAULT_WEIGHT);
            if (qaftDistillTemperature != null) b.distillTemperature(qaftDistillTemperature);
        }
        return b.build();
    }

    private S4DModel fineTune(S4DModel m, TrainConfig config, GradientSource source, Dataset train) throws Exception {
        Path dir = qaftDir != null ? qaftDir : out.resolveSibling(out.getFileName() + ".qaft");
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IllegalArgumentException("--qaft-dir " + dir + " is not a directory");
        Path checkpoint = dir.resolve(Trainer.CHECKPOINT);
        Trainer trainer = new Trainer(config, source, dir, new ConsoleTrainListener(this, dir, config.epochs(), m.config()));
        Dataset test = data.load(Split.TEST);
        if (resume) {
            if (!Files.exists(checkpoint)) throw new IllegalArgumentException("--resume: " + dir + " holds no " + Trainer.CHECKPOINT);
            trainer.resume(Checkpoint.read(checkpoint), train, test);
        } else {
            if (Files.exists(checkpoint)) {
                throw new IllegalArgumentException(dir + " already holds a fine-tuning checkpoint: add --resume to continue it, or choose another --qaft-dir");
            }
            out().printf(Locale.ROOT, "quantisation-aware fine-tuning: %d epochs, batch %d, lr %.1e (SSM %.1e), dropout %s, label smoothing %s,"
                    + " augment %s, seed %d, run in %s%n", qaftEpochs, qaftBatch, qaftLr, qaftLrSsm, qaftDropout, qaftLabelSmoothing,
                    config.augment().id(), qaftSeed, dir);
            trainer.start(m, train, test);
        }
        return ModelFiles.load(dir.resolve(Trainer.LAST));
    }

    /** The formats chosen, and how many of each group's bits its calibrated values use. */
    static void describe(QuantizedModel qm, int samples, PrintWriter w) {
        QuantConfig q = qm.quant();
        w.printf(Locale.ROOT, "quantised %s: %d-bit weights, %d-bit S4D coefficients, %d-bit states, %d-bit spikes, %d-bit accumulators,"
                        + " rounding %s, overflow %s; formats from %d calibration sequences%n",
                InitCommand.describe(qm.model()), q.weightBits(), q.coefficientBits(), q.stateBits(), q.spikeBits(), q.accumulatorBits(),
                q.rounding().id(), q.overflow().id(), samples);
        w.printf(Locale.ROOT, "  input  f_x %3d  uses %s%n", qm.inputFraction(), bitsUsed(qm, "input", q.spikeBits()));
        for (int i = 0; i < qm.blocks().size(); i++) {
            QuantBlock b = qm.blocks().get(i);
            int l = i + 1;
            w.printf(Locale.ROOT, "  block %d  weights f %3d | u f %3d uses %s | state f %3d, modes send %s | relu f %3d uses %s"
                            + " | exponents Ā %d B̄ %d C %d D %d%n",
                    l, b.input().weightFraction(), b.uFraction(), bitsUsed(qm, "u" + l, q.spikeBits()), b.stateFraction(),
                    bitsUsed(qm, "s4d" + l, q.spikeBits()), b.reluFraction(), bitsUsed(qm, "relu" + l, q.spikeBits()),
                    b.s4d().expA(), b.s4d().expB(), b.s4d().expC(), b.s4d().expD());
        }
        w.printf(Locale.ROOT, "  out    f_o %3d  uses %s; decoder weights f %d; logits f_z %d%n",
                qm.outputFraction(), bitsUsed(qm, "out", q.spikeBits()), qm.decoder().weightFraction(), qm.logitFraction());
    }

    private static String bitsUsed(QuantizedModel qm, String group, int width) {
        Long max = qm.calibratedMax().get(group);
        int bits = max == null || max <= 0 ? 0 : 65 - Long.numberOfLeadingZeros(max); // magnitude bits + sign
        return bits + "/" + width + " bits";
    }
}
