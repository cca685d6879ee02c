package dev.s4d.cli;

import dev.s4d.data.Dataset;
import dev.s4d.data.Datasets;
import dev.s4d.engine.ConvEngine;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.engine.Streams;
import dev.s4d.io.ModelFiles;
import dev.s4d.kernel.Kernels;
import dev.s4d.loihi.chip.ChipOptions;
import dev.s4d.loihi.chip.ChipStreams;
import dev.s4d.loihi.chip.FixedPointEngine;
import dev.s4d.loihi.cost.CostReport;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.QuantizedModelFiles;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.S4DModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on embedded data: MNIST test digits bundled with the project, classified pixel by
 * pixel by both engines, showing that they agree, how fast one token is, and how the streaming
 * prediction firms up as pixels arrive.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run both engines on MNIST test digits bundled with the project (no downloads).",
                "Uses models/smnist-loihi.safetensors when the project has it, otherwise a freshly initialised (untrained) model."})
final class DemoCommand extends CliCommand {

    @Option(names = "--model", paramLabel = "MODEL", description = "Use this model instead of the bundled one.")
    Path modelFile;

    @Option(names = "--digits", description = "How many of the 100 bundled digits to use (default 100).")
    int digits = 100;

    @Option(names = "--quantized", paramLabel = "Q",
            description = "Also run this quantised model in the fixed-point engine (default: models/smnist-loihi-q.safetensors"
                    + " when the bundled model is used and the project has it).")
    Path quantizedFile;

    @Override
    public Integer call() throws Exception {
        if (digits < 1 || digits > 100) throw new IllegalArgumentException("--digits must be 1..100, got " + digits);
        Path models = Path.of(System.getProperty("s4d.home", "."), "models");
        Path bundled = models.resolve("smnist-loihi.safetensors");
        Path bundledQuantized = models.resolve("smnist-loihi-q.safetensors");
        if (quantizedFile == null && modelFile == null && Files.exists(bundled) && Files.exists(bundledQuantized)) {
            quantizedFile = bundledQuantized;
        }
        S4DModel model;
        String source;
        if (modelFile != null) {
            model = CliFiles.loadModel(modelFile);
            source = modelFile.toString();
        } else if (Files.exists(bundled)) {
            model = ModelFiles.load(bundled);
            source = bundled + " (trained)";
        } else {
            model = ModelInitializer.initialise(ModelConfig.loihi(1, 64, 64, 4, 10), InitOptions.defaults(0));
            // An untrained model tends to give every digit the same class, so its accuracy is anywhere
            // from 0 to about 20%, not "10%"; say plainly that the number means nothing.
            source = "freshly initialised, untrained (there is no " + bundled + ")"
                    + "\n        so its accuracy means nothing; the engines' agreement and speed still do";
        }
        Dataset ds = Datasets.bundledMnistDigits().slice(0, digits);
        DatasetMixin.checkFits(model.config(), ds.task());
        int n = ds.size();
        int length = ds.task().length();
        ModelConfig c = model.config();
        java.io.PrintWriter out = out();
        out.printf(Locale.ROOT, "model   %s%n        %s, %,d parameters, kernels %s%n", source, InitCommand.describe(c), model.parameterCount(), Kernels.best().name());
        out.printf(Locale.ROOT, "data    %d MNIST test digits bundled with s4d (Y. LeCun, C. Cortes, C. Burges; CC BY-SA 3.0), %d pixels each%n%n", n, length);

        float[][] seqs = new float[n][];
        for (int i = 0; i < n; i++) seqs[i] = ds.sequence(i);

        long t0 = System.nanoTime();
        float[][] conv = ConvEngine.compile(model).logits(seqs);
        double convSeconds = (System.nanoTime() - t0) / 1e9;

        // All digits as concurrent streams, remembering whether each prediction is right after every token.
        RecurrentEngine engine = RecurrentEngine.compile(model);
        int k = c.nClasses();
        float[] tokens = new float[n];
        float[] logits = new float[n * k];
        int[] correctAfter = new int[length];
        t0 = System.nanoTime();
        try (Streams s = engine.open(n)) {
            for (int t = 0; t < length; t++) {
                for (int i = 0; i < n; i++) tokens[i] = seqs[i][t];
                s.stepAll(tokens, logits);
                for (int i = 0; i < n; i++) {
                    if (Classifier.argmax(java.util.Arrays.copyOfRange(logits, i * k, (i + 1) * k)) == ds.label(i)) correctAfter[t]++;
                }
            }
        }
        double recSeconds = (System.nanoTime() - t0) / 1e9;

        int convCorrect = 0;
        int agree = 0;
        double maxRel = 0;
        for (int i = 0; i < n; i++) {
            float[] r = java.util.Arrays.copyOfRange(logits, i * k, (i + 1) * k);
            if (Classifier.argmax(conv[i]) == ds.label(i)) convCorrect++;
            if (Classifier.argmax(conv[i]) == Classifier.argmax(r)) agree++;
            double diff = 0;
            double scale = 0;
            for (int j = 0; j < k; j++) {
                diff = Math.max(diff, Math.abs(conv[i][j] - r[j]));
                scale = Math.max(scale, Math.abs(conv[i][j]));
            }
            maxRel = Math.max(maxRel, diff / scale);
        }
        out.printf(Locale.ROOT, "conv engine       accuracy %5.1f%%   (%d digits in %.0f ms)%n", 100.0 * convCorrect / n, n, convSeconds * 1e3);
        out.printf(Locale.ROOT, "recurrent engine  accuracy %5.1f%%   (%d streams × %d tokens in %.0f ms)%n",
                100.0 * correctAfter[length - 1] / n, n, length, recSeconds * 1e3);
        out.printf(Locale.ROOT, "agreement         %d/%d predictions equal, largest logit difference %.1e (relative)%n%n", agree, n, maxRel);

        double[] micros = Timing.singleStreamMicros(model, seqs[0]);
        out.printf(Locale.ROOT, "one stream, one thread: %.1f µs per token (p50), %.1f µs (p99)%n%n", Timing.median(micros), Timing.percentile(micros, 99));

        if (quantizedFile != null) chip(ds, seqs, out);

        out.println("accuracy of the streaming prediction after t pixels:");
        for (int t = length / 8 - 1; t < length; t += length / 8) {
            double acc = 100.0 * correctAfter[t] / n;
            out.printf(Locale.ROOT, "  t=%4d  %5.1f%%  %s%n", t + 1, acc, "#".repeat((int) Math.round(acc / 2.5)));
        }
        return 0;
    }

    /** The digits through the integer engine, as Loihi 2 would run them, and what the chip would need per token. */
    private void chip(Dataset ds, float[][] seqs, java.io.PrintWriter out) throws java.io.IOException {
        QuantizedModel q = QuantizedModelFiles.load(quantizedFile);
        DatasetMixin.checkFits(q.model(), ds.task());
        FixedPointEngine engine = FixedPointEngine.compile(q, ChipOptions.defaults());
        int n = seqs.length;
        int d = q.model().dInput();
        int k = q.model().nClasses();
        float[] tokens = new float[n * d];
        float[] logits = new float[n * k];
        int correct = 0;
        long t0 = System.nanoTime();
        try (ChipStreams s = engine.open(n)) {
            for (int t = 0; t < ds.task().length(); t++) {
                for (int i = 0; i < n; i++) System.arraycopy(seqs[i], t * d, tokens, i * d, d);
                s.stepAll(tokens, logits);
            }
            for (int i = 0; i < n; i++) if (s.prediction(i) == ds.label(i)) correct++;
            double seconds = (System.nanoTime() - t0) / 1e9;
            CostReport cost = ChipCost.report(engine.topology(), q.quant(), false, s.counters());
            out.printf(Locale.ROOT, "fixed-point engine accuracy %5.1f%%   (%s, integers only, %d streams in %.0f ms)%n",
                    100.0 * correct / n, quantizedFile.getFileName(), n, seconds * 1e3);
            out.printf(Locale.ROOT, "  as Loihi 2 would run it (modelled, docs/COST_MODEL.md): %d cores, %.1f µs per pipelined step,"
                            + " %.2f µJ per token, %.0f%% of relu spikes not sent%n%n",
                    cost.cores(), cost.stepNs() / 1e3, cost.energyUjPerToken(), 100 * reluSparsity(cost));
        }
    }

    private static double reluSparsity(CostReport cost) {
        return cost.sparsity().entrySet().stream().filter(e -> e.getKey().startsWith("relu"))
                .mapToDouble(java.util.Map.Entry::getValue).average().orElse(0);
    }
}
