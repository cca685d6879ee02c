package dev.s4d.cli;

import dev.s4d.engine.ConvEngine;
import dev.s4d.engine.FlopCount;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.engine.TokenStreams;
import dev.s4d.kernel.Kernels;
import dev.s4d.loihi.chip.ChipOptions;
import dev.s4d.loihi.chip.FixedPointEngine;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.QuantizedModelFiles;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import dev.s4d.train.AdamW;
import dev.s4d.train.GradientSource;
import dev.s4d.train.GradientSources;
import dev.s4d.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the engines' speed on one model and prints a table: one stream on one thread, many
 * streams on all cores, the conv engine on a batch, and training steps. Medians of repeated runs
 * after warm-up.
 * Given a quantised model, it also measures the fixed-point engine beside the float engines of a model
 * of the same shape (their speed does not depend on the weights).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure speed: single-stream latency, multi-stream throughput, conv throughput, training throughput.",
                "Presets match the PyTorch figures in REFERENCE.md §4: small = H 64, N 64, 4 layers, L 784, d_input 1;"
                        + " large = H 128, N 64, 4 layers, L 1024, d_input 3."})
final class BenchCommand extends CliCommand {

    @Option(names = "--model", paramLabel = "MODEL", description = "Model file, float or quantised; otherwise a random model of --preset.")
    Path modelFile;

    @Option(names = "--preset", paramLabel = "small|large", description = "Model size when no --model is given (default small).")
    String preset = "small";

    @Option(names = "--flavour", paramLabel = "reference|loihi", description = "Flavour of the preset model (default reference).")
    String flavour = "reference";

    @Option(names = "--length", description = "Sequence length for the conv engine (default: 784 small, 1024 large).")
    Integer length;

    @Option(names = "--streams", description = "Concurrent streams for the throughput run (default 1024).")
    int streams = 1024;

    @Option(names = "--batch", description = "Batch size for the conv engine (default 64).")
    int batch = 64;

    @Option(names = "--repeats", description = "Timed repetitions per measurement; the median is reported (default 5).")
    int repeats = 5;

    @Option(names = "--peak-gflops", description = "FP32 peak of one core in GFLOP/s for the fraction-of-peak column (default: measured with an FMA loop).")
    Double peakGflops;

    @Option(names = "--train-batch", description = "Batch size of the training measurement (default 32, as REFERENCE.md §4's PyTorch figures).")
    int trainBatch = 32;

    @Option(names = "--only", paramLabel = "single|streams|conv|train", description = "Run one measurement only.")
    String only;

    private static final List<String> MEASUREMENTS = List.of("single", "streams", "conv", "train");

    @Override
    public Integer call() throws Exception {
        if (repeats < 1 || streams < 1 || batch < 1 || trainBatch < 1) {
            throw new IllegalArgumentException("--repeats, --streams, --batch and --train-batch must be positive");
        }
        if (length != null && length < 1) throw new IllegalArgumentException("--length must be at least 1, got " + length);
        boolean measuredPeak = peakGflops == null;
        if (measuredPeak) peakGflops = PeakFlops.measureOneCore();
        if (!(peakGflops > 0)) throw new IllegalArgumentException("--peak-gflops must be positive, got " + peakGflops);
        // An unknown name would otherwise measure nothing and still succeed.
        if (only != null && !MEASUREMENTS.contains(only)) {
            throw new IllegalArgumentException("unknown --only '" + only + "', expected single, streams, conv or train");
        }
        QuantizedModel quantised = modelFile != null && CliFiles.isQuantised(modelFile) ? QuantizedModelFiles.load(modelFile) : null;
        S4DModel model = quantised != null ? ModelInitializer.initialise(quantised.model(), InitOptions.defaults(0))
                : modelFile != null ? CliFiles.loadModel(modelFile) : presetModel();
        ModelConfig c = model.config();
        int len = length != null ? length : (c.dModel() >= 128 ? 1024 : 784);
        long flops = FlopCount.perToken(c);
        out().printf(Locale.ROOT, "model: %s, %,d parameters, %,d FLOPs/token; kernels %s; %d cores%n",
                InitCommand.describe(c), model.parameterCount(), flops, Kernels.best().name(), Runtime.getRuntime().availableProcessors());
        out().printf(Locale.ROOT, "peak of one core: %.0f GFLOP/s (%s)%n", peakGflops, measuredPeak ? "measured: FMA loop" : "given");
        out().printf(Locale.ROOT, "%-40s %14s %14s %10s%n", "measurement", "median", "tokens/s", "% of peak");
        if (only == null || only.equals("single")) {
            single("recurrent", n -> RecurrentEngine.compile(model, Kernels.best(), 1).open(n), flops);
            if (quantised != null) single("fixed-point", n -> FixedPointEngine.compile(quantised, ChipOptions.defaults().withThreads(1)).open(n), flops);
        }
        if (only == null || only.equals("streams")) {
            many("recurrent", n -> RecurrentEngine.compile(model).open(n), flops);
            if (quantised != null) many("fixed-point", n -> FixedPointEngine.compile(quantised, ChipOptions.defaults()).open(n), flops);
        }
        if (only == null || only.equals("conv")) conv(model, len);
        if (only == null || only.equals("train")) train(model, len);
        return 0;
    }

    private S4DModel presetModel() {
        ModelConfig c = switch (preset) {
            case "small" -> ModelConfig.reference(1, 64, 64, 4, 10);
            case "large" -> ModelConfig.reference(3, 128, 64, 4, 10);
            default -> throw new IllegalArgumentException("unknown --preset '" + preset + "', expected small or large");
        };
        return ModelInitializer.initialise(c.withFlavour(BlockFlavour.parse(flavour)), InitOptions.defaults(0));
    }

    /**
     * One stream on one thread: per-token time. The fraction of peak is of the float model's FLOPs for
     * every engine, so the integer engine's figure says how near it comes to the float work's peak.
     */
    private void single(String engine, IntFunction<TokenStreams> open, long flops) {
        int tokens = 5000;
        SplittableRandom rng = new SplittableRandom(1);
        double[] perToken = new double[repeats];
        try (TokenStreams s = open.apply(1)) {
            float[] token = new float[s.config().dInput()];
            float[] logits = new float[s.config().nClasses()];
            int[] ids = {0};
            for (int w = 0; w < 3 * tokens; w++) step(s, ids, token, logits, rng);
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < tokens; i++) step(s, ids, token, logits, rng);
                perToken[r] = (System.nanoTime() - t0) / 1e3 / tokens;
            }
        }
        double us = Timing.median(perToken);
        row(engine + ", 1 stream, 1 thread", String.format(Locale.ROOT, "%.2f µs/token", us), 1e6 / us, flops * (1e6 / us) / (peakGflops * 1e9));
    }

    private static void step(TokenStreams s, int[] ids, float[] token, float[] logits, SplittableRandom rng) {
        for (int j = 0; j < token.length; j++) token[j] = (float) rng.nextDouble();
        s.step(ids, 1, token, logits);
    }

    /** Many streams on all cores: tokens per second over every stream. */
    private void many(String engine, IntFunction<TokenStreams> open, long flops) {
        int steps = Math.max(20, 200_000 / streams);
        double[] rate = new double[repeats];
        try (TokenStreams s = open.apply(streams)) {
            float[] tokens = new float[streams * s.config().dInput()];
            float[] logits = new float[streams * s.config().nClasses()];
            SplittableRandom rng = new SplittableRandom(2);
            for (int i = 0; i < tokens.length; i++) tokens[i] = (float) rng.nextDouble();
            for (int w = 0; w < steps; w++) s.stepAll(tokens, logits);
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) s.stepAll(tokens, logits);
                rate[r] = (double) steps * streams / ((System.nanoTime() - t0) / 1e9);
            }
        }
        double tps = Timing.median(rate);
        int cores = Runtime.getRuntime().availableProcessors();
        row(engine + ", " + streams + " streams, " + cores + " threads", String.format(Locale.ROOT, "%.2f µs/step", streams / tps * 1e6),
                tps, flops * tps / (peakGflops * 1e9 * cores));
    }

    private void conv(S4DModel model, int len) {
        ConvEngine engine = ConvEngine.compile(model);
        int d = model.config().dInput();
        SplittableRandom rng = new SplittableRandom(3);
        float[][] b = new float[batch][len * d];
        for (float[] seq : b) for (int i = 0; i < seq.length; i++) seq[i] = (float) rng.nextDouble();
        engine.logits(b);
        engine.logits(b);
        double[] rate = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            engine.logits(b);
            rate[r] = (double) batch * len / ((System.nanoTime() - t0) / 1e9);
        }
        double tps = Timing.median(rate);
        row("conv, batch " + batch + ", L " + len + ", all cores", String.format(Locale.ROOT, "%.1f ms/batch", batch * len / tps * 1e3), tps, Double.NaN);
    }

    /**
     * Training steps on all cores as the trainer takes them, data loading aside: forward and backward
     * of a batch (dropout 0.1) and the AdamW update, with the reference recipe's rates. The median
     * column is in samples per second, the unit of REFERENCE.md §4's PyTorch training figures.
     */
    private void train(S4DModel model, int len) {
        ModelConfig c = model.config();
        TrainConfig recipe = TrainConfig.defaults();
        int cores = Runtime.getRuntime().availableProcessors();
        Parameters params = model.parameters().copy();
        Parameters grads = params.zerosLike();
        GradientSource gradients = GradientSources.forModel(c, recipe.withThreads(cores));
        AdamW optimizer = AdamW.of(params, recipe);
        SplittableRandom rng = new SplittableRandom(4);
        float[][] x = new float[trainBatch][len * c.dInput()];
        for (float[] seq : x) for (int i = 0; i < seq.length; i++) seq[i] = (float) rng.nextGaussian();
        int[] labels = new int[trainBatch];
        for (int i = 0; i < trainBatch; i++) labels[i] = rng.nextInt(c.nClasses());
        long[] step = {0};
        Runnable oneStep = () -> {
            gradients.compute(params, grads, x, labels, step[0]++);
            optimizer.step(params, grads, 1.0);
        };
        // The vector kernels are slow until C2 has compiled them: a few seconds of steps on a real model,
        // while a tiny one has made enough calls long before.
        long warm = System.nanoTime() + 10_000_000_000L;
        for (int i = 0; i < 500 && System.nanoTime() < warm; i++) oneStep.run();
        int steps = 3;
        double[] rate = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) oneStep.run();
            rate[r] = (double) steps * trainBatch / ((System.nanoTime() - t0) / 1e9);
        }
        double sps = Timing.median(rate);
        row("training, batch " + trainBatch + ", L " + len + ", all cores", String.format(Locale.ROOT, "%.1f samples/s", sps),
                sps * len, Double.NaN);
    }

    private void row(String name, String median, double tokensPerSecond, double peakFraction) {
        out().printf(Locale.ROOT, "%-40s %14s %14s %10s%n", name, median, String.format(Locale.ROOT, "%,.0f", tokensPerSecond),
                Double.isNaN(peakFraction) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * peakFraction));
    }
}
