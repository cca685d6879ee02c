package dev.s4d.cli;

import dev.s4d.io.ModelFiles;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Parameters;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The weighted mean of the parameters of models of one architecture. */
@Command(name = "average", mixinStandardHelpOptions = true,
        description = {"Average the parameters of two or more models of one architecture (a weight average, or \"model soup\").",
                "Models fine-tuned one from another, or saved along one run, usually lie in one basin of the loss, where the"
                        + " average of their weights is often more accurate than each of them; elsewhere it can be much worse, so"
                        + " check it before using it (s4d eval --held-out RUN, on the samples a run held out). s4d train"
                        + " --average-last averages the weights of a run's last epochs by itself."})
final class AverageCommand extends CliCommand {

    @picocli.CommandLine.Parameters(arity = "2..*", paramLabel = "MODEL", description = "Model files (ours or reference PyTorch state_dicts).")
    List<Path> models;

    @Option(names = "--weights", split = ",", paramLabel = "W", description = "One non-negative weight per model, in order"
            + " (normalised to sum 1; default: all equal).")
    List<Double> weights;

    @Option(names = "--out", required = true, paramLabel = "MODEL", description = "Where to write the average (replaced atomically).")
    Path out;

    @Mixin
    ImportMixin importOptions;

    @Override
    public Integer call() throws Exception {
        double[] w = normalisedWeights();
        CliFiles.requireWritable(out, "the average");
        List<S4DModel> loaded = new ArrayList<>();
        for (Path p : models) {
            S4DModel m = CliFiles.loadModel(p, importOptions.options());
            ModelConfig first = loaded.isEmpty() ? m.config() : loaded.getFirst().config();
            if (!m.config().equals(first)) {
                throw new IllegalArgumentException(p + " is " + InitCommand.describe(m.config()) + ", but " + models.getFirst() + " is "
                        + InitCommand.describe(first) + ": only models of one architecture can be averaged");
            }
            loaded.add(m);
        }
        S4DModel average = new S4DModel(loaded.getFirst().config(), mean(loaded, w));
        ModelFiles.save(average, out);
        StringBuilder terms = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            terms.append(i == 0 ? "" : " + ").append(String.format(Locale.ROOT, "%.4g × %s", w[i], models.get(i)));
        }
        out().printf(Locale.ROOT, "%s = %s (%s, %,d parameters)%n", out, terms, InitCommand.describe(average.config()), average.parameterCount());
        return 0;
    }

    private double[] normalisedWeights() {
        int n = models.size();
        if (weights == null) {
            double[] w = new double[n];
            java.util.Arrays.fill(w, 1.0 / n);
            return w;
        }
        if (weights.size() != n) {
            throw new IllegalArgumentException("--weights gives " + weights.size() + " weights for " + n + " models: give one per model");
        }
        double sum = 0;
        for (double v : weights) {
            if (!(v >= 0 && Double.isFinite(v))) throw new IllegalArgumentException("--weights must be finite and >= 0, got " + v);
            sum += v;
        }
        if (sum == 0) throw new IllegalArgumentException("--weights are all 0: at least one must be positive");
        double[] w = new double[n];
        for (int i = 0; i < n; i++) w[i] = weights.get(i) / sum;
        return w;
    }

    /** Σ w_i·p_i for every parameter, summed in double and rounded once to float. */
    private static Parameters mean(List<S4DModel> models, double[] w) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : models.getFirst().parameters().names()) {
            Tensor first = models.getFirst().parameters().get(name);
            double[] sum = new double[first.size()];
            for (int m = 0; m < models.size(); m++) {
                float[] p = models.get(m).parameters().get(name).data();
                for (int i = 0; i < sum.length; i++) sum[i] += w[m] * p[i];
            }
            float[] data = new float[sum.length];
            for (int i = 0; i < data.length; i++) data[i] = (float) sum[i];
            out.put(name, new Tensor(first.shape(), data));
        }
        return new Parameters(out);
    }
}
